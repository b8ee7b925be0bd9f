"""JUnit XML reports: every corpus report read or refused cleanly, counts checked, XXE refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from defusedxml.ElementTree import parse
from helpers import CORPUS, SAMPLE

from riskmap.config import Config
from riskmap.ingest import read_input

JUNIT = CORPUS / "junit"
XML_FILES = sorted(JUNIT.rglob("*.xml")) if JUNIT.is_dir() else []
#: Fixtures whose failures=/errors= attributes disagree with their own elements (they test that).
INCONSISTENT = {
    "jenkins-junit-plugin/junit/SKIPPED_MESSAGE/afterSkippedResult.xml",
    "jenkins-junit-plugin/junit/junit-report-6700.xml",
    "mikepenz-action-junit-report/test_results/multiple/test_11.xml",
    "rwx-captain/junit-no-testsuites-element.xml",
    "mikepenz-action-junit-report/test_results/flaky_retries/flaky_with_classname_file.xml",
    "scacap-action-surefire-report/TEST-test.MyIntegrationTestSuite.xml",
}


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(JUNIT)))
def test_every_corpus_xml_report_is_read_or_refused_cleanly(corpus, path):
    result = read_input(path, Config())
    summary = result.summary
    if summary.error:
        assert "\n" not in summary.error and summary.error.startswith(str(path))
        return
    if summary.format != "junit":
        return
    assert summary.records <= summary.tests["failed"] + summary.tests["errors"] + summary.tests["flaky"]
    root = parse(str(path)).getroot()
    relative = str(path.relative_to(JUNIT))
    stated = (root.get("failures"), root.get("errors"))
    if relative in INCONSISTENT or stated == (None, None):
        return
    failures, errors = (int(float(value or 0)) for value in stated)
    t = summary.tests
    assert (failures, errors) in {(t["failed"], t["errors"]), (t["failed_runs"], t["error_runs"])}, relative


@pytest.mark.parametrize("name", ["testXxe-xxe.xml", "testXxe-oob.xml"])
def test_xxe_reports_leak_nothing(cli, corpus, tmp_path, name):
    path = corpus / "junit/jenkins-junit-plugin/junit" / name
    result = cli("analyze", path, SAMPLE, "--format", "junit", "--out", tmp_path, "-q")
    assert result.code == 1
    assert "refused: the XML declares entities" in result.stderr or "invalid XML" in result.stderr
    for report in tmp_path.iterdir():
        text = report.read_text(encoding="utf-8")
        assert "root:x:0:0" not in text and "OOB_LINK" not in text


def test_flaky_and_rerun_failures(corpus, tmp_path):
    flaky = read_input(corpus / "junit/jenkins-junit-plugin/junit/gh-237/TEST-io.olamy.FlakyTest.xml", Config())
    [record] = flaky.records
    assert record.labels == ("flaky",) and record.severity == "low" and record.occurrences == 2
    always = read_input(corpus / "junit/jenkins-junit-plugin/junit/gh-237/TEST-io.olamy.AlwaysFailTest.xml", Config())
    [record] = always.records
    assert record.kind == "test" and record.severity == "medium" and record.occurrences == 4


def test_a_test_listed_again_after_a_rerun_is_one_flaky_record(corpus):
    path = corpus / "junit/mikepenz-action-junit-report/test_results/flaky_retries/flaky_with_classname_file.xml"
    records = read_input(path, Config()).records
    [record] = [r for r in records if r.id == "test_foo.TestFoo.test_foo"]
    assert record.occurrences == 2 and record.labels == ("flaky",) and record.severity == "low"
    assert not [r for r in records if r.id == "test_bar.TestBar.test_foo"]  # same name, other class: it passed


def test_failure_message_title_and_java_frames(corpus):
    path = corpus / "junit/mikepenz-action-junit-report/test_results/multiple_failures/test_multiple_failures.xml"
    records = read_input(path, Config()).records
    assert records[0].title.startswith("com.example.MultipleFailuresTest.")
    assert any(f.file == "com/example/MultipleFailuresTest.java" and f.in_app for f in records[0].frames)


def test_encodings_bom_latin1_and_crlf(tmp_path):
    body = ('<testsuite name="s" tests="1" failures="1"><testcase classname="caf\u00e9" name="t">'
            '<failure message="na\u00efve failure">trace</failure></testcase></testsuite>')
    (tmp_path / "latin1.xml").write_bytes(('<?xml version="1.0" encoding="ISO-8859-1"?>\r\n' + body).encode("latin-1"))
    (tmp_path / "bom.xml").write_bytes(b"\xef\xbb\xbf" + ('<?xml version="1.0" encoding="UTF-8"?>\r\n' + body).encode())
    for name in ("latin1.xml", "bom.xml"):
        [record] = read_input(tmp_path / name, Config()).records
        assert record.title == "caf\u00e9.t: na\u00efve failure"


def test_tests_and_bugs_in_one_report(cli, corpus, tmp_path):
    report_file = corpus / "junit/rwx-captain/unittest.xml"
    result = cli("analyze", report_file, SAMPLE, "--out", tmp_path, "-q")
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    junit = report["inputs"][0]
    assert junit["format"] == "junit" and junit["tests"]["passed"] == 3 and junit["records"] == 1
    assert any(r["kind"] == "test" for r in report["records"]) and any(r["kind"] == "bug" for r in report["records"])


def test_the_same_test_across_reports_is_one_record(cli, tmp_path):
    """Several CI runs: failures add up; a test that passed in another run is flaky."""
    def report(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(f'<testsuite name="s">{body}</testsuite>', encoding="utf-8")
        return path

    fail = ('<testcase classname="orders.Checkout" name="test_total">'
            '<failure message="off by one">trace</failure></testcase>')
    always = '<testcase classname="orders.Refund" name="test_refund"><error message="boom">trace</error></testcase>'
    run1 = report("run1.xml", fail + always)
    run2 = report("run2.xml", fail + always)
    run3 = report("run3.xml", '<testcase classname="orders.Checkout" name="test_total"/>' + always)
    result = cli("analyze", run1, run2, run3, "--out", tmp_path / "out", "-q")
    assert result.code == 0, result.stderr
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    records = {r["id"]: r for r in data["records"]}
    assert set(records) == {"orders.Checkout.test_total", "orders.Refund.test_refund"}
    total, refund = records["orders.Checkout.test_total"], records["orders.Refund.test_refund"]
    assert (total["occurrences"], total["severity"], total["severity_raw"]) == (2, "low", "flaky")
    assert (refund["occurrences"], refund["severity"]) == (3, "high")
    assert data["summary"]["merged"] == 3 and sum(i["records"] for i in data["inputs"]) == 5


NUNIT = """<?xml version="1.0" encoding="utf-8"?>
<test-run id="2" testcasecount="3" result="Failed" total="3" passed="1" failed="2">
  <test-suite type="Assembly" name="Orders.Tests.dll">
    <test-case id="1" name="Totals" fullname="Orders.Tests.CartTests.Totals" result="Passed"/>
    <test-case id="2" name="Refund" fullname="Orders.Tests.CartTests.Refund" result="Failed">
      <failure><message><![CDATA[Expected: 10 But was: 9]]></message>
      <stack-trace>\
