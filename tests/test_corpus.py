"""Third-party tracker and error-monitor files from ../shared/corpus: detected and read with no flags,
or refused with a clear reason."""

from __future__ import annotations

import json

import pytest
from helpers import DATA

EXPECTED = {
    # file: (format, records, skipped)
    "bugs/mozilla-bugbug/bugs.jsonl": ("bugzilla", 58, 0),
    "bugs/mozilla-bugbug/github_webcompat_web-bugs_issues.jsonl": ("github", 100, 0),
    "bugs/inex-bug-npm/msrv3_closed.jsonl": ("github", 428, 0),
    "bugs/jira-rest-samples-go-jira/issues_in_sprint.json": ("jira", 1, 0),
    "bugs/jira-rest-samples-go-jira/issues_in_sprint_with_changelog.json": ("jira", 1, 0),
    "errors/sentry-mcp-mocks/issue.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/issue-null-culprit.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/regressed-issue.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/performance-issue.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/unsupported-issue.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/csp-issue.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/feedback-issue.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/default-event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/generic-event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/unknown-event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/csp-event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/performance-event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/trace-event.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/events-errors.json": ("sentry", 1, 0),
    "errors/sentry-mcp-mocks/issue-user-reports.json": ("sentry", 0, 3),
}
REFUSED = {
    "bugs/jira-rest-samples-go-jira/all_priorities.json": "Jira REST priority definitions, not issues",
    "bugs/jira-rest-samples-go-jira/all_resolutions.json": "Jira REST resolution definitions, not issues",
    "bugs/jira-rest-samples-go-jira/all_statuses.json": "Jira REST status definitions, not issues",
    "bugs/jira-rest-samples-go-jira/component_get.json": "Jira REST component definitions, not issues",
    "bugs/jira-rest-samples-go-jira/transitions.json": "not issues",
    "errors/sentry-mcp-mocks/autofix-state.json": "found an object with keys: autofix",
    "errors/sentry-mcp-mocks/issue-activity.json": "found an object with keys: activity",
    "errors/sentry-mcp-mocks/issue-tag-values.json": "found an object with keys: key, name, topValues",
}


def _records(cli, path, tmp_path) -> list[dict]:
    target = tmp_path / "records.jsonl"
    result = cli("ingest", path, "--output", target)
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_every_corpus_export_is_read_or_refused(corpus):
    """Files listed above are checked exactly; any other (a newer corpus) must at least not crash."""
    from riskmap.config import Config
    from riskmap.ingest import read_input

    files = {str(p.relative_to(corpus)) for folder in ("bugs", "errors") for p in (corpus / folder).rglob("*.json*")}
    assert set(EXPECTED) | set(REFUSED) <= files
    for relative in sorted(files - set(EXPECTED) - set(REFUSED)):
        result = read_input(corpus / relative, Config())
        assert result.summary.error or result.summary.records + result.summary.skipped >= 0


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_corpus_export_is_detected_and_read(cli, corpus, tmp_path, relative):
    expected_format, records, skipped = EXPECTED[relative]
    result = cli("analyze", corpus / relative, "--out", tmp_path, "-q", "-r", "json")
    assert result.code == 0, result.stderr
    inputs = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["inputs"]
    assert (inputs[0]["format"], inputs[0]["records"], inputs[0]["skipped"]) == (expected_format, records, skipped)
    assert inputs[0]["detected_by"]


@pytest.mark.parametrize("relative", sorted(REFUSED))
def test_corpus_file_that_holds_no_issues_is_refused_clearly(cli, corpus, tmp_path, relative):
    result = cli("analyze", corpus / relative, "--out", tmp_path, "-q")
    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"riskmap: error: {corpus / relative}") and REFUSED[relative] in result.stderr


def test_bugzilla_fields(cli, corpus, tmp_path):
    first = _records(cli, corpus / "bugs/mozilla-bugbug/bugs.jsonl", tmp_path)[0]
    assert (first["id"], first["severity_raw"], first["severity"]) == ("1388990", "major", "high")
    assert first["status"] == "resolved"  # VERIFIED
    assert first["component_hint"] == "Firefox/Toolbars and Customization"
    assert first["created_at"].startswith("2017-") and first["resolved_at"] == "2017-08-12T23:00:36Z"
    assert "regression" in first["labels"]


