"""Test reporters' JSON: jest and vitest, mocha, Playwright, ``go test -json``, pytest-reportlog, karma, RSpec,
TestCafe, Cucumber, Ginkgo, Dart and Flutter (``--reporter json`` / ``--machine``), and RWX's test-results schema
(Captain's common format for any framework)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head, strip_bom
from riskmap.ingest.jsondoc import load_document
from riskmap.ingest.testcases import case_results, go_test_place
from riskmap.models import CaseCounts, Frame, Record, Skipped
from riskmap.text import article

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: One test run: (test, outcome (passed, failed, errors, skipped or flaky), message, text, file, frames).
Run = tuple[str, str, str, str, str | None, tuple[Frame, ...]]


def _plain(text: str) -> str:
    return _ANSI.sub("", text or "")


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _jest(document: Any) -> Iterator[Run]:
    for suite in document.get("testResults") or ():
        file = suite.get("name") or suite.get("testFilePath")
        results = suite.get("assertionResults") or suite.get("testResults") or []
        for test in results:
            status = test.get("status")
            outcome = {"passed": "passed", "failed": "failed"}.get(status, "skipped")
            text = _plain("\n".join(test.get("failureMessages") or []))
            name = test.get("fullName") or " ".join([*test.get("ancestorTitles", []), test.get("title", "")]).strip()
            yield name or "(unnamed test)", outcome, _first_line(text), text, file, ()
        if suite.get("status") == "failed" and not results and suite.get("message"):
            text = _plain(suite["message"])
            yield f"{file} (suite)", "errors", _first_line(text), text, file, ()


def _mocha(document: Any) -> Iterator[Run]:
    failed = {id(t) for t in document.get("failures") or ()}
    for group, outcome in (("passes", "passed"), ("pending", "skipped"), ("failures", "failed")):
        for test in document.get(group) or ():
            if group != "failures" and id(test) in failed:
                continue
            error = test.get("err") or {}
            text = _plain(error.get("stack") or error.get("message") or "")
            yield (test.get("fullTitle") or test.get("title") or "(unnamed test)", outcome,
                   _first_line(_plain(error.get("message") or "")) or _first_line(text), text, test.get("file"), ())


def _go(events: list[dict[str, Any]]) -> Iterator[Run]:
    output: dict[tuple[str, str], list[str]] = {}
    files: dict[tuple[str, str], str] = {}  # (package, top-level test) -> the test file its output names
    running: dict[tuple[str, str], None] = {}
    failed_packages: set[str] = set()
    for event in events:
        package = event.get("Package") or (event.get("ImportPath") or "").split(" ")[0]
        key = (package, event.get("Test") or "")
        action = event.get("Action")
        if action in ("output", "build-output"):
            output.setdefault(key, []).append(event.get("Output") or "")
        elif action == "run":
            running[key] = None
        elif action == "build-fail":
            text = "".join(output.get(key, []))
            failure = _first_line(text) or "build failed"
            yield f"{package} (build)", "errors", failure, text, go_test_place(package, text), ()
        elif action in ("pass", "fail", "skip") and key[1]:
            running.pop(key, None)
            if action == "fail":
                failed_packages.add(package)
            yield _go_run(key, {"pass": "passed", "skip": "skipped"}.get(action, "failed"), output, files)
        elif action == "fail":  # the package failed: tests still running timed out, or it failed on its own
            stuck = [k for k in running if k[0] == package]
            for stuck_key in stuck:
                running.pop(stuck_key)
                yield _go_run(stuck_key, "failed", output, files, "did not finish (timed out?)")
            if not stuck and package not in failed_packages:
                yield _go_run(key, "errors", output, files, "package failed")


def _go_run(
    key: tuple[str, str], outcome: str, output: dict[tuple[str, str], list[str]], files: dict[tuple[str, str], str],
    fallback: str = "",
) -> Run:
    """One test's run. Its file is the test file its output names, else the one its subtests' output named
    (``TestTable`` after ``TestTable/0``), remembered in ``files``, else its package's folder (``go_test_place``)."""
    package, test = key
    text = "".join(output.get(key, []))
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith(("=== ", "--- ", "FAIL", "PASS", "ok "))]
    name = f"{package}.{test}" if test else f"{package} (package)"
    root = (package, test.split("/")[0])
    place = go_test_place(package, text)
    if place is not None and place.endswith(".go"):
        files.setdefault(root, place)
    return name, outcome, lines[0] if lines else fallback or outcome, text, files.get(root) or place, ()


