"""JUnit XML test reports in their dialects (surefire, Gradle, pytest, jest-junit, go-junit-report ...).

One record per failing test: its failure message as the title, its stack trace as the
description and frames, its failed runs as occurrences. A suite that declares failures or errors
but lists no testcases (a class that failed to load, a crashed fork) gives one record per declared
failure. Where the report's own failures=/errors= disagree with the testcases it lists, its
counts carry a note saying so. The XML is parsed with defusedxml, so
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
from riskmap.ingest.testcases import Runs, case_record, finish_runs, parse_xml, xml_count
from riskmap.layers import is_test_file
from riskmap.models import CaseCounts, Record, Skipped, Source

_ROOT = re.compile(r"<(testsuites|testsuite)[\s/>]")
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
        for outcome, test, record in declared_failures(root, name, self.name):
            counts[outcome] += 1
            counts["failed_runs" if outcome == "failed" else "error_runs"] += 1
            runs.setdefault(test, []).append((outcome, record))
        stated = stated_counts(root)
        yield from finish_runs(runs, counts, stated)




def stated_counts(root: Element) -> list[dict[str, int]]:
    """The report's own failures= and errors=, read three ways: the root's, the sum of its top-level
    suites', and the sum of the innermost suites' (nested suites rarely add up)."""
    def total(nodes: list[Element]) -> list[dict[str, int]]:
        nodes = [n for n in nodes if n.get("failures") is not None or n.get("errors") is not None]
        if not nodes:
            return []
        failed, errors = sum(xml_count(n, "failures") for n in nodes), sum(xml_count(n, "errors") for n in nodes)
        return [{"failed": failed, "errors": errors}]

    top = [suite for suite in root if suite.tag == "testsuite"]
    leaves = [s for s in root.iter("testsuite") if not any(c.tag == "testsuite" for c in s)]
    return total([root]) + total(top) + total(leaves)


def declared_failures(root: Element, path: str, format_name: str) -> Iterator[tuple[str, str, Record]]:
    """One (outcome, test, record) per failure or error that a suite with no testcases declares.

    The suite's own ``<failure>``/``<error>`` children give the message and trace where it has them.
    """
    suites = [root] if root.tag == "testsuite" else []
    suites += [s for s in root.iter("testsuite") if s is not root]
    for suite in suites:
        if any(True for _ in suite.iter("testcase")) or any(True for s in suite if s.tag == "testsuite"):
            continue
        declared = [("failed", i) for i in range(xml_count(suite, "failures"))]
        declared += [("errors", i) for i in range(xml_count(suite, "errors"))]
        elements = {outcome: [c for c in suite if c.tag == tag] for outcome, tag in (("failed", "failure"),
                                                                                    ("errors", "error"))}
        name = suite.get("name") or "(unnamed suite)"
        for number, (outcome, index) in enumerate(declared, start=1):
            given = elements[outcome][index] if index < len(elements[outcome]) else None
            text = ((given.text if given is not None else "") or "").strip()
            message = ((given.get("message") if given is not None else "") or text.split("\n", 1)[0].strip()
                       or f"the suite declares {'a failure' if outcome == 'failed' else 'an error'} "
                          "but lists no testcase")
            test = f"{name} (suite)" if len(declared) == 1 else f"{name} (suite, {number} of {len(declared)})"
            source = Source(format=format_name, path=path, locator=f"testsuite {name}")
            yield outcome, test, case_record(
                test, message, text, source, outcome=outcome, created=suite.get("timestamp"),
                extra={"classname": name, "type": given.get("type") if given is not None else None})


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


def _test_file_named(name: str) -> str | None:
    """A testcase named by its test file (jest-junit's "Test suite failed to run", named ``libs/foo.spec.ts``):
    that file, else None."""
    return name if "/" in name and " " not in name and is_test_file(name) else None


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
        created=suite.get("timestamp"), file=case.get("file") or _test_file_named(name),
        extra={"classname": classname, "test": name, "type": first.get("type"), "time": case.get("time")},
    )
