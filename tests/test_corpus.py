"""Third-party exports from ../shared/corpus that the generic JSON reader must handle.

Tracker-specific formats (GitHub, Jira, Bugzilla, Sentry) get their own ingesters later; these
files are read here through their common field names, as any JSON Lines export would be.
"""

from __future__ import annotations

import json

import pytest


def _report(out) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "relative,count,first_id,first_title",
    [
        ("bugs/mozilla-bugbug/bugs.jsonl", 58, "1388990", "Back toolbarbutton is perma-disabled after customize toolbar"),
        ("bugs/inex-bug-npm/msrv3_closed.jsonl", 428, "303880472", "Spaces get condensed by --fix when they are alone in a <span>"),
        ("bugs/mozilla-bugbug/github_webcompat_web-bugs_issues.jsonl", 100, "860615030", "www.zssk.sk - site is not usable"),
    ],
)
def test_json_lines_exports_are_read_whole(cli, corpus, tmp_path, relative, count, first_id, first_title):
    path = corpus / relative
    result = cli("analyze", path, "--out", tmp_path, "-q")
    assert result.code == 0, result.stderr
    report = _report(tmp_path)
    assert report["inputs"][0]["records"] == count and report["inputs"][0]["skipped"] == 0
    assert "JSON Lines" in report["inputs"][0]["detected_by"]
    first = next(r for r in report["records"] if r["source"]["locator"] == "line 1")
    assert (first["id"], first["title"]) == (first_id, first_title)
    assert report["summary"]["records"] == count


def test_bugzilla_fields_feed_severity_status_and_component(cli, corpus, tmp_path):
    target = tmp_path / "records.jsonl"
    assert cli("ingest", corpus / "bugs/mozilla-bugbug/bugs.jsonl", "--output", target).code == 0
    first = json.loads(target.read_text(encoding="utf-8").splitlines()[0])
    assert (first["severity_raw"], first["severity"]) == ("major", "high")
    assert first["status"] == "resolved"  # VERIFIED
    assert first["component_hint"] == "Toolbars and Customization"
    assert first["created_at"].startswith("2017-")


def test_github_issue_state_labels_and_dates(cli, corpus, tmp_path):
    target = tmp_path / "records.jsonl"
    assert cli("ingest", corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl", "--output", target).code == 0
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert all(r["status"] == "resolved" for r in records)
    assert records[0]["labels"] == ["bug", "help wanted"]
    assert records[0]["created_at"] == "2018-03-09T15:33:37Z"


def test_jira_search_response_is_read_and_its_records_skipped_with_reasons(cli, corpus, tmp_path):
    """Jira keeps summaries under "fields"; until the Jira reader exists, nothing is lost silently."""
    path = corpus / "bugs/jira-rest-samples-go-jira/issues_in_sprint.json"
    assert cli("analyze", path, "--out", tmp_path, "-q").code == 0
    report = _report(tmp_path)
    total = len(json.loads(path.read_text(encoding="utf-8"))["issues"])
    assert report["inputs"][0]["records"] + report["inputs"][0]["skipped"] == total
    assert all(s["reason"] for s in report["skipped"])


def test_corpus_exports_mixed_in_one_report_are_deterministic(cli, corpus, tmp_path):
    inputs = [corpus / "bugs/mozilla-bugbug/bugs.jsonl", corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl"]
    cli("analyze", *inputs, "--out", tmp_path / "a", "-q")
    cli("analyze", *inputs, "--out", tmp_path / "b", "-q")
    for name in ("report.html", "report.md", "report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    report = _report(tmp_path / "a")
    assert report["summary"]["records"] == 58 + 428
    assert "@" not in (tmp_path / "a" / "report.md").read_text(encoding="utf-8").replace("&#64;", "")
