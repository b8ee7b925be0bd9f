"""JUnit XML test reports in their dialects (surefire, Gradle, pytest, jest-junit, go-junit-report ...).

One record per failing test: its failure message as the title, its stack trace as the
description and frames, its failed runs as occurrences. The XML is parsed with defusedxml, so
external entities and DTD fetches are never resolved and entity bombs are refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head
from riskmap.ingest.fields import as_datetime, is_test_file, stack_frames
from riskmap.models import Frame, Kind, Record, Severity, Skipped, Source, Status, TestCounts

_ROOT = re.compile(r"<(testsuites|testsuite)[\s>]")
#: Failed runs: the verdict and surefire's reruns that failed too.
FAILED = ("failure", "error")
RERUN_FAILED = ("rerunFailure", "rerunError")
#: Runs that failed before a rerun passed: the test is flaky.
FLAKY = ("flakyFailure", "flakyError")


class JUnitIngester:
    """Failing tests of a JUnit XML report (``<testsuites>`` or a bare ``<testsuite>``, nested or not)."""

    name = "junit"
    summary = "JUnit XML test reports (surefire, Gradle, pytest, jest-junit, go-junit-report, Catch2, nextest ...)"

    def sniff(self, head: Head) -> str | None:
        """A ``<testsuites>`` or ``<testsuite>`` element near the top of an XML file."""
        text = head.text
        if text.startswith("<") and _ROOT.search(text[:4096]) and "<testcase" in text:
            return "an XML test report (<testsuites>/<testsuite> with <testcase>)"
        if text.startswith("<") and _ROOT.search(text[:4096]):
            return "an XML test report (<testsuites>/<testsuite>)"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped | TestCounts]:
        """Yield a record per failing or flaky test, then the report's test counts."""
        root = parse_xml(path)
        if root.tag not in ("testsuites", "testsuite"):
            raise InputError(str(path), f"an XML file whose root is <{root.tag}>, not a JUnit test report", "line 1")
        counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "flaky": 0, "failed_runs": 0, "error_runs": 0}
        name = str(path)
        runs: dict[str, list[tuple[str, Record | None]]] = {}
        for index, (suite, case) in enumerate(_testcases(root), start=1):
            source = Source(format=self.name, path=name, locator=f"testcase[{index}]")
            outcome, record = case_record(suite, case, source)
            counts[outcome] += 1
            counts["failed_runs"] += sum(1 for c in case if c.tag in ("failure", "rerunFailure", "flakyFailure"))
            counts["error_runs"] += sum(1 for c in case if c.tag in ("error", "rerunError", "flakyError"))
            classname, test = case.get("classname") or suite.get("name") or "", case.get("name") or "(unnamed test)"
            runs.setdefault(f"{classname}.{test}" if classname else test, []).append((outcome, record))
        yield from finish_runs(runs, counts)