def test_github_fields(cli, corpus, tmp_path):
    records = _records(cli, corpus / "bugs/mozilla-bugbug/github_webcompat_web-bugs_issues.jsonl", tmp_path)
    first = records[0]
    assert (first["id"], first["title"], first["status"]) == (
        "webcompat/web-bugs#71058", "www.zssk.sk - site is not usable", "open")
    assert "browser-firefox" in first["labels"]
    with_severity = [r for r in records if r["severity_raw"]]
    assert with_severity and all(r["severity_raw"].startswith(("severity-", "priority-")) for r in with_severity)
    npm = _records(cli, corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl", tmp_path)
    assert npm[0]["id"] == "jsx-eslint/eslint-plugin-react#1717" and npm[0]["status"] == "resolved"
    assert npm[0]["created_at"] == "2018-03-09T15:33:37Z" and npm[0]["resolved_at"]


def test_jira_fields(cli, corpus, tmp_path):
    [issue] = _records(cli, corpus / "bugs/jira-rest-samples-go-jira/issues_in_sprint.json", tmp_path)
    assert (issue["id"], issue["severity_raw"], issue["severity"], issue["status"]) == (
        "AR-86", "Major", "high", "open")
    assert issue["created_at"] == "2015-12-02T15:39:15Z" and issue["category"] == "Task"


def test_sentry_issue_and_event_fields(cli, corpus, tmp_path):
    [issue] = _records(cli, corpus / "errors/sentry-mcp-mocks/issue.json", tmp_path)
    source = json.loads((corpus / "errors/sentry-mcp-mocks/issue.json").read_text(encoding="utf-8"))
    assert issue["id"] == source["shortId"] and issue["title"] == source["title"]
    assert issue["kind"] == "log" and issue["occurrences"] == int(source["count"])
    [event] = _records(cli, corpus / "errors/sentry-mcp-mocks/event.json", tmp_path)
    raw = json.loads((corpus / "errors/sentry-mcp-mocks/event.json").read_text(encoding="utf-8"))
    exception = next(e for e in raw["entries"] if e["type"] == "exception")["data"]["values"][-1]
    assert event["title"] == f"{exception['type']}: {exception['value']}"
    assert event["frames"] and any(f["in_app"] for f in event["frames"])


def test_one_report_from_a_github_export_a_jira_csv_and_a_sentry_export(cli, corpus, tmp_path):
    """The acceptance case: three trackers' files in one analyze call, each listed with its format."""
    inputs = [corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl", DATA / "jira_export.csv",
              corpus / "errors/sentry-mcp-mocks/issue.json"]
    result = cli("analyze", *inputs, "--out", tmp_path, "-q")
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [(i["path"], i["format"], i["records"], i["skipped"]) for i in report["inputs"]] == [
        (str(inputs[0]), "github", 428, 0), (str(inputs[1]), "jira-csv", 3, 0), (str(inputs[2]), "sentry", 1, 0)]
    summary = report["summary"]
    assert summary["records"] + sum(summary["excluded"].values()) + summary["merged"] == 432
    assert summary["excluded"]["feature request"] and summary["excluded"]["won't fix"]


def test_corpus_exports_mixed_in_one_report_are_deterministic(cli, corpus, tmp_path):
    inputs = [corpus / "bugs/mozilla-bugbug/bugs.jsonl", corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl"]
    cli("analyze", *inputs, "--out", tmp_path / "a", "-q")
    cli("analyze", *inputs, "--out", tmp_path / "b", "-q")
    for name in ("report.html", "report.md", "report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert "@" not in (tmp_path / "a" / "report.md").read_text(encoding="utf-8").replace("&#64;", "")


def test_forcing_the_generic_reader(cli, corpus, tmp_path):
    target = tmp_path / "records.jsonl"
    result = cli("ingest", corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl", "--format", "json", "-o", target, "-v")
    assert result.code == 0 and "format json (forced with --format)" in result.stderr
    assert json.loads(target.read_text(encoding="utf-8").splitlines()[0])["id"] == "303880472"
