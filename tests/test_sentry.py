"""Sentry payloads read as Sentry reads them: titles, message events, issue ids, levels, exclusions."""

from __future__ import annotations

import json

import pytest

from riskmap.config import Config
from riskmap.ingest import read_input

MOCKS = "errors/sentry-mcp-mocks"


def _records(cli, tmp_path, *paths) -> list[dict]:
    target = tmp_path / "records.jsonl"
    result = cli("ingest", *paths, "--output", target)
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_an_issue_its_event_and_its_events_list_share_one_id(cli, corpus, tmp_path):
    """Issue #11: the three exports of CLOUDFLARE-MCP-41 give the same id, so the analysis can merge them."""
    paths = [corpus / MOCKS / name for name in ("issue.json", "event.json", "events-errors.json")]
    assert [r["id"] for r in _records(cli, tmp_path, *paths)] == ["CLOUDFLARE-MCP-41"] * 3
    [event] = _records(cli, tmp_path, paths[1])  # alone, an event has only its issue's numeric id
    assert event["id"] == "6507376925" and event["extra"]["event_id"] == "7ca573c0f4814912aaa9bdc77d1a7d51"


def test_an_issue_its_event_and_its_events_list_are_one_record(cli, corpus, tmp_path):
    """Issue #11's acceptance: the analysis merges the three readings into one record listing every source,
    with the issue export's count, in whichever order the files are given."""
    paths = [corpus / MOCKS / name for name in ("issue.json", "event.json", "events-errors.json")]
    for order in (paths, paths[::-1]):
        result = cli("analyze", *order, "--out", tmp_path, "-q", "-r", "json")
        assert result.code == 0, result.stderr
        report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
        [record] = report["records"]
        assert (record["id"], record["occurrences"], report["summary"]["merged"]) == ("CLOUDFLARE-MCP-41", 25, 2)
        assert sorted(source["path"] for source in record["sources"]) == sorted(map(str, paths))
        assert len(report["components"]) == 1


@pytest.mark.parametrize("name,excluded", [
    ("performance-issue.json", "performance issue"), ("regressed-issue.json", "performance issue (metric regression)"),
    ("performance-event.json", "transaction (performance data), not an error"), ("issue.json", None),
    ("generic-event.json", "performance issue"), ("event.json", None),
    ("csp-issue.json", None),
])
def test_performance_and_transaction_issues_are_excluded(corpus, name, excluded):
    [record] = read_input(corpus / MOCKS / name, Config()).records
    assert record.excluded == excluded


@pytest.mark.parametrize("name,severity", [("issue.json", "high"), ("performance-issue.json", "medium"),
                                           ("feedback-issue.json", "low")])
def test_severity_comes_from_the_level(corpus, name, severity):
    [record] = read_input(corpus / MOCKS / name, Config()).records
    assert record.severity == severity


def _event(tmp_path, event: dict):
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"event_id": "e1", **event}), encoding="utf-8")
    [record] = read_input(path, Config()).records
    return record


@pytest.mark.parametrize("logentry,title", [
    ({"message": "This is a warning: %s", "params": ["warning"]}, "This is a warning: warning"),
    ({"message": "user %(user)s failed %d times", "params": {"user": "ann"}}, "user ann failed %d times"),
    ({"message": "took {} ms", "params": [12]}, "took 12 ms"),
    ({"message": "raw", "formatted": "already formatted"}, "already formatted"),
])
def test_a_message_event_is_titled_by_its_formatted_logentry(tmp_path, logentry, title):
    record = _event(tmp_path, {"level": "warning", "logentry": logentry})
    assert record.title == title and record.severity == "medium"


@pytest.mark.parametrize("exception,title", [
    ({"type": "System.InvalidOperationException", "value": "Sequence contains no elements",
      "module": "System.Linq"}, "System.InvalidOperationException: Sequence contains no elements"),  # .NET
    ({"type": "*errors.errorString", "value": "unexpected EOF"}, "*errors.errorString: unexpected EOF"),  # Go
    ({"type": "App\\Exceptions\\PaymentFailed", "value": "card declined\nretry later"},
     "App\\Exceptions\\PaymentFailed: card declined"),  # PHP: first line only
    ({"type": "RuntimeError", "value": "x" * 150, "module": "Elixir"}, "RuntimeError: " + "x" * 97 + "..."),
    ({"value": "TypeError: undefined is not a function"}, "TypeError: undefined is not a function"),  # JS
    ({"type": "KeyError", "value": ""}, "KeyError"),  # Python
])
def test_exception_titles_as_sentry_formats_them(tmp_path, exception, title):
    record = _event(tmp_path, {"level": "error", "exception": {"values": [{"type": "Outer", "value": "o"},
                                                                          exception]}})
    assert record.title == title and record.severity == "high"


def test_culprit_from_the_innermost_in_app_frame(tmp_path):
    frames = [{"module": "app.handlers", "function": "post", "in_app": True},
              {"module": "app.domain.cart", "function": "total", "in_app": True},
              {"module": "decimal", "function": "quantize", "in_app": False}]
    record = _event(tmp_path, {"platform": "python", "exception": {"values": [
        {"type": "ValueError", "value": "bad", "stacktrace": {"frames": frames}}]}})
    assert "app.domain.cart in total" in record.description


@pytest.mark.parametrize("event", [
    {"exception": [{"type": "RuntimeError", "value": "boom"}], "platform": "elixir"},  # a bare list
    {"exception": {"type": "RuntimeError", "value": "boom"}},  # one exception object
    {"sentry.interfaces.Exception": {"values": [{"type": "RuntimeError", "value": "boom"}]}},  # raven, legacy
])
def test_older_sdk_exception_shapes(tmp_path, event):
    assert _event(tmp_path, event).title == "RuntimeError: boom"


def test_a_synthetic_exception_is_titled_by_its_crash_function(tmp_path):
    frames = [{"function": "main"}, {"function": "objc_exception_throw"}]
    record = _event(tmp_path, {"exception": {"values": [{"type": "EXC_BAD_ACCESS", "value": "KERN_INVALID_ADDRESS",
                                                          "mechanism": {"synthetic": True},
                                                          "stacktrace": {"frames": frames}}]}})
    assert record.title == "objc_exception_throw"


def test_the_main_exception_of_a_group_names_the_event(tmp_path):
    values = [{"type": "ValueError", "value": "inner", "mechanism": {"exception_id": 1}},
              {"type": "ExceptionGroup", "value": "outer", "mechanism": {"exception_id": 0}}]
    record = _event(tmp_path, {"main_exception_id": 1, "exception": {"values": values}})
    assert record.title == "ValueError: inner"


def test_an_issue_whose_culprit_is_an_endpoint_is_placed_there(cli, corpus, tmp_path):
    """``POST /oauth/token`` is the transaction that regressed, not a file ``POST /oauth/token``."""
    out = tmp_path / "out"
    assert cli("analyze", corpus / "errors/sentry-mcp-mocks/regressed-issue.json", "--out", out, "-r", "json",
               "-q").code in (0, 3)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [record] = report["records"]
    assert record["component"] == "POST /oauth/token"