def test_fingerprint(test: str) -> str:
    """What every run of one test shares, in any report: a hash of its class and name."""
    return hashlib.blake2b(f"test\x1f{test}".encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


test_fingerprint.__test__ = False  # a function about tests, not a test


def finish_runs(runs: dict[str, list[tuple[str, Record | None]]], counts: dict[str, int]) -> Iterator[Record | TestCounts]:
    """A report's records, one per failing test (its runs merged), then its test counts.

    ``runs`` maps each test's name to its (outcome, record) runs; ``counts`` counts outcomes (and,
    where the format tells them apart, failed and errored runs).
    """
    passed = set()
    for test, test_runs in runs.items():
        merged = merge_runs(test_runs)
        if merged is not None:
            yield merged
        if any(outcome == "passed" for outcome, _ in test_runs):
            passed.add(test_fingerprint(test))
    totals = {"failed_runs": counts["failed"], "error_runs": counts["errors"], **counts}
    yield TestCounts(**totals, passed_tests=frozenset(passed))


def merge_runs(runs: list[tuple[str, Record | None]]) -> Record | None:
    """One record for a test that a report lists several times (reruns as separate testcases).

    Its failed runs add up; when it also passed, it is flaky: labelled so, and low severity.
    """
    failed = [record for _, record in runs if record is not None]
    if not failed:
        return None
    first = failed[0]
    if len(runs) == 1:
        return first
    passed = any(outcome == "passed" for outcome, _ in runs)
    severities = [r.severity for r in failed]
    return replace(
        first,
        occurrences=sum(r.occurrences for r in failed),
        severity=Severity.low if passed else min(severities, key=list(Severity).index),
        labels=("flaky",) if passed else first.labels,
        severity_raw="flaky" if passed else first.severity_raw,
    )


def parse_xml(path: Path) -> Element:
    """Parse an XML file safely: no entities, no DTD fetches; errors name the line and column."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(str(path), "the file is empty")
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(str(path), f"refused: the XML declares entities or external references ({type(exc).__name__}); "
                         "riskmap never resolves them") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":")[0]
        raise InputError(str(path), f"invalid XML: {message}", f"line {line}, column {column + 1}") from None


def _testcases(root: Element) -> Iterator[tuple[Element, Element]]:
    """Every testcase with its innermost suite, nested suites included."""
    stack = [(root, root)]
    while stack:
        suite, node = stack.pop()
        for child in reversed(list(node)):
            if child.tag == "testcase":
                stack.append((suite, child))
            elif child.tag in ("testsuite", "testsuites"):
                stack.append((child, child))
        if node.tag == "testcase":
            yield suite, node


def case_record(suite: Element, case: Element, source: Source) -> tuple[str, Record | None]:
    """A testcase's outcome (passed, failed, errors, skipped, flaky) and its record when it failed.

    Severity: an error (the test could not run as written) is high, a failure medium, a test that
    failed and then passed on a rerun (flaky) low.
    """
    children = list(case)
    failed = [c for c in children if c.tag in FAILED]
    reruns = [c for c in children if c.tag in RERUN_FAILED]
    flaky = [c for c in children if c.tag in FLAKY]
    if not failed and not flaky:
        return ("skipped" if any(c.tag == "skipped" for c in children) else "passed"), None
    first = (failed or flaky)[0]
    errored = any(c.tag == "error" for c in failed) or (not failed and first.tag == "flakyError")
    outcome = ("errors" if errored else "failed") if failed else "flaky"
    classname = case.get("classname") or suite.get("name") or ""
    name = case.get("name") or "(unnamed test)"
    text = (first.text or "").strip()
    message = (first.get("message") or "").strip() or text.split("\n", 1)[0].strip() or first.get("type") or first.tag
    test = f"{classname}.{name}" if classname else name
    return outcome, test_record(
        test, message, text, source, outcome=outcome,
        occurrences=len(failed) + len(reruns) if failed else len(flaky),
        created=suite.get("timestamp"), file=case.get("file"),
        extra={"classname": classname, "test": name, "type": first.get("type"), "time": case.get("time")},
    )


def test_record(
    test: str, message: str, text: str, source: Source, *, outcome: str, occurrences: int = 1,
    created: str | None = None, file: str | None = None, extra: dict | None = None,
    frames: tuple[Frame, ...] = (),
) -> Record:
    """The record of a failing test, in any report format.

    ``outcome`` is failed, errors or flaky; ``frames`` are used when the text holds no stack trace. Severity: an error (the test could not run as
    written) is high, a failure medium, a flaky test (failed, then passed) low.
    """
    severity = {"errors": Severity.high, "failed": Severity.medium}.get(outcome, Severity.low)
    frames = stack_frames(text) or frames
    # a trace that reaches the code under test places the failure there, not at the test's file
    reaches_code = any(f.in_app and not is_test_file(f.file) for f in frames)
    return Record(
        id=test,
        kind=Kind.test,
        source=source,
        title=f"{test}: {' '.join(message.split())[:200]}",
        description=text,
        severity=severity,
        severity_raw=outcome,
        status=Status.open,
        created_at=as_datetime(created),
        labels=("flaky",) if outcome == "flaky" else (),
        paths=(file,) if file and not reaches_code else (),
        frames=frames,
        occurrences=max(1, occurrences),
        fingerprint=test_fingerprint(test),
        extra={k: v for k, v in (extra or {}).items() if v},
    )


test_record.__test__ = False  # builds records about tests; not a test
