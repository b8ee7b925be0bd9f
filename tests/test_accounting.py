"""Nothing is dropped silently: items read = records analysed + excluded (no defect) + merged + skipped."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from riskmap.analyze import analyze
from riskmap.config import Config
from riskmap.ingest import read_input
from riskmap.ingest.fields import DATE_FORMATS, as_datetime
from riskmap.render.data import build_report

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
FIELDS = st.sampled_from(["id", "key", "title", "summary", "name", "description", "severity", "priority", "file",
                          "component", "type", "status", "created_at", "resolved_at", "labels", "extra"])
ITEMS = st.one_of(st.dictionaries(FIELDS, VALUES, max_size=8), SCALARS, st.lists(SCALARS, max_size=2))


def _analyse_file(name: str, content: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(content, encoding="utf-8")
        result = read_input(path, Config())
    return result, analyze([result], Config(), datetime(2026, 11, 1, tzinfo=UTC))


@settings(max_examples=60, deadline=None)
@given(items=st.lists(ITEMS, max_size=15), wrapper=st.sampled_from([None, "bugs", "issues", "items", "data"]))
def test_every_item_of_a_json_export_is_analysed_or_skipped(items, wrapper):
    document = items if wrapper is None else {wrapper: items}
    result, analysis = _analyse_file("export.json", json.dumps(document))
    assert result.summary.error is None
    assert result.summary.records + result.summary.skipped == len(items)
    assert len(analysis.records) + len(analysis.excluded) + analysis.merged == result.summary.records
    report = build_report(analysis, Config())
    summary = report["summary"]
    assert summary["records"] + sum(summary["excluded"].values()) + summary["merged"] + summary["skipped"] == len(items)
    assert sum(c["records"] for c in report["components"]) == len(analysis.records)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.one_of(ITEMS.map(json.dumps), st.text(alphabet="{}[]\":, ab1", max_size=12)),
                      min_size=2, max_size=12))
def test_every_non_blank_json_line_is_analysed_or_skipped(lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    lines[:2] = ['{"title": "first"}', '{"title": "second"}']
    result, analysis = _analyse_file("export.jsonl", "\n".join(lines) + "\n")
    assert result.summary.error is None
    assert result.summary.records + result.summary.skipped == sum(1 for line in lines if line.strip())
    assert len(analysis.records) + len(analysis.excluded) + analysis.merged == result.summary.records


FORMAT_KEYS = {
    "github": ["number", "title", "body", "state", "labels", "created_at", "closed_at", "pull_request", "url"],
    "jira": ["key", "fields", "summary", "priority", "status", "components", "description", "created"],
    "bugzilla": ["id", "summary", "severity", "priority", "product", "component", "status", "comments",
                 "cf_crash_signature", "creation_time", "keywords"],
    "sentry": ["shortId", "title", "culprit", "count", "firstSeen", "level", "status", "metadata", "eventID",
               "exception", "entries", "tags", "message"],
}
NESTED = st.recursive(
    SCALARS | st.sampled_from(["", "--", "2026-10-01T00:00:00Z", "a/b.py in f", "[@ sig]", "priority-high"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "text", "values", "type", "value", "stacktrace", "frames", "filename",
                         "inApp", "lineNo", "data", "key", "summary", "statusCategory"]), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(FORMAT_KEYS)))
def test_tracker_readers_never_crash_and_account_for_every_item(data, name):
    keys = FORMAT_KEYS[name]
    items = data.draw(st.lists(st.dictionaries(st.sampled_from(keys), NESTED, max_size=8) | SCALARS, max_size=8))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.json"
        path.write_text(json.dumps(items), encoding="utf-8")
        result = read_input(path, Config(), format_name=name)
    assert result.summary.error is None, result.summary.error
    assert result.summary.records + result.summary.skipped == len(items)
    analyze([result], Config(), datetime(2026, 11, 1, tzinfo=UTC))


def _reference_datetime(value: str) -> datetime | None:
    """What a date field's text means, written plainly: ISO 8601 or one of DATE_FORMATS, blanks around it
    ignored, as UTC (a time without a zone is taken as UTC)."""
    text = value.strip()
    parsed = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for layout in DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_MOMENTS = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1))
#: Date fields as exports write them: ISO 8601 with or without a zone and blanks around it, and DATE_FORMATS.
_DATE_TEXTS = st.one_of(
    st.builds(lambda moment, sep, zone, pad: f"{pad}{moment.isoformat(sep=sep)}{zone}{pad}", _MOMENTS,
              st.sampled_from(["T", " "]), st.sampled_from(["", "Z", "+00:00", "+02:00", "-05:30"]),
              st.sampled_from(["", " ", "\t"])),
    st.builds(lambda moment, layout: moment.strftime(layout), _MOMENTS, st.sampled_from(DATE_FORMATS)),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(_DATE_TEXTS)
def test_a_date_field_reads_as_its_plain_reference(value: str) -> None:
    assert as_datetime(value) == _reference_datetime(value)
    if (moment := as_datetime(value)) is not None:
        assert moment.utcoffset() == timedelta(0)
