"""The report is honest about what it does not know: a green build says so, long text is capped and says
where the rest is, undated evidence does not count as new, a layer guessed from a name is marked, and
``riskmap templates`` refuses what is not a log."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from helpers import SAMPLE
from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze import heatmap_rows
from riskmap.ingest.logs.entries import dated_within
from riskmap.models import ComponentRisk, Layer, Tier
from riskmap.render.data import fix_first

PASSING = """<?xml version="1.0"?>
<testsuite name="api" tests="2" failures="0"><testcase classname="api.test_tasks" name="test_create"/>
<testcase classname="api.test_tasks" name="test_list"/></testsuite>
"""


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_a_green_build_says_there_is_nothing_to_report(cli, tmp_path):
    junit = tmp_path / "green.xml"
    junit.write_text(PASSING, encoding="utf-8")
    assert cli("analyze", junit, "-o", tmp_path, "-q").code == 0
    assert _report(tmp_path)["headline"] is None
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "**Nothing to report:** no failing test" in md
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="nothing">' in html and "A green build." in html
    assert 'id="heatmap"' not in html and 'id="chart-severity"' not in html, "no empty axes"


def test_a_huge_log_line_gives_a_capped_title_in_all_three_reports(cli, tmp_path):
    log = tmp_path / "huge.log"
    words = ["part" + "".join(chr(97 + int(d)) for d in str(i)) for i in range(60_000)]  # words, not ids: "partcd"
    line = "ERROR worker: " + " ".join(words)
    log.write_text(f"2026-10-27 08:01:44,666 {line}\n2026-10-27 08:01:45,000 INFO worker: ok\n", encoding="utf-8")
    assert cli("analyze", log, "-o", tmp_path, "-q").code == 0
    record = _report(tmp_path)["records"][0]
    assert len(line) > 400_000
    assert len(record["title"]) < 500 and "[cut: " in record["title"]
    assert f"the full text is in {log} line 1]" in record["title"], "report.json says where the full text is"
    for name in ("report.md", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert f"{words[5000]} " not in text and f"{words[2]} " in text, f"{name} shows the start, cut"
    assert (tmp_path / "report.html").stat().st_size < 8_000_000


def test_undated_syslog_lines_weigh_as_neither_new_nor_old_beside_dated_bugs(cli, tmp_path):
    syslog = tmp_path / "messages"
    syslog.write_text("Jun 14 15:16:01 combo sshd[19939]: error: authentication failure for root\n"
                      "Jun 14 15:16:02 combo sshd[19937]: check pass; user unknown\n", encoding="utf-8")
    bugs = tmp_path / "bugs.json"
    bugs.write_text(json.dumps([{"id": "B-1", "title": "Tasks lost on save", "severity": "high", "status": "open",
                                 "file": "src/adapters/store.py", "created_at": "2025-06-01T00:00:00Z"}]),
                    encoding="utf-8")
    assert cli("analyze", syslog, bugs, "-o", tmp_path, "-q").code == 0
    report = _report(tmp_path)
    scores = {r["id"]: r["score"] for r in report["records"]}
    log_id = next(i for i in scores if i.startswith("log-"))
    assert scores["B-1"] == 5.0, "high, open, brand new"
    assert scores[log_id] == 2.5, "high, open, undated: weighs half"
    assert report["summary"]["undated"] == 1
    assert report["headline"]["component"] == "adapters.store"


def test_a_layer_guessed_from_a_tracker_component_name_is_marked_as_a_guess(cli, tmp_path):
    bugs = tmp_path / "bugs.json"
    bugs.write_text(json.dumps([
        {"id": "B-1", "title": "Video stutters", "severity": "high", "component": "Core/Audio/Video"},
        {"id": "B-2", "title": "Rules reject valid dates", "severity": "low", "file": "src/core/rules.py"},
    ]), encoding="utf-8")
    assert cli("analyze", bugs, "-o", tmp_path, "-q").code == 0
    report = _report(tmp_path)
    guessed = {c["name"]: c["layer_guess"] for c in report["components"]}
    assert guessed == {"Core/Audio/Video": True, "core.rules": False}
    record = next(r for r in report["records"] if r["id"] == "B-1")
    assert record["confidence"] < 0.5 and "riskmap init" in record["evidence"]
    assert "domain (guess)" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_the_heat_map_shows_the_top_n_then_the_rest_then_the_unplaced(cli, tmp_path):
    (tmp_path / "riskmap.toml").write_text("heatmap_top = 3\n", encoding="utf-8")
    assert cli("analyze", SAMPLE, "-o", tmp_path, "-q", "--config", tmp_path / "riskmap.toml").code == 0
    report = _report(tmp_path)
    rows, components = report["heatmap"]["rows"], report["components"]
    placed = [c for c in components if c["name"] != "(unmapped)"]
    assert [r["component"] for r in rows[:3]] == [c["name"] for c in placed[:3]], "riskiest first"
    rest = rows[3]
    assert rest["kind"] == "rest" and rest["components"] == [c["name"] for c in placed[3:]]
    assert abs(rest["score"] - sum(c["score"] for c in placed[3:])) < 1e-3
    assert [r["kind"] for r in rows[4:]] == (["unplaced"] if len(placed) < len(components) else [])
    assert report["headline"]["component"] == placed[0]["name"]


def test_templates_refuses_what_is_not_a_log_by_name(cli, tmp_path):
    export = tmp_path / "export.json"
    export.write_text('[\n  {\n    "id": "B-1",\n    "title": "x"\n  }\n]\n', encoding="utf-8")
    binary = tmp_path / "core.bin"
    binary.write_bytes(b"ELF\x00\x01\x02garbage\x00")
    for path, says in ((export, "not a log"), (binary, "binary data")):
        result = cli("templates", path)
        assert result.code == 1 and says in result.stderr and str(path) in result.stderr
        assert result.stdout == ""


def test_templates_writes_its_csv_with_no_terminal_attached(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-10-27 08:01:{i:02d},000 ERROR db: timeout after {i} ms\n" for i in range(30)),
                   encoding="utf-8")
    out = tmp_path / "lines.csv"
    done = subprocess.run([sys.executable, "-m", "riskmap", "templates", log, "--output", out],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, start_new_session=True)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line,template_id,template" and len(lines) == 31


def test_records_link_back_to_their_issue_only_over_http(cli, tmp_path):
    issues = tmp_path / "issues.json"
    issues.write_text(json.dumps([
        {"number": 1, "title": "Crash on save", "state": "open", "labels": [],
         "url": "https://api.github.com/repos/o/r/issues/1", "html_url": "https://github.com/o/r/issues/1"},
        {"number": 2, "title": "Crash on load", "state": "open", "labels": [],
         "url": "https://api.github.com/repos/o/r/issues/2", "html_url": "javascript:alert(1)"},
    ]), encoding="utf-8")
    assert cli("analyze", issues, "-o", tmp_path, "-q").code == 0
    links = {r["title"]: r["link"] for r in _report(tmp_path)["records"]}
    assert links == {"Crash on save": "https://github.com/o/r/issues/1", "Crash on load": None}
    assert "javascript:alert" not in (tmp_path / "report.html").read_text(encoding="utf-8").split("records-data")[0]


_COMPONENTS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", "(unmapped)", "e.f"]), st.floats(0.01, 100), st.integers(1, 5)),
    min_size=1, max_size=6, unique_by=lambda t: t[0],
)


def _risks(rows):
    return sorted(
        (ComponentRisk(name=name, layer=Layer.domain, score=score, tier=Tier.low, records=n, open_records=n,
                       by_severity={"high": n}, by_category={"other": n}, score_by_severity={"high": score},
                       record_ids=[f"{name}-{i}" for i in range(n)]) for name, score, n in rows),
        key=lambda c: (-c.score, c.name))


@given(_COMPONENTS)
def test_heat_map_rows_are_riskiest_first_and_the_unplaced_last(rows):
    risks = _risks(rows)
    order = heatmap_rows(risks)
    placed = [c for c in risks if c.name != "(unmapped)"]
    assert order[:len(placed)] == [c.name for c in placed]
    assert order[len(placed):] == (["(unmapped)"] if len(placed) < len(risks) else [])


@given(_COMPONENTS)
def test_the_headline_names_the_riskiest_placed_component_and_its_records(rows):
    risks = _risks(rows)
    headline = fix_first(risks, [])
    placed = [c for c in risks if c.name != "(unmapped)"]
    if not placed:
        assert headline is None
        return
    assert headline["component"] == placed[0].name
    assert headline["record_ids"] == placed[0].record_ids[:5]
    assert headline["more_records"] == max(0, placed[0].records - 5)


def test_a_gzipped_syslog_takes_its_year_from_the_gzip_header(cli, tmp_path):
    log = tmp_path / "messages.1.gz"
    written = datetime(2025, 1, 3, 6, 25, tzinfo=UTC)
    with log.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(written.timestamp())) as handle:
        handle.write(b"Dec 30 23:59:01 combo sshd[1]: error: authentication failure for root\n"
                     b"Jan  2 10:00:00 combo kernel: error: disk sda failing\n")
    assert cli("analyze", log, "-o", tmp_path, "-q").code == 0
    report = _report(tmp_path)
    seen = sorted(r["created_at"] for r in report["records"])
    assert seen == ["2024-12-30T23:59:01Z", "2025-01-02T10:00:00Z"], "December lines of a January file: last year"
    assert report["summary"]["undated"] == 0


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
       st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2000, 12, 31, 23, 59, 59)))
def test_a_year_less_time_is_dated_in_the_year_its_file_was_written_or_the_one_before(written, moment):
    written = written.replace(tzinfo=UTC, microsecond=0)
    text = moment.strftime("%b %d %H:%M:%S")
    dated = dated_within(text, written)
    if dated is None:
        assert moment.month == 2 and moment.day == 29
        return
    # 29 February in a file written on 2 March 2001 is of 2000: 367 days before, and the only year it can be
    assert dated <= written and dated.year in (written.year, written.year - 1)
    assert dated.strftime("%b %d %H:%M:%S") == text
