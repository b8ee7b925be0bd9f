"""Renderers: golden report.md and report.json, a safe self-contained HTML page, inert Markdown."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from helpers import GOLDEN, ROOT
from hypothesis import given
from hypothesis import strategies as st

from riskmap.render.markdown import escape_markdown

HOSTILE = [
    {"id": "X-1", "title": "</script><script>alert(1)</script> breaks the page", "severity": "high",
     "component": "<img src=x onerror=alert(2)>"},
    {"id": "X-2", "title": "Pipe | in title ` and [link](javascript:alert(3)) @everyone <b>bold</b>",
     "severity": "critical", "type": "<svg onload=alert(4)>", "file": "src/domain/y.py"},
    {"id": "X-3", "title": "Contact jane.doe@example.com with token ghp_abcdefghijklmnopqrstuvwxyz0123",
     "severity": "low", "file": "src/adapters/z.py"},
]


class _Page(HTMLParser):
    """Collects the tags and attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.mark.parametrize("name", ["report.md", "report.json"])
def test_golden_reports(cli, tmp_path, golden, name):
    result = cli("analyze", "sample_data/bugs.json", "--out", tmp_path, "-q", cwd=ROOT)
    assert result.code == 0
    golden((tmp_path / name).read_text(encoding="utf-8"), GOLDEN / f"sample.{name}")


def test_markdown_stays_small_on_large_inputs(cli, tmp_path):
    bugs = [{"id": f"L-{i}", "title": f"Bug number {i} in component {i % 300}", "severity": "high",
             "file": f"src/adapters/c{i % 300}.py"} for i in range(20_000)]
    path = tmp_path / "large.json"
    path.write_text(json.dumps(bugs), encoding="utf-8")
    assert cli("analyze", path, "--out", tmp_path, "-q", "-r", "md").code == 0
    assert (tmp_path / "report.md").stat().st_size < 100_000


def test_html_is_self_contained_and_escapes_untrusted_text(cli, tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE), encoding="utf-8")
    assert cli("analyze", path, "--out", tmp_path, "-q").code == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert len(scripts) == 4 and all("src" not in attrs for attrs in scripts)
    assert not [t for t, _ in page.tags if t in ("img", "svg", "iframe", "link", "object", "embed")]
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").startswith(("http:", "https:", "//")), (tag, name, value)
    assert "<img src=x onerror=alert(2)>" in "".join(page.text)  # shown as text, in the component table
    assert "jane.doe@example.com" not in html and "ghp_abcdefghijklmnopqrstuvwxyz0123" not in html
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_html_carries_the_charts_and_every_record(cli, tmp_path):
    from helpers import SAMPLE

    assert cli("analyze", SAMPLE, "--out", tmp_path, "-q", "-r", "html").code == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    opening = '<script type="application/json" id="records-data">'
    start = html.index(opening) + len(opening)
    rows = json.loads(html[start: html.index("</script>", start)])["rows"]
    assert len(rows) == 32
    assert any(row[7] == "Task title <script>alert('x')</script> rendered unescaped in email preview" for row in rows)
    opening = '<script type="application/json" id="figures-data">'
    start = html.index(opening) + len(opening)
    figures = json.loads(html[start: html.index("</script>", start)])
    assert figures["severity"]["data"][0]["type"] == "bar"
    heatmap = html[html.index('<table id="heatmap"'): html.index("</table>", html.index('<table id="heatmap"'))]
    assert heatmap.count('<tr class="row component') == 10 and heatmap.count('<tr class="row unplaced') == 1
    assert "Plotly.newPlot" in html and "plotly.js" in html.lower()


def test_markdown_escapes_untrusted_text(cli, tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE), encoding="utf-8")
    assert cli("analyze", path, "--out", tmp_path, "-q", "-r", "md").code == 0
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<img" not in md and "<svg" not in md and "<b>" not in md
    assert "@everyone" not in md and "jane.doe" not in md and "ghp_" not in md
    assert "Pipe \\| in title" in md