def _pytest(events: list[dict[str, Any]]) -> Iterator[Run]:
    phases: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event.get("$report_type") == "TestReport" and event.get("nodeid"):
            phases.setdefault(event["nodeid"], []).append(event)
    for nodeid, reports in phases.items():
        failing = next((r for r in reports if r.get("outcome") == "failed"), None)
        if failing is None:
            skipped = any(r.get("outcome") == "skipped" for r in reports)
            yield nodeid, "skipped" if skipped else "passed", "", "", None, ()
            continue
        longrepr = failing.get("longrepr")
        crash = longrepr.get("reprcrash") or {} if isinstance(longrepr, dict) else {}
        lines = [line for entry in (longrepr.get("reprtraceback") or {}).get("reprentries", [])
                 for line in (entry.get("data") or {}).get("lines", [])] if isinstance(longrepr, dict) else []
        text = "\n".join(lines) if lines else (longrepr if isinstance(longrepr, str) else "")
        frames = (Frame(file=crash["path"], line=crash.get("lineno")),) if crash.get("path") else ()
        outcome = "failed" if failing.get("when") == "call" else "errors"
        location = failing.get("location") or [None]
        yield nodeid, outcome, crash.get("message") or _first_line(text), text, location[0], frames


def _playwright(document: Any) -> Iterator[Run]:
    def walk(suite: dict[str, Any], titles: list[str]) -> Iterator[Run]:
        titled = suite.get("title") and suite.get("title") != suite.get("file")
        here = [*titles, suite.get("title") or ""] if titled else titles
        for spec in suite.get("specs") or ():
            name = " > ".join(t for t in [*here, spec.get("title") or ""] if t) or "(unnamed test)"
            file = spec.get("file") or suite.get("file")
            for test in spec.get("tests") or ():
                status = test.get("status")
                if status in ("expected", "skipped"):  # an expected failure (test.fail()) is no failure
                    yield name, "passed" if status == "expected" else "skipped", "", "", file, ()
                    continue
                for result in test.get("results") or ():
                    outcome = {"passed": "passed", "skipped": "skipped", "interrupted": "errors"}.get(
                        result.get("status"), "failed")
                    if status == "unexpected" and outcome == "passed":  # test.fail() that passed
                        yield name, "failed", "expected to fail, but passed", "", file, ()
                        continue
                    error = result.get("error") or {}
                    text = _plain(error.get("stack") or error.get("message") or "")
                    yield name, outcome, _first_line(_plain(error.get("message") or "")) or outcome, text, file, ()
        for child in suite.get("suites") or ():
            yield from walk(child, here)

    for suite in document.get("suites") or ():
        yield from walk(suite, [])
    for error in document.get("errors") or ():
        text = _plain(error.get("stack") or error.get("message") or "")
        yield "(global error)", "errors", _first_line(_plain(error.get("message") or "")) or "error", text, None, ()


def _karma(document: Any) -> Iterator[Run]:
    """karma's JSON reporters (karma-json-reporter, karma-json-result-reporter): results per browser."""
    results = document.get("result") or {}
    browsers = document.get("browsers") or {}
    for browser_id, specs in sorted(results.items()) if isinstance(results, dict) else ():
        browser = (browsers.get(browser_id) or {}).get("name") if isinstance(browsers, dict) else None
        for spec in specs or ():
            titles = [*(spec.get("suite") or []), spec.get("description") or ""]
            name = spec.get("fullName") or " ".join(t for t in titles if t) or "(unnamed test)"
            if len(results) > 1 and browser:
                name = f"{name} [{browser}]"
            if spec.get("skipped") or spec.get("pending") or spec.get("disabled"):
                yield name, "skipped", "", "", None, ()
            elif spec.get("success"):
                yield name, "passed", "", "", None, ()
            else:
                text = _plain("\n".join(str(line) for line in [*(spec.get("log") or []),
                                                               *(spec.get("assertionErrors") or [])]))
                yield name, "failed", _first_line(text), text, None, ()


