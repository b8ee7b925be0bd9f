"""What counts as a defect (issue #11): excluded records, the decision order, one record per tracker id,
severity scales and categories from the reporter's own words."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers import DATA
from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.categories import categorise, given_category
from riskmap.analyze.exclusion import RESOLUTIONS, TYPES, exclusion, issue_form_type, label_reason
from riskmap.analyze.severity import normalise_severity
from riskmap.models import Record, Severity, Source

JIRA = DATA / "jira_resolutions.csv"
SOURCE = Source(format="test", path="t.json")


def _report(cli, tmp_path: Path, *args: str | Path) -> dict:
    result = cli("analyze", *args, "--out", tmp_path, "-r", "json", "-q")
    assert result.code == 0, result.stderr
    return json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))


def _record(**fields) -> Record:
    return Record(id=fields.pop("id", "X-1"), source=SOURCE, title=fields.pop("title", "Crash on save"), **fields)


def test_a_jira_export_excludes_what_its_resolutions_and_types_say_is_no_defect(cli, tmp_path):
    report = _report(cli, tmp_path, JIRA)
    by_id = {r["id"]: r for r in report["records"]}
    assert {key: r["excluded"] for key, r in by_id.items() if r["excluded"]} == {
        "HDFS-14244": "invalid", "HDFS-14250": "feature request", "HDFS-14255": "won't fix",
        "HDFS-14261": "cannot reproduce", "HDFS-14270": "not a bug", "HDFS-14281": "feature request",
        "HDFS-14290": "task", "HDFS-14317": "task",
    }
    counted = {r["id"] for r in report["records"] if r["excluded"] is None}
    assert counted == {"HDFS-14201", "HDFS-14230", "HDFS-14301"}  # every bug fixed or open
    # the duplicate names its original, which is in the export: it folds into it
    assert "HDFS-14219" not in by_id and report["summary"]["merged"] == 1
    assert [s["locator"] for s in by_id["HDFS-14201"]["sources"]] == ["line 4", "line 5"]
    summary = report["summary"]
    assert summary["excluded"] == {"cannot reproduce": 1, "feature request": 2, "invalid": 1, "not a bug": 1,
                                   "task": 2, "won't fix": 1}
    assert summary["records"] + sum(summary["excluded"].values()) + summary["merged"] == 12
    scored = {record_id for c in report["components"] for record_id in c["record_ids"]}
    assert scored == counted
    assert all(r["score"] == 0.0 for r in report["records"] if r["excluded"])


def test_the_same_export_given_twice_gives_the_same_records_and_scores(cli, tmp_path):
    once = _report(cli, tmp_path / "once", JIRA)
    twice = _report(cli, tmp_path / "twice", JIRA, JIRA)
    assert [(r["id"], r["score"], r["excluded"]) for r in once["records"]] == [
        (r["id"], r["score"], r["excluded"]) for r in twice["records"]]
    assert once["components"] == twice["components"]
    assert twice["summary"]["merged"] == once["summary"]["merged"] + 12


def test_count_excluded_scores_them_anyway(cli, tmp_path):
    report = _report(cli, tmp_path, JIRA, "--count-excluded")
    assert report["summary"]["excluded"] == {} and report["summary"]["count_excluded"] is True
    assert report["summary"]["records"] == 11
    assert any(r["excluded"] == "won't fix" and r["score"] > 0 for r in report["records"])


def test_riskmap_ingest_writes_excluded_records_with_their_reason(cli, tmp_path):
    target = tmp_path / "out.jsonl"
    assert cli("ingest", JIRA, "--output", target).code == 0
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 12
    assert {r["id"]: r["excluded"] for r in records}["HDFS-14219"] == "duplicate of HDFS-14201"


def test_the_nlbse_label_column_decides(cli, corpus, tmp_path):
    """The acceptance case: 1,500 labelled GitHub issues, exactly the 500 labelled bug counted."""
    source = corpus / "labelled/nlbse2024/issues_train.csv"
    report = _report(cli, tmp_path, source)
    with source.open(encoding="utf-8", newline="") as handle:
        labels = [row["label"] for row in csv.DictReader(handle)]
    counted = [r for r in report["records"] if r["excluded"] is None]
    assert len(counted) == labels.count("bug") == 500
    # two feature requests with the same title and body and no id column are one record
    assert report["summary"]["excluded"] == {"feature request": 499, "question": 500}
    assert report["summary"]["merged"] == 1


def test_github_state_reason_and_labels(cli, tmp_path):
    issues = [
        {"number": 1, "title": "Crash when saving", "state": "closed", "state_reason": "not_planned",
         "labels": [{"name": "bug"}], "html_url": "https://github.com/acme/app/issues/1"},
        {"number": 2, "title": "Add dark mode", "state": "open", "labels": [{"name": "enhancement"}],
         "html_url": "https://github.com/acme/app/issues/2"},
        {"number": 3, "title": "Crash when saving twice", "state": "closed", "body": "Duplicate of #1",
         "labels": [], "html_url": "https://github.com/acme/app/issues/3"},
        {"number": 4, "title": "Data lost on sync", "state": "open", "body": "",
         "labels": [{"name": "priority-important"}, {"name": "severity-critical"}, {"name": "bug"}],
         "html_url": "https://github.com/acme/app/issues/4"},
    ]
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(issues), encoding="utf-8")
    report = _report(cli, tmp_path / "out", path)
    by_id = {r["id"]: r for r in report["records"]}
    assert by_id["acme/app#1"]["excluded"] == "won't fix"
    assert by_id["acme/app#2"]["excluded"] == "feature request"
    assert "acme/app#3" not in by_id and len(by_id["acme/app#1"]["sources"]) == 2
    assert (by_id["acme/app#4"]["severity_raw"], by_id["acme/app#4"]["severity"]) == ("severity-critical", "critical")


def test_an_unknown_severity_word_is_named_once_on_stderr(cli, tmp_path):
    path = tmp_path / "bugs.json"
    path.write_text(json.dumps([{"id": f"B-{i}", "title": f"Crash {i}", "type": "bug", "severity": "spicy"}
                                for i in range(3)]), encoding="utf-8")
    result = cli("analyze", path, "--out", tmp_path / "out", "-r", "json")
    assert result.stderr.count("'spicy'") == 1
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {r["severity_raw"] for r in report["records"]} == {"spicy"}


def test_severity_scales():
    for raw, severity in [("P1", Severity.high), ("P5", Severity.low), ("important", Severity.high),
                          ("S1", Severity.critical), ("S4", Severity.low), ("blocker", Severity.critical),
                          ("trivial", Severity.low), ("normal", Severity.medium), ("3", Severity.low),
                          ("priority-important", Severity.high)]:
        assert normalise_severity(raw) == (severity, True), raw


@given(resolution=st.sampled_from(sorted(RESOLUTIONS)), kind=st.sampled_from(sorted(TYPES)),
       title=st.text(max_size=40))
def test_a_resolution_decides_before_the_type_and_the_text(resolution, kind, title):
    record = _record(title=title, category=kind, extra={"resolution": resolution})
    reason = exclusion(record)
    assert reason is not None and reason.startswith(RESOLUTIONS[resolution])


@given(kind=st.sampled_from(sorted(TYPES)), title=st.text(max_size=60), body=st.text(max_size=200))
def test_a_tracker_type_decides_before_the_text(kind, title, body):
    assert exclusion(_record(title=title, description=body, category=kind)) == TYPES[kind]


@pytest.mark.parametrize(("label", "reason"), [
    ("t\u00b9 \U0001f41e bug", None), ("t\u00b3 \u2728 enhancement", "feature request"),  # rollup's
    ("\U0001f41b Bug", None), ("bug \U0001f41b", None), (":bug: bug", None), ("[Type] Bug", None),  # Gutenberg's
    ("\U0001f4dd documentation", "documentation"), ("\u2753 question", "question"),
    ("\u26d4 wontfix", "won't fix"), ("\U0001f501 duplicate", "duplicate"), ("bug-report", None),
])
def test_a_label_dressed_up_with_emoji_or_brackets_still_says_its_type(label, reason):
    body = "The export to CSV drops the last row when the table has more than one page of results."
    assert exclusion(_record(labels=(label,), description=body, title="Where did the row go?")) == reason


@pytest.mark.parametrize("label", ["good first issue", "area: tests", "status: needs triage", "\U0001f525 hot"])
def test_a_label_that_names_no_type_leaves_the_decision_to_the_rest(label):
    assert label_reason((label,)) == (False, None)


_DRESS = st.text(st.sampled_from("\U0001f41b\U0001f41e\u2728\u2753\U0001f4dd\u26a0\ufe0f[]()|*#\u00b9 "),
                 max_size=4)


@given(kind=st.sampled_from(sorted(k for k in TYPES if k.replace(" ", "").isalpha())), before=_DRESS, after=_DRESS)
def test_decoration_around_a_type_word_changes_nothing(kind, before, after):
    assert label_reason((f"{before}{kind}{after}",)) == label_reason((kind,))


def test_the_issue_form_states_the_type():
    assert issue_form_type("tf.function leaks memory", "### Issue Type\n\nBug\n\n### Source\n\nbinary") == (True, None)
    assert issue_form_type("x", "Issue Type: <b>Feature Request</b>\n\nAdd a thing") == (True, "feature request")
    assert issue_form_type("[Feature Request] export to CSV", "") == (True, "feature request")
    assert issue_form_type("Bug: crash on start", "") == (True, None)
    assert issue_form_type("Crash on start", "It crashes.") == (False, None)


def test_categories_come_from_the_reporters_words_and_labels_that_name_one():
    assert categorise(None, "Authentication failure for SSO users", "")[0] == "security"
    assert categorise(None, "N+1 query on the orders page", "")[0] == "performance"
    for label in ("duplicate", "question", "docs", "chore", "good first issue"):
        assert given_category(label) is None
    assert categorise(None, "Cannot open the page", "", ("type: performance",))[0] == "performance"
    template = ("<!-- @browser: Firefox 87.0 -->\n**URL**: https://example.com/\n\n"
                "**Browser / Version**: Firefox 87.0\n**Problem type**: Site is not usable\n"
                "**Steps to Reproduce**:\nThe seat map never loads.")
    assert categorise(None, "example.com - site is not usable", template)[0] != "api contract"


def test_webcompat_issues_are_not_filed_under_api_contract_for_their_template(cli, corpus, tmp_path):
    report = _report(cli, tmp_path, corpus / "bugs/mozilla-bugbug/github_webcompat_web-bugs_issues.jsonl",
                     "--count-excluded")
    categories = [r["category"] for r in report["records"]]
    assert categories.count("api contract") < 10