<![CDATA[   at Orders.Domain.Cart.Refund() in /build/src/Orders/Domain/Cart.cs:line 31]]></stack-trace></failure>
    </test-case>
    <test-case id="3" name="Save" fullname="Orders.Tests.RepoTests.Save" result="Failed" label="Error">
      <failure><message>System.TimeoutException : DynamoDB timed out</message></failure>
    </test-case>
  </test-suite>
</test-run>"""
TRX = """<?xml version="1.0" encoding="utf-8"?>
<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testName="Orders.Tests.CartTests.Totals" outcome="Passed"/>
    <UnitTestResult testName="Orders.Tests.CartTests.Refund" outcome="Failed">
      <Output><ErrorInfo><Message>Assert.Equal() Failure</Message>
      <StackTrace>   at Orders.Domain.Cart.Refund() in /build/src/Orders/Domain/Cart.cs:line 31</StackTrace>\
</ErrorInfo></Output>
    </UnitTestResult>
    <UnitTestResult testName="Orders.Tests.CartTests.Skipped" outcome="NotExecuted"/>
  </Results>
</TestRun>"""


@pytest.mark.parametrize("name,content,expected_format,failing", [
    ("nunit.xml", NUNIT, "nunit", {"Orders.Tests.CartTests.Refund": "medium", "Orders.Tests.RepoTests.Save": "high"}),
    ("run.trx", TRX, "trx", {"Orders.Tests.CartTests.Refund": "medium"}),
])
def test_dotnet_reports(tmp_path, name, content, expected_format, failing):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_input(path, Config())
    assert result.summary.format == expected_format
    assert {r.id: r.severity for r in result.records} == failing
    refund = next(r for r in result.records if r.id.endswith("Refund"))
    assert refund.frames[0].file == "/build/src/Orders/Domain/Cart.cs" and refund.frames[0].in_app


def test_xunit_dot_net_corpus_report(corpus):
    result = read_input(corpus / "junit/rwx-captain/xunit_dot_net.xml", Config())
    assert result.summary.format == "xunit"
    # 15 <test> elements: 13 Pass, 1 Fail, 1 Skip (the assemblies' totals count tests the fixture left out)
    assert (result.summary.tests["passed"], result.summary.tests["failed"],
            result.summary.tests["skipped"]) == (13, 1, 1)
    [record] = result.records
    assert record.frames and record.frames[0].file == "some/path/to/FileName.cs"


@pytest.mark.parametrize("path", sorted((JUNIT / "test-summary-action/tap").glob("*.tap")) if JUNIT.is_dir() else [],
                         ids=lambda p: p.name)
def test_tap_corpus_streams(corpus, path):
    lines = path.read_text(encoding="utf-8").splitlines()
    failing = [line for line in lines if line.startswith("not ok") and "# todo" not in line.lower()]
    bail = [line for line in lines if line.lower().startswith("bail out!")]
    result = read_input(path, Config())
    assert result.summary.format == "tap" and result.summary.error is None
    assert result.summary.tests["failed"] == len(failing) and result.summary.tests["errors"] == len(bail)
    assert len(result.records) == len({r.id for r in result.records})


@pytest.mark.parametrize("name", ["jest.json", "vitest.json"])
def test_jest_and_vitest_json_counts_match_their_own_totals(corpus, name):
    path = corpus / "junit/rwx-captain" / name
    stated = json.loads(path.read_text(encoding="utf-8"))
    result = read_input(path, Config())
    assert result.summary.format == "jest"
    tests = result.summary.tests
    assert tests["failed"] == stated["numFailedTests"]
    if name == "jest.json":  # vitest's own numPassedTests (8) counts its skipped tests too
        assert tests["passed"] == stated["numPassedTests"]
    assert len(result.records) == len({r.id for r in result.records}) <= stated["numFailedTests"]


def test_mocha_json_counts_match_its_stats(corpus):
    path = corpus / "junit/rwx-captain/mocha.json"
    stats = json.loads(path.read_text(encoding="utf-8"))["stats"]
    result = read_input(path, Config())
    assert result.summary.format == "mocha"
    assert (result.summary.tests["failed"], result.summary.tests["skipped"]) == (stats["failures"], stats["pending"])


@pytest.mark.parametrize("name,expected", [
    ("go_test.jsonl", {"failed": 9, "errors": 0}),
    ("go_test_build_failure.jsonl", {"failed": 0, "errors": 1}),
    ("go_test_package_failure.jsonl", {"failed": 0, "errors": 1}),
    ("go_test_panic.jsonl", {"failed": 1, "errors": 0}),
    ("go_test_timeout.jsonl", {"failed": 1, "errors": 0}),
])
def test_go_test_json(corpus, name, expected):
    result = read_input(corpus / "junit/rwx-captain" / name, Config())
    assert result.summary.format == "go-test"
    assert {k: result.summary.tests[k] for k in expected} == expected
    assert len(result.records) == expected["failed"] + expected["errors"]


def test_pytest_reportlog(corpus):
    result = read_input(corpus / "junit/rwx-captain/pytest_reportlog.jsonl", Config())
    assert result.summary.format == "pytest-reportlog"
    errors = [r for r in result.records if r.severity_raw == "errors"]
    assert errors and all("Failing" in r.id for r in errors)  # setup and teardown failures are errors
    crash = next(r for r in result.records if r.id == "nested/test_nested.py::test_exception")
    assert crash.title.endswith("Exception: Uh oh") and crash.frames[0].file.endswith("nested/test_nested.py")


def test_playwright_json(corpus):
    result = read_input(corpus / "junit/rwx-captain/playwright.json", Config())
    assert result.summary.format == "playwright"
    records = {r.id: r for r in result.records}
    assert set(records) == {"failing test", "throw error test", "throw string", "fails then passes", "times out"}
    assert records["fails then passes"].labels == ("flaky",) and records["fails then passes"].severity == "low"
    assert records["times out"].title.endswith("Test timeout of 1000ms exceeded.")  # ANSI colours removed
    errors = read_input(corpus / "junit/rwx-captain/playwright_with_other_errors.json", Config())
    assert [r.id for r in errors.records] == ["(global error)"]