def _rspec(document: Any) -> Iterator[Run]:
    """RSpec's ``--format json``: examples with a status (passed, failed, pending)."""
    for example in document.get("examples") or ():
        name = example.get("full_description") or example.get("description") or example.get("id") or "(unnamed test)"
        status = example.get("status")
        file = (example.get("file_path") or "").removeprefix("./") or None
        if status != "failed":
            yield name, "passed" if status == "passed" else "skipped", "", "", file, ()
            continue
        exception = example.get("exception") or {}
        message = " ".join((exception.get("message") or "").split())
        kind = exception.get("class") or ""
        text = "\n".join([f"{kind}: {exception.get('message') or ''}".strip(), *(exception.get("backtrace") or [])])
        yield name, "failed", f"{kind}: {message}" if kind and message else message or kind, _plain(text), file, ()
    outside = (document.get("summary") or {}).get("errors_outside_of_examples_count") or 0
    for index in range(outside if isinstance(outside, int) else 0):
        message = "an error occurred outside of examples"
        yield f"(error outside of examples {index + 1})", "errors", message, "", None, ()


def _testcafe(document: Any) -> Iterator[Run]:
    """TestCafe's JSON reporter: fixtures with tests and their errors (``errs``)."""
    for fixture in document.get("fixtures") or ():
        for test in fixture.get("tests") or ():
            name = " > ".join(t for t in (fixture.get("name"), test.get("name")) if t) or "(unnamed test)"
            file = (fixture.get("path") or "").removeprefix("./") or None
            errors = [_plain(str(e)) for e in test.get("errs") or ()]
            if test.get("skipped"):
                yield name, "skipped", "", "", file, ()
            elif errors:
                text = "\n\n".join(errors)
                yield name, "failed", _first_line(text), text, file, ()
            else:
                yield name, "passed", "", "", file, ()


def _cucumber(document: Any) -> Iterator[Run]:
    """Cucumber's JSON (Ruby, JVM and JS): features of scenarios; a background's steps belong to the next scenario.

    A scenario fails when a step fails (failed) or a hook fails (errors: it could not run as written);
    pending, undefined and skipped steps leave it skipped, as Cucumber counts them when not strict.
    """
    for feature in document:
        if not isinstance(feature, dict):
            continue
        background: list[dict[str, Any]] = []
        for element in feature.get("elements") or ():
            steps = [*(element.get("before") or []), *(element.get("steps") or []), *(element.get("after") or [])]
            if element.get("type") == "background":
                background = steps
                continue
            steps, background = background + steps, []
            name = " > ".join(t for t in (feature.get("name"), element.get("name")) if t) or "(unnamed scenario)"
            file = feature.get("uri")
            statuses = [(step, (step.get("result") or {}).get("status")) for step in steps]
            failed = next((step for step, status in statuses if status == "failed"), None)
            if failed is not None:
                text = _plain((failed.get("result") or {}).get("error_message") or "")
                hook = "keyword" not in failed or not str(failed.get("keyword")).strip() or \
                    str(failed.get("keyword")).strip() in ("Before", "After")
                where = "hook failed" if hook else f"{str(failed.get('keyword')).strip()} {failed.get('name')}"
                yield name, "errors" if hook else "failed", _first_line(text) or where, text, file, ()
            elif all(status == "passed" for _, status in statuses):
                yield name, "passed", "", "", file, ()
            else:
                yield name, "skipped", "", "", file, ()