@given(st.text())
def test_escaped_markdown_is_one_inert_line(text):
    escaped = escape_markdown(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert "<" not in escaped and ">" not in escaped and "@" not in escaped
    unescaped_pipes = escaped.replace("\\\\", "").replace("\\|", "")
    assert "|" not in unescaped_pipes


@given(st.recursive(st.text() | st.integers(-(2**63), 2**63 - 1) | st.none(), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10))
def test_script_json_is_inert_and_round_trips(value):
    from riskmap.render.html import script_json

    text = script_json(value)
    assert "<" not in text
    assert json.loads(text) == value


def test_every_report_renderer_writes_what_the_cli_writes(cli, tmp_path, monkeypatch):
    from datetime import UTC, datetime
    from pathlib import Path

    from riskmap.analyze import analyze
    from riskmap.config import Config
    from riskmap.ingest import read_input
    from riskmap.render import Renderer
    from riskmap.render.data import build_report
    from riskmap.render.html import HtmlRenderer
    from riskmap.render.json_report import JsonRenderer
    from riskmap.render.markdown import MarkdownRenderer

    as_of = "2026-11-15T00:00:00Z"
    assert cli("analyze", "sample_data/bugs.json", "--out", tmp_path, "-q", "--as-of", as_of, cwd=ROOT).code == 0
    config = Config()
    monkeypatch.chdir(ROOT)
    analysis = analyze([read_input(Path("sample_data/bugs.json"), config)], config,
                       datetime(2026, 11, 15, tzinfo=UTC))
    report = build_report(analysis, config)
    renderers: list[Renderer] = [JsonRenderer(), MarkdownRenderer(), HtmlRenderer()]
    assert sorted(r.filename for r in renderers) == ["report.html", "report.json", "report.md"]
    for renderer in renderers:
        produced = renderer.render(report)
        assert isinstance(produced, bytes)
        assert produced == (tmp_path / renderer.filename).read_bytes(), renderer.filename


def test_counts_in_words_are_singular_for_one():
    from riskmap.models import InputSummary
    from riskmap.render.data import counted

    one = InputSummary(path="a", format="junit", tests={"passed": 1, "failed": 1, "errors": 1, "skipped": 1})
    assert counted(one) == "tests: 1 passed, 1 failed, 1 error, 1 skipped"
    two = InputSummary(path="a", format="junit",
                       tests={"passed": 2, "failed": 0, "errors": 2, "skipped": 0, "flaky": 1})
    assert counted(two) == "tests: 2 passed, 0 failed, 2 errors, 0 skipped, 1 flaky"
    log = InputSummary(path="a", format="log", logs={"entries": 1, "templates": 1, "below_warning": 1})
    assert counted(log) == "log: 1 entry, 1 template, 1 entry below warning"
    logs = InputSummary(path="a", format="log", logs={"entries": 1200, "templates": 2, "below_warning": 0})
    assert counted(logs) == "log: 1,200 entries, 2 templates, 0 entries below warning"


def test_markdown_says_one_more_component_in_the_singular(cli, tmp_path):
    bugs = [{"id": f"C-{i}", "title": f"Bug {i}", "severity": "high", "file": f"src/adapters/c{i}.py"}
            for i in range(26)]
    path = tmp_path / "bugs.json"
    path.write_text(json.dumps(bugs), encoding="utf-8")
    assert cli("analyze", path, "--out", tmp_path, "-q", "-r", "md").code == 0
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "\n1 more component in report.json.\n" in text and "26 records from 1 input" in text


@pytest.fixture(scope="module")
def sample_report():
    from datetime import UTC, datetime

    from riskmap.analyze import analyze
    from riskmap.config import Config
    from riskmap.ingest import read_input
    from riskmap.render.data import build_report

    config = Config()
    analysis = analyze([read_input(ROOT / "sample_data" / "bugs.json", config)], config,
                       datetime(2026, 11, 15, tzinfo=UTC))
    return build_report(analysis, config)


@given(per_chunk=st.integers(min_value=1, max_value=40), cut=st.integers(min_value=0, max_value=40))
def test_report_json_written_in_parts_is_the_same_bytes(sample_report, per_chunk, cut):
    from riskmap.render.json_report import JsonRenderer

    report = {**sample_report, "records": sample_report["records"][:cut]}
    whole = JsonRenderer().render(report)
    parts = list(JsonRenderer().chunks(report, per_chunk))
    assert b"".join(parts) == whole
    assert json.loads(whole)["records"] == json.loads(b"".join(parts))["records"]
    assert len(parts) == (1 if not report["records"] else 2 + -(-len(report["records"]) // per_chunk))


@given(per_slice=st.integers(min_value=1, max_value=40), cut=st.integers(min_value=0, max_value=40))
def test_page_records_written_in_slices_are_the_same_json(sample_report, per_slice, cut):
    from riskmap.render.html import _RECORD_ROW, RECORD_COLUMNS, records_json, script_json

    records = sample_report["records"][:cut]
    parts = list(records_json(records, per_slice))
    assert "".join(parts) == script_json({"columns": RECORD_COLUMNS, "rows": [_RECORD_ROW(r) for r in records]})
    assert len(parts) == 2 + -(-len(records) // per_slice)


def test_a_text_that_spells_the_records_marker_stays_text(sample_report):
    """The page's records JSON goes only where the template puts ``records_json``: a stated testing gap (shown
    in the page's table) whose text is the marker's is shown escaped, and the records' JSON is in the page once."""
    from riskmap.render.html import RECORDS_MARK, HtmlRenderer

    gaps = sample_report["testing_gaps"]
    assert gaps["stated"], "the sample states testing gaps"
    stated = [{**gaps["stated"][0], "gap": RECORDS_MARK}, *gaps["stated"][1:]]
    page = HtmlRenderer().render({**sample_report, "testing_gaps": {**gaps, "stated": stated}}).decode("utf-8")
    assert page.count('{"columns":[') == 1
    assert RECORDS_MARK not in page
