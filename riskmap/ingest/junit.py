"""JUnit XML test reports in their dialects (surefire, Gradle, pytest, jest-junit, go-junit-report ...).

One record per failing test: its failure message as the title, its stack trace as the
description and frames, its failed runs as occurrences. The XML is parsed with defusedxml, so
external entities and DTD fetches are never resolved and entity bombs are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head
from riskmap.ingest.testcases import Runs, case_record, finish_runs, parse_xml
from riskmap.models import CaseCounts, Record, Skipped, Source

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
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """A ``<testsuites>`` or ``<testsuite>`` element near the top of an XML file."""
        text = head.text
        if text.startswith("<") and _ROOT.search(text[:4096]) and "<testcase" in text:
            return "an XML test report (<testsuites>/<testsuite> with <testcase>)"
        if text.startswith("<") and _ROOT.search(text[:4096]):
            return "an XML test report (<testsuites>/<testsuite>)"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped | CaseCounts]:
        """Yield a record per failing or flaky test, then the report's test counts."""
        root = parse_xml(path)
        if root.tag not in ("testsuites", "testsuite"):
            raise InputError(str(path), f"an XML file whose root is <{root.tag}>, not a JUnit test report", "line 1")
        counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "flaky": 0, "failed_runs": 0, "error_runs": 0}
        name = str(path)
        runs: Runs = {}
        for index, (suite, case) in enumerate(_testcases(root), start=1):
            source = Source(format=self.name, path=name, locator=f"testcase[{index}]")
            outcome, record = read_testcase(suite, case, source)
            counts[outcome] += 1
            counts["failed_runs"] += sum(1 for c in case if c.tag in ("failure", "rerunFailure", "flakyFailure"))
            counts["error_runs"] += sum(1 for c in case if c.tag in ("error", "rerunError", "flakyError"))
            classname, test = case.get("classname") or suite.get("name") or "", case.get("name") or "(unnamed test)"
            runs.setdefault(f"{classname}.{test}" if classname else test, []).append((outcome, record))
        yield from finish_runs(runs, counts)


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


def read_testcase(suite: Element, case: Element, source: Source) -> tuple[str, Record | None]:
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
    return outcome, case_record(
        test, message, text, source, outcome=outcome,
        occurrences=len(failed) + len(reruns) if failed else len(flaky),
        created=suite.get("timestamp"), file=case.get("file"),
        extra={"classname": classname, "test": name, "type": first.get("type"), "time": case.get("time")},
    )