#: Ginkgo spec states that are failures; an interrupted or aborted run could not finish (errors).
_GINKGO_FAILED = {"failed": "failed", "panicked": "errors", "timedout": "failed", "interrupted": "errors",
                  "aborted": "errors"}


def _ginkgo(document: Any) -> Iterator[Run]:
    """Ginkgo's ``--json-report``: suites with SpecReports; a spec that passed on a retry is flaky."""
    for suite in document:
        if not isinstance(suite, dict):
            continue
        failures = 0
        for spec in suite.get("SpecReports") or ():
            texts = [*(spec.get("ContainerHierarchyTexts") or []), spec.get("LeafNodeText") or ""]
            node = spec.get("LeafNodeType") or "It"
            described = " ".join(t for t in texts if t) or f"({node})"
            name = f"{suite.get('SuiteDescription')}: {described}" if suite.get("SuiteDescription") else described
            state = spec.get("State") or ""
            file = (spec.get("LeafNodeLocation") or {}).get("FileName")
            if state in _GINKGO_FAILED:
                failures += 1
                failure = spec.get("Failure") or {}
                location = failure.get("Location") or {}
                text = "\n".join(t for t in (failure.get("Message"), location.get("FullStackTrace")) if t)
                outcome = _GINKGO_FAILED[state] if node in ("It", "") else "errors"
                yield name, outcome, _first_line(failure.get("Message") or "") or state, text, file, ()
            elif state == "passed" and (spec.get("NumAttempts") or 1) > 1:
                yield name, "flaky", f"failed, then passed on attempt {spec.get('NumAttempts')}", "", file, ()
            elif state == "passed":
                if node in ("It", ""):
                    yield name, "passed", "", "", file, ()
            elif node in ("It", ""):
                yield name, "skipped", "", "", file, ()
        reasons = suite.get("SpecialSuiteFailureReasons") or []
        if reasons and not failures:
            suite_name = f"{suite.get('SuiteDescription') or suite.get('SuitePath') or 'suite'} (suite)"
            yield suite_name, "errors", str(reasons[0]), "\n".join(str(r) for r in reasons), None, ()


#: RWX test-results status kinds: a timed-out test failed, a canceled one could not finish (errors), a
#: quarantined one failed (quarantine only mutes it); pended, skipped and todo were not run.
_RWX = {"successful": "passed", "failed": "failed", "timedOut": "failed", "canceled": "errors",
        "pended": "skipped", "skipped": "skipped", "todo": "skipped"}


def _rwx(document: Any) -> Iterator[Run]:
    """RWX's test-results schema v1: tests with their attempt and past attempts, and other errors."""
    for test in document.get("tests") or ():
        name = test.get("name") or " ".join(test.get("lineage") or []) or test.get("id") or "(unnamed test)"
        file = ((test.get("location") or {}).get("file") or "").removeprefix("./") or None
        status = (test.get("attempt") or {}).get("status") or {}
        kind = status.get("kind")
        if kind == "quarantined":
            status = status.get("originalStatus") or {}
            kind = status.get("kind")
        outcome = _RWX.get(kind or "", "skipped")
        past = [(a.get("status") or {}) for a in test.get("pastAttempts") or ()]
        failed_before = next((p for p in past if _RWX.get(p.get("kind") or "") in ("failed", "errors")), None)
        if outcome == "passed" and failed_before is not None:
            status, outcome = failed_before, "flaky"
        text = _plain("\n".join(t for t in (status.get("message"), status.get("backtrace") and
                                             "\n".join(status["backtrace"])) if isinstance(t, str) and t))
        message = " ".join(t for t in (status.get("exception"), _first_line(text)) if t) or kind or outcome
        yield name, outcome, message if outcome != "passed" else "", text, file, ()
    for index, error in enumerate(document.get("otherErrors") or (), start=1):
        text = _plain(str(error.get("message") or ""))
        message = " ".join(t for t in (error.get("exception"), _first_line(text)) if t) or "error outside of tests"
        yield f"(other error {index})", "errors", message, text, None, ()


