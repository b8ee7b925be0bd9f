"""Every input format, on small files we write: detection, fields, and what gets skipped."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest
from helpers import DATA

from riskmap.ingest import INGESTERS

GH_CLI = [
    {"number": 4411, "title": "Checkout 500s when the cart is empty", "state": "OPEN",
     "createdAt": "2026-10-01T10:00:00Z",
     "closedAt": None, "url": "https://github.com/acme/shop/issues/4411",
     "labels": [{"name": "priority-high"}, {"name": "area/checkout"}, {"name": "type: validation"}],
     "body": 'Traceback (most recent call last):\n  File "src/checkout/handlers/cart.py", line 9, in post\nKeyError'},
    {"number": 4412, "title": "Bump deps", "state": "OPEN", "url": "https://github.com/acme/shop/pull/4412",
     "isPullRequest": True, "labels": []},
]
JIRA_LIST = [{"key": "PAY-7", "fields": {"summary": "Refunds double-charge", "priority": {"name": "Highest"},
              "status": {"name": "Done", "statusCategory": {"key": "done"}}, "issuetype": {"name": "Bug"},
              "components": [{"name": "payments"}], "labels": ["money"], "created": "2026-09-01T08:00:00.000+0000",
              "resolutiondate": "2026-09-03T08:00:00.000+0000",
              "description": {"type": "doc", "content": [{"type": "paragraph", "content": [
                  {"type": "text", "text": "Refund runs twice."}]}]}}}]
BUGZILLA = {"bugs": [
    {"id": 9001, "summary": "Crash in layout", "severity": "--", "priority": "P1", "product": "Core",
     "component": "Layout", "status": "NEW", "creation_time": "2026-08-01T00:00:00Z", "op_sys": "All",
     "cf_crash_signature": "[@ nsIFrame::Reflow]", "keywords": ["crash"],
     "comments": [{"text": 'Traceback (most recent call last):\n  File "layout/frame.py", line 3, in reflow\nBoom'}]},
    {"id": 9002, "summary": "Event listener leak", "severity": "S2", "product": "Core", "component": "DOM",
     "status": "RESOLVED",
     "creation_time": "2026-08-02T00:00:00Z", "op_sys": "All"},
]}
SDK_EVENT = {"event_id": "a" * 32, "level": "fatal", "timestamp": 1790000000.5, "platform": "python",
             "exception": {"values": [
                 {"type": "ConnectionError", "value": "db down"},
                 {"type": "RetryError", "value": "gave up after 3 tries", "stacktrace": {"frames": [
                     {"filename": "site-packages/tenacity/__init__.py", "function": "call", "lineno": 5,
                      "in_app": False},
                     {"filename": "src/orders/adapters/db.py", "function": "save", "lineno": 40, "in_app": True}]}}]}}


def _write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _ingest(cli, path: Path, tmp_path: Path) -> tuple[str, list[dict]]:
    target = tmp_path / "out.jsonl"
    result = cli("ingest", path, "--output", target, "-v")
    assert result.code == 0, result.stderr
    return result.stderr, [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_github_cli_output_labels_and_pull_requests(cli, tmp_path):
    log, [issue] = _ingest(cli, _write(tmp_path, "gh.json", GH_CLI), tmp_path)
    assert "format github" in log and "1 record, 1 skipped" in log
    assert (issue["id"], issue["severity_raw"], issue["severity"], issue["status"]) == (
        "acme/shop#4411", "priority-high", "high", "open")
    assert (issue["component_hint"], issue["category"]) == ("checkout", "validation")
    assert issue["frames"][0]["file"] == "src/checkout/handlers/cart.py"


def test_github_search_results(cli, tmp_path):
    search = {"total_count": 1, "items": [{**GH_CLI[0], "html_url": GH_CLI[0]["url"], "state": "closed"}]}
    log, [issue] = _ingest(cli, _write(tmp_path, "search.json", search), tmp_path)
    assert "format github" in log and issue["status"] == "resolved"


def test_jira_plain_list_and_single_issue(cli, tmp_path):
    log, [issue] = _ingest(cli, _write(tmp_path, "jira.json", JIRA_LIST), tmp_path)
    assert "format jira" in log
    assert (issue["id"], issue["severity"], issue["status"], issue["component_hint"]) == (
        "PAY-7", "critical", "resolved", "payments")
    assert issue["description"] == "Refund runs twice." and issue["resolved_at"] == "2026-09-03T08:00:00Z"
    _, [single] = _ingest(cli, _write(tmp_path, "one.json", JIRA_LIST[0]), tmp_path)
    assert single["id"] == "PAY-7"


def test_bugzilla_severity_falls_back_to_priority_and_frames_come_from_comments(cli, tmp_path):
    log, bugs = _ingest(cli, _write(tmp_path, "bz.json", BUGZILLA), tmp_path)
    assert "format bugzilla" in log and "2 records, 0 skipped" in log
    assert (bugs[0]["severity_raw"], bugs[0]["severity"]) == ("P1", "high")
    assert bugs[0]["component_hint"] == "Core/Layout" and bugs[0]["frames"][0]["file"] == "layout/frame.py"
    assert {"file": "", "function": "nsIFrame::Reflow", "line": None, "in_app": False} in bugs[0]["frames"]
    assert bugs[1]["severity"] == "high" and bugs[1]["status"] == "resolved"


def test_sentry_raw_sdk_event_takes_the_last_exception(cli, tmp_path):
    log, [event] = _ingest(cli, _write(tmp_path, "event.json", SDK_EVENT), tmp_path)
    assert "format sentry" in log
    assert event["title"] == "RetryError: gave up after 3 tries" and event["severity"] == "critical"
    assert [f["in_app"] for f in event["frames"]] == [False, True]
    assert event["created_at"].startswith("2026-09-21")


def test_sentry_envelope(cli, tmp_path):
    payload = json.dumps(SDK_EVENT).encode()
    envelope = (json.dumps({"event_id": "a" * 32, "dsn": "https://key@o1.ingest.example/1"}).encode() + b"\n"
                + json.dumps({"type": "attachment", "length": 3}).encode() + b"\nabc\n"
                + json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload + b"\n")
    log, [event] = _ingest(cli, _write(tmp_path, "envelope.bin", envelope), tmp_path)
    assert "Sentry envelope" in log and event["title"] == "RetryError: gave up after 3 tries"


def test_jira_csv(cli, tmp_path):
    log, records = _ingest(cli, DATA / "jira_export.csv", tmp_path)
    assert "format jira-csv" in log
    first = records[0]
    assert (first["id"], first["severity"], first["status"]) == ("SHOP-101", "critical", "open")
    assert first["component_hint"] == "orders-service" and first["labels"] == ["regression", "checkout"]
    assert first["created_at"] == "2026-10-02T09:15:00Z"
    assert first["frames"][0]["file"] == "src/orders/adapters/dynamo_repo.py"  # from a multi-line quoted cell
    assert records[1]["status"] == "resolved" and records[1]["resolved_at"] == "2026-09-25T10:00:00Z"


def test_bugzilla_buglist_tsv(cli, tmp_path):
    log, records = _ingest(cli, DATA / "bugzilla_buglist.tsv", tmp_path)
    assert "format bugzilla-csv" in log
    assert [(r["id"], r["severity"], r["component_hint"]) for r in records] == [
        ("1001", "high", "Shop/Checkout"), ("1002", "high", "Shop/Search")]


def test_latin1_semicolon_csv(cli, tmp_path):
    log, records = _ingest(cli, DATA / "latin1_semicolon.csv", tmp_path)
    assert "format csv" in log
    assert records[0]["title"] == "Café menu crashes on éclair orders" and records[0]["paths"] == ["src/domain/menu.py"]


@pytest.mark.parametrize("bom,encoding", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF8, "utf-8")])
def test_csv_encodings_with_byte_order_marks(cli, tmp_path, bom, encoding):
    text = "id\ttitle\tseverity\nT-1\tLogin loops forever\tcritical\n"
    log, [record] = _ingest(cli, _write(tmp_path, "export.tsv", bom + text.encode(encoding)), tmp_path)
    assert "format csv" in log and (record["id"], record["severity"]) == ("T-1", "critical")


def test_csv_row_with_extra_cells_is_skipped_with_its_line(cli, tmp_path):
    path = _write(tmp_path, "bad.csv", "id,title\nA-1,first\nA-2,second,surprise\n")
    result = cli("analyze", path, "--out", tmp_path / "out", "-q")
    assert result.code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["skipped"] == [{"source": {"format": "csv", "path": str(path), "locator": "line 3"},
                                  "reason": "3 cells for 2 columns"}]


def test_every_format_is_covered_here():
    covered = {"junit", "xunit", "nunit", "nunit2", "trx", "tap", "jest", "mocha", "playwright", "go-test",
               "pytest-reportlog", "karma", "rspec", "testcafe", "cucumber", "ginkgo", "rwx", "dart",
               "github", "jira", "bugzilla", "sentry", "json", "jira-csv", "bugzilla-csv", "csv",
               "log", "json-log"}  # test reports: test_junit.py; logs: test_logs.py
    assert {ingester.name for ingester in INGESTERS} == covered


@pytest.mark.parametrize("document", [
    [{"title": "a", "score": 1.5}, "not an object", {"title": "c", "nested": {"deep": [1, 2]}}],
    {"meta": {"page": 1, "items": "not this"}, "bugs": [{"title": "a"}, {"title": "b"}]},
])
def test_streamed_documents_give_the_same_items_as_whole_ones(tmp_path, document):
    from riskmap.ingest.jsondoc import json_items

    path = _write(tmp_path, "export.json", document)
    assert list(json_items(path, stream_bytes=0)) == list(json_items(path))


def test_a_truncated_streamed_document_names_the_position(tmp_path):
    from riskmap.errors import InputError
    from riskmap.ingest.jsondoc import json_items

    path = _write(tmp_path, "cut.json", '[{"title": "a"}, {"title": ')
    with pytest.raises(InputError) as error:
        list(json_items(path, stream_bytes=0))
    assert str(error.value).startswith(f"{path}:near byte ") and "invalid JSON" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("second_line", [b"null", b"[1, 2]", b"{broken"])
def test_a_broken_envelope_item_header_is_skipped_with_its_line(cli, tmp_path, second_line):
    envelope = b'{"event_id": "' + b"b" * 32 + b'"}\n{"type": "event"}\n' + json.dumps(SDK_EVENT).encode() + b"\n" \
        + second_line + b"\n"
    path = _write(tmp_path, "envelope.bin", envelope)
    result = cli("analyze", path, "--out", tmp_path / "out", "-q")
    assert result.code == 0 and "Traceback" not in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == 1
    assert report["skipped"][0]["source"]["locator"] == "line 4"
    assert report["skipped"][0]["reason"].startswith("invalid item header")


def test_only_the_log_readers_open_gzip_files(cli, tmp_path):
    assert {ingester.name for ingester in INGESTERS if ingester.reads_gzip} == {"log", "json-log"}
    assert all(isinstance(ingester.reads_gzip, bool) for ingester in INGESTERS)
    packed = tmp_path / "bugs.json.gz"
    packed.write_bytes(gzip.compress(json.dumps(BUGZILLA).encode()))
    result = cli("ingest", packed, "--output", tmp_path / "records.jsonl", "-q")
    assert result.code == 1
    assert "unrecognised format" in result.stderr
