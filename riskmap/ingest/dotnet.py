""".NET test reports: xUnit.net XML (v2), NUnit 3 and NUnit 2 XML, and Visual Studio / MSTest TRX."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head
from riskmap.ingest.testcases import case_results, parse_xml, xml_count
from riskmap.models import CaseCounts, Record, Skipped


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(node: Element | None, *path: str) -> str:
    for name in path:
        if node is None:
            return ""
        node = next((child for child in node if _local(child.tag) == name), None)
    return (node.text or "").strip() if node is not None else ""


#: A report's test elements -> (test name, outcome, message, stack trace, file) for each test.
Extract = Callable[[Element], Iterator[tuple[str, str, str, str, str | None]]]
#: A report's own failure counts, each way it can be read (see ``stated_note``).
Stated = Callable[[Element], list[dict[str, int]]]
#: The first element of an XML document: its name, after the declaration, comments and a doctype.
_FIRST_ELEMENT = re.compile(r"^(?:\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>))*\s*<(?:\w+:)?([\w-]+)",
                            re.DOTALL)


def _xunit(root: Element) -> Iterator[tuple[str, str, str, str, str | None]]:
    for test in root.iter("test"):
        result = (test.get("result") or "").lower()
        failure = next((c for c in test if c.tag == "failure"), None)
        outcome = {"pass": "passed", "skip": "skipped", "notrun": "skipped"}.get(result, "failed")
        yield (test.get("name") or test.get("method") or "(unnamed test)", outcome,
               _child_text(failure, "message") or (failure.get("exception-type") if failure is not None else "") or "",
               _child_text(failure, "stack-trace"), _child_text(test, "source-file") or None)


def _nunit(root: Element) -> Iterator[tuple[str, str, str, str, str | None]]:
    for case in root.iter("test-case"):
        result = (case.get("result") or "").lower()
        outcome = {"passed": "passed", "warning": "passed", "skipped": "skipped", "ignored": "skipped",
                   "inconclusive": "skipped"}.get(
            result, "errors" if (case.get("label") or "").lower() == "error" else "failed")
        failure = next((c for c in case if c.tag == "failure"), None)
        yield (case.get("fullname") or case.get("name") or "(unnamed test)", outcome,
               _child_text(failure, "message"), _child_text(failure, "stack-trace"), None)


#: NUnit 2's result attribute: Failure is a failed assertion, Error an exception, Cancelled a run cut short;
#: Ignored, Skipped, Inconclusive and NotRunnable are not run (NUnit counts them apart from failures and errors).
_NUNIT2 = {"success": "passed", "failure": "failed", "error": "errors", "cancelled": "errors"}


def _nunit2(root: Element) -> Iterator[tuple[str, str, str, str, str | None]]:
    """NUnit 2.x ``<test-results>``: test-case elements with result (2.5+), or executed/success or a
    ``<failure>`` (2.0-2.4)."""
    for case in root.iter("test-case"):
        result = (case.get("result") or "").lower()
        failure = next((c for c in case if c.tag == "failure"), None)
        if result:
            outcome = _NUNIT2.get(result, "skipped")
        elif (case.get("executed") or "true").lower() == "false":
            outcome = "skipped"
        elif failure is not None or (case.get("success") or "true").lower() == "false":
            outcome = "failed"
        else:
            outcome = "passed"
        yield (case.get("name") or "(unnamed test)", outcome,
               _child_text(failure, "message"), _child_text(failure, "stack-trace"), None)


#: TRX outcomes: Error, Timeout and Aborted are errors; a run aborted after the test passed left it passed.
_TRX = {"passed": "passed", "passedbutrunaborted": "passed", "completed": "passed", "warning": "passed",
        "notexecuted": "skipped", "inconclusive": "skipped", "notrunnable": "skipped", "pending": "skipped",
        "failed": "failed"}


#: The TRX elements that hold one test's result: unit, web, manual, generic and ordered tests.
_TRX_RESULTS = {"UnitTestResult", "WebTestResult", "ManualTestResult", "GenericTestResult", "TestResultAggregation"}


def _trx(root: Element) -> Iterator[tuple[str, str, str, str, str | None]]:
    for result in root.iter():
        if _local(result.tag) not in _TRX_RESULTS:
            continue
        outcome = (result.get("outcome") or "").lower()
        outcome = _TRX.get(outcome, "errors")
        yield (result.get("testName") or "(unnamed test)", outcome,
               _child_text(result, "Output", "ErrorInfo", "Message"),
               _child_text(result, "Output", "ErrorInfo", "StackTrace"), None)


class DotnetIngester:
    """One .NET report format: its root element and how to read its tests."""

    reads_gzip = False

    def __init__(self, name: str, summary: str, roots: tuple[str, ...], extract: Extract, stated: Stated) -> None:
        self.name = name
        self.summary = summary
        self._roots = roots
        self._extract = extract
        self._stated = stated

    def sniff(self, head: Head) -> str | None:
        """The report's root element (the first element after the XML declaration and comments)."""
        text = head.text
        if not text.startswith("<"):
            return None
        first = _FIRST_ELEMENT.search(text[:4096])
        if first and first[1] in self._roots:
            return f"an XML test report with a <{first[1]}> root"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped | CaseCounts]:
        """Yield a record per failing test, then the report's test counts."""
        root = parse_xml(path)
        if _local(root.tag) not in self._roots:
            expected = " or ".join(f"<{r}>" for r in self._roots)
            raise InputError(str(path), f"an XML file whose root is <{_local(root.tag)}>, not {expected}", "line 1")
        cases = ((*case, ()) for case in self._extract(root))
        yield from case_results(cases, self.name, str(path), self._stated(root))


def _xunit_stated(root: Element) -> list[dict[str, int]]:
    """xUnit's assemblies' failed= (its errors= counts errors outside tests)."""
    assemblies = [a for a in root.iter("assembly") if a.get("failed") is not None]
    return [{"failed": sum(xml_count(a, "failed") for a in assemblies)}] if assemblies else []


def _nunit_stated(root: Element) -> list[dict[str, int]]:
    """NUnit 3's failed= on the run (errors included)."""
    return [{"failed": xml_count(root, "failed")}] if root.get("failed") is not None else []


def _nunit2_stated(root: Element) -> list[dict[str, int]]:
    """NUnit 2's failures= and errors= (NUnit 2.0-2.4 write failures= only)."""
    if root.get("failures") is None:
        return []
    if root.get("errors") is None:
        return [{"failed": xml_count(root, "failures")}]
    return [{"failed": xml_count(root, "failures"), "errors": xml_count(root, "errors")}]


def _trx_stated(root: Element) -> list[dict[str, int]]:
    """TRX's ResultSummary Counters: failed, error, timeout and aborted tests together."""
    counters = next((n for n in root.iter() if _local(n.tag) == "Counters"), None)
    if counters is None:
        return []
    return [{"failed": xml_count(counters, "failed", "error", "timeout", "aborted")}]


XUNIT = DotnetIngester("xunit", "xUnit.net XML (<assemblies>, or one <assembly>)", ("assemblies", "assembly"), _xunit,
                       _xunit_stated)
NUNIT = DotnetIngester("nunit", "NUnit 3 XML (<test-run>)", ("test-run",), _nunit, _nunit_stated)
NUNIT2 = DotnetIngester("nunit2", "NUnit 2 XML (<test-results>, or a bare <test-suite>)",
                        ("test-results", "test-suite"), _nunit2, _nunit2_stated)
TRX = DotnetIngester("trx", "Visual Studio / MSTest / dotnet test TRX (<TestRun>)", ("TestRun",), _trx, _trx_stated)