def _dart(events: list[dict[str, Any]]) -> Iterator[Run]:
    """``dart test --reporter json`` / ``flutter test --machine`` events: testStart names a test, error
    events carry its failure, testDone its result (success, failure, error). The hidden "loading" test
    of each file counts only when it fails (the file did not compile or load): an error."""
    tests: dict[Any, dict[str, Any]] = {}
    suites: dict[Any, str] = {}
    errors: dict[Any, list[dict[str, Any]]] = {}
    for event in events:
        kind = event.get("type")
        if kind == "suite":
            suite = event.get("suite") or {}
            suites[suite.get("id")] = suite.get("path") or ""
        elif kind == "testStart":
            test = event.get("test") or {}
            tests[test.get("id")] = test
        elif kind == "error":
            errors.setdefault(event.get("testID"), []).append(event)
        elif kind == "testDone":
            test = tests.get(event.get("testID")) or {}
            result = event.get("result")
            if event.get("hidden") and result == "success":
                continue
            name = test.get("name") or f"test {event.get('testID')}"
            file = suites.get(test.get("suiteID")) or None
            if event.get("skipped"):
                yield name, "skipped", "", "", file, ()
            elif result == "success":
                yield name, "passed", "", "", file, ()
            else:
                failures = errors.get(event.get("testID")) or [{}]
                text = _plain("\n".join(f"{e.get('error') or ''}\n{e.get('stackTrace') or ''}".strip()
                                         for e in failures))
                outcome = "failed" if result == "failure" and not event.get("hidden") else "errors"
                message = _first_line(_plain(str(failures[0].get("error") or ""))) or str(result)
                yield name, outcome, message, text, file, ()


def _numbers(*values: Any) -> list[dict[str, int]]:
    """What a reporter says of its own failures, each way it can be read: one candidate per value that
    is a whole number (see ``stated_note``)."""
    return [{"failed": v} for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _jest_stated(document: Any) -> list[dict[str, int]]:
    """numFailedTests, with and without the suites that failed to run (numRuntimeErrorTestSuites)."""
    failed, broken = document.get("numFailedTests"), document.get("numRuntimeErrorTestSuites") or 0
    return _numbers(failed, failed + broken if isinstance(failed, int) and isinstance(broken, int) else None)


def _playwright_stated(document: Any) -> list[dict[str, int]]:
    """stats.unexpected (failed tests), with and without the flaky ones."""
    stats = document.get("stats") or {}
    unexpected, flaky = stats.get("unexpected"), stats.get("flaky") or 0
    both = unexpected + flaky if isinstance(unexpected, int) and isinstance(flaky, int) else None
    return _numbers(unexpected, both)


def _testcafe_stated(document: Any) -> list[dict[str, int]]:
    """total - passed (TestCafe's total leaves skipped tests out in some versions, not in others)."""
    total, passed, skipped = document.get("total"), document.get("passed"), document.get("skipped") or 0
    if not all(isinstance(v, int) for v in (total, passed, skipped)):
        return []
    return _numbers(total - passed, total - passed - skipped)


class JsonReportIngester:
    """One test reporter's JSON: how to recognise it and how to list its test runs."""

    reads_gzip = False

    def __init__(self, name: str, summary: str, marker: Callable[[str], bool], lines: bool,
                 extract: Callable[[Any], Iterator[Run]], shape: type = dict,
                 stated: Callable[[Any], list[dict[str, int]]] = lambda document: []) -> None:
        self.name = name
        self._shape = shape
        self._stated = stated
        self.summary = summary
        self._marker = marker
        self._lines = lines
        self._extract = extract

    def sniff(self, head: Head) -> str | None:
        """The reporter's own keys near the top of the file."""
        return f"{self.summary.split(':')[0]} output" if self._marker(head.text) else None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped | CaseCounts]:
        """Yield a record per failing test, then the report's test counts."""
        name = str(path)
        if self._lines:
            events = []
            for raw in strip_bom(path.read_bytes()).splitlines():
                try:
                    event = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue  # tools print plain lines (build output) between the events
                if isinstance(event, dict):
                    events.append(event)
            document: Any = events
        else:
            document = load_document(path)
            if not isinstance(document, self._shape):
                shape = "object" if self._shape is dict else "array"
                raise InputError(name, f"expected {article(self.name)} JSON {shape}")
        yield from case_results(self._extract(document), self.name, name, self._stated(document))


JEST = JsonReportIngester(
    "jest", "jest / vitest JSON: testResults with assertionResults",
    lambda text: text[:1] == "{" and '"testResults"' in text and '"numTotalTests"' in text, False, _jest,
    stated=_jest_stated)
MOCHA = JsonReportIngester(
    "mocha", "mocha JSON reporter: stats, passes, failures, pending",
    lambda text: text[:1] == "{" and '"stats"' in text and '"passes"' in text and '"failures"' in text, False, _mocha,
    stated=lambda document: _numbers((document.get("stats") or {}).get("failures")))
GO_TEST = JsonReportIngester(
    "go-test", "go test -json: one event per line (Action, Package, Test, Output)",
    lambda text: '"Action":' in text and '"Package":' in text, True, _go)
PLAYWRIGHT = JsonReportIngester(
    "playwright", "Playwright JSON reporter: config, suites with specs, errors",
    lambda text: text[:1] == "{" and '"suites"' in text and '"specs"' in text and '"config"' in text,
    False, _playwright, stated=_playwright_stated)
PYTEST_REPORTLOG = JsonReportIngester(
    "pytest-reportlog", "pytest-reportlog JSON Lines: TestReport events per phase",
    lambda text: '"$report_type"' in text and ('"TestReport"' in text or '"SessionStart"' in text), True, _pytest)
KARMA = JsonReportIngester(
    "karma", "karma JSON reporters: browsers, result per browser, summary",
    lambda text: text[:1] == "{" and '"browsers"' in text and '"result"' in text, False, _karma,
    stated=lambda document: _numbers((document.get("summary") or {}).get("failed")))
RSPEC = JsonReportIngester(
    "rspec", "RSpec JSON formatter: examples, summary, summary_line",
    lambda text: text[:1] == "{" and '"examples"' in text and ('"summary_line"' in text
                                                               or '"full_description"' in text), False, _rspec,
    stated=lambda document: _numbers(sum(v for k, v in (document.get("summary") or {}).items() if isinstance(v, int)
                                         and k in ("failure_count", "errors_outside_of_examples_count"))))
TESTCAFE = JsonReportIngester(
    "testcafe", "TestCafe JSON reporter: fixtures with tests and errs, userAgents",
    lambda text: text[:1] == "{" and '"fixtures"' in text and '"userAgents"' in text, False, _testcafe,
    stated=_testcafe_stated)
CUCUMBER = JsonReportIngester(
    "cucumber", "Cucumber JSON (Ruby, JVM, JS): features with elements and steps",
    lambda text: text[:1] == "[" and '"elements"' in text and '"keyword"' in text and '"uri"' in text,
    False, _cucumber, list)
GINKGO = JsonReportIngester(
    "ginkgo", "Ginkgo JSON report: suites with SpecReports",
    lambda text: text[:1] == "[" and '"SpecReports"' in text and '"SuitePath"' in text, False, _ginkgo, list)
RWX = JsonReportIngester(
    "rwx", "RWX test-results JSON (v1, Captain's format for any framework): tests with attempts, otherErrors",
    lambda text: text[:1] == "{" and ("test-results-schema" in text or ('"framework"' in text and '"attempt"' in text)),
    False, _rwx, stated=lambda document: _numbers((document.get("summary") or {}).get("failed")))
DART = JsonReportIngester(
    "dart", "Dart and Flutter test JSON (dart test --reporter json, flutter test --machine): one event per line",
    lambda text: '"testStart"' in text and ('"protocolVersion"' in text or '"runnerVersion"' in text), True, _dart)
