"""Test reports read right: does riskmap count the failures a report says it has?

Every file under a folder of test reports (by default the corpus's ``junit/``: JUnit-family XML,
.NET XML, TAP, test reporters' JSON) is given to ``riskmap analyze`` in one run, and what riskmap
counts for it (``inputs[].tests``) is compared with what the report says of itself, read here
independently of riskmap (``own_failures``: a root's failures= and errors=, its suites' sums, a
TRX's Counters, a reporter's totals; where a report states nothing, its failing items counted).

Each file ends up in one row:

- *right*: a test report whose failures riskmap counts as the report does (failing tests, failed
  runs or distinct failing tests);
- *explained*: riskmap's count differs and ``inputs[].tests.note`` says so (fixtures that
  contradict themselves);
- *wrong*: it differs with no note, or a test report was refused;
- *refused*: not a test report (or not readable XML), refused with a reason, as it should be.

Usage: ``python benchmarks/report_counts.py [--corpus DIR] [--reports DIR] [--json FILE]``. It talks
to riskmap only through its command line, so the same script measures an older checkout
(``PYTHONPATH=old/tree python benchmarks/report_counts.py``). It never fails a build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import fromstring

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".xml", ".json", ".jsonl", ".tap", ".txt", ".trx")
#: XML roots of the test-report dialects.
_INVALID_REFERENCE = re.compile(rb"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.IGNORECASE)
XML_ROOTS = {"testsuites", "testsuite", "assemblies", "test-run", "test-results", "test-suite", "TestRun"}


def own_failures(path: Path) -> tuple[str, set[int]] | None:
    """What a test report says of its own failing tests (failures plus errors), each way it can be read,
    with the dialect it was read as; None when the file is not a test report (or not readable)."""
    try:
        if path.suffix == ".tap":
            return "tap", _tap(path.read_text(encoding="utf-8"))
        if path.suffix in (".xml", ".trx"):
            # control characters written as references, which XML 1.0 forbids, are dropped (as Jenkins does)
            data = _INVALID_REFERENCE.sub(b"", path.read_bytes())
            root = fromstring(data, forbid_dtd=True)
            local = root.tag.rsplit("}", 1)[-1]
            return (local, _xml(root)) if local in XML_ROOTS else None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ParseError, ValueError):
        return None
    except Exception:  # defusedxml refuses DTDs and entities with its own errors: not a report to read
        return None
    try:
        return _json(json.loads(text))
    except ValueError:
        pass
    try:  # JSON Lines, whatever the file is called
        events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    except ValueError:
        return None
    if any("Action" in e for e in events):
        return "go-test", {_go(events)}
    if any(e.get("type") == "testDone" for e in events):  # Dart / Flutter: a hidden loading test that passed
        return "dart", {sum(1 for e in events if e.get("type") == "testDone" and e.get("result") != "success")}
    if any("$report_type" in e for e in events):
        return "pytest-reportlog", {len({e["nodeid"] for e in events if e.get("outcome") == "failed"})}
    return None


def _tap(text: str) -> set[int]:
    lines = text.splitlines()
    return {sum(1 for line in lines if (line.startswith("not ok") and "# todo" not in line.lower())
                or line.lower().startswith("bail out!"))}


def _number(node: Element, *attributes: str) -> int:
    total = 0
    for attribute in attributes:
        try:
            total += int(float(node.get(attribute) or 0))
        except ValueError:
            continue
    return total


def _xml(root: Element) -> set[int]:
    """A root's failures= + errors= (failed= for NUnit 3 and xUnit), its top-level and innermost suites'
    sums, failures= alone (minitest counts errors in it), a TRX's Counters; the failing testcases when
    the report states no count at all."""
    local = root.tag.rsplit("}", 1)[-1]
    if local == "TestRun":
        counters = next((n for n in root.iter() if n.tag.rsplit("}", 1)[-1] == "Counters"), None)
        return {_number(counters, "failed", "error", "timeout", "aborted")} if counters is not None else set()
    if local == "assemblies":
        return {sum(_number(a, "failed") for a in root.iter("assembly"))}
    if local == "test-run":
        return {_number(root, "failed")}
    if local in ("test-results", "test-suite"):
        return {_number(root, "failures", "errors")} if root.get("failures") is not None else {
            sum(1 for case in root.iter("test-case") if any(c.tag == "failure" for c in case))}
    leaves = [s for s in root.iter("testsuite") if not any(c.tag == "testsuite" for c in s)]
    top = [s for s in root if s.tag == "testsuite"]
    stated = any(n.get(a) is not None for n in root.iter() for a in ("failures", "errors"))
    if not stated:
        return {sum(1 for case in root.iter("testcase") if any(c.tag in ("failure", "error") for c in case))}
    return {sum(_number(n, "failures", "errors") for n in nodes) for nodes in ([root], top, leaves)} | {
        sum(_number(n, "failures") for n in leaves)}


def _go(events: list[dict[str, Any]]) -> int:
    failed_tests = sum(1 for e in events if e.get("Action") == "fail" and e.get("Test"))
    builds = sum(1 for e in events if e.get("Action") == "build-fail")
    packages = sum(1 for e in events if e.get("Action") == "fail" and not e.get("Test"))
    return failed_tests + builds if failed_tests or builds else packages


def _json(doc: Any) -> tuple[str, set[int]] | None:
    if isinstance(doc, list):
        if doc and isinstance(doc[0], dict) and "SpecReports" in doc[0]:
            failed = sum(1 for s in doc for r in s["SpecReports"] if r["State"] not in ("passed", "skipped", "pending"))
            return "ginkgo", {failed + sum(1 for s in doc if s.get("SpecialSuiteFailureReasons") and not failed)}
        if doc and isinstance(doc[0], dict) and "elements" in doc[0]:
            steps = [[(s.get("result") or {}).get("status") for key in ("before", "steps", "after")
                      for s in e.get(key) or ()] for f in doc for e in f.get("elements") or ()]
            return "cucumber", {sum(1 for element in steps if "failed" in element)}
        return None
    if not isinstance(doc, dict):
        return None
    summary = doc.get("summary") or {}
    if "numFailedTests" in doc:
        return "jest", {doc["numFailedTests"]}
    if "stats" in doc and "passes" in doc:
        return "mocha", {doc["stats"]["failures"]}
    if "browsers" in doc and "result" in doc:
        return "karma", {summary["failed"]}
    if "examples" in doc:
        return "rspec", {summary["failure_count"] + summary.get("errors_outside_of_examples_count", 0)}
    if "fixtures" in doc:  # total= leaves the skipped tests out in some versions, not in others
        return "testcafe", {doc["total"] - doc["passed"], doc["total"] - doc["passed"] - doc.get("skipped", 0)}
    if "framework" in doc and "tests" in doc:  # RWX: summary.failed counts tests; otherErrors are listed
        return "rwx", {summary["failed"] + len(doc.get("otherErrors") or [])}
    if "suites" in doc and "config" in doc:
        tests, errors = _playwright_tests({"suites": doc.get("suites")}), len(doc.get("errors") or [])
        failing = [t for t in tests if t.get("status") in ("unexpected", "flaky")]
        runs = sum(1 for t in failing for r in t.get("results") or ()
                   if r.get("status") not in ("passed", "skipped") or t.get("status") == "unexpected")
        return "playwright", {len(failing) + errors, runs + errors}
    return None


def _playwright_tests(suite: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for spec in suite.get("specs") or () for t in spec.get("tests") or ()] + [
        t for child in suite.get("suites") or () for t in _playwright_tests(child)]


def riskmap_counts(tests: dict[str, Any], records: int) -> set[int]:
    """The ways riskmap's counts can match a report's: failing tests, failed runs, with flaky ones, records."""
    return {tests["failed"] + tests["errors"], tests.get("failed_runs", tests["failed"]) +
            tests.get("error_runs", tests["errors"]), tests["failed"] + tests["errors"] + tests.get("flaky", 0),
            records}


def verdict(path: Path, summary: dict[str, Any]) -> str:
    """right, explained, wrong or refused, for one file and its ``inputs[]`` entry."""
    own = own_failures(path)
    if own is None:
        return "refused" if summary.get("error") else "wrong"
    tests = summary.get("tests")
    if not tests:
        return "wrong"
    if riskmap_counts(tests, summary.get("records", 0)) & own[1]:
        return "right"
    return "explained" if tests.get("note") else "wrong"


def analyse(files: list[Path]) -> list[dict[str, Any]]:
    """``riskmap analyze`` on all the files in one run; their ``inputs[]`` entries, in order."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        env = {**os.environ}
        run = subprocess.run([sys.executable, "-m", "riskmap", "analyze", *map(str, files), "--out", str(out),
                              "-r", "json", "-q"], cwd=folder, env=env, capture_output=True, text=True, check=False)
        if not (out / "report.json").exists():
            raise SystemExit(f"riskmap analyze wrote no report: {run.stderr[-2000:]}")
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_path = {entry["path"]: entry for entry in report["inputs"]}
    return [by_path.get(str(f), {"error": "missing from the report"}) for f in files]


def default_corpus() -> Path:
    """``$RISKMAP_CORPUS``, else ``../shared/corpus`` from the repository (``../../shared/corpus`` from a worktree)."""
    if os.environ.get("RISKMAP_CORPUS"):
        return Path(os.environ["RISKMAP_CORPUS"])
    near = ROOT.parent / "shared" / "corpus"
    return near if near.is_dir() else ROOT.parent.parent / "shared" / "corpus"


def main() -> None:
    """Parse the options, measure, print the table (and the files not right), save the figures with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--reports", type=Path, help="a folder of test reports (default: the corpus's junit/)")
    parser.add_argument("--json", type=Path, help="also save the figures here")
    args = parser.parse_args()
    folder = args.reports or args.corpus / "junit"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    if not files:
        raise SystemExit(f"no test reports under {folder}")
    verdicts = {str(f.relative_to(folder)): verdict(f, s) for f, s in zip(files, analyse(files), strict=True)}
    tally = Counter(verdicts.values())
    reports = len(files) - tally["refused"] - sum(1 for f in files if own_failures(f) is None and
                                                   verdicts[str(f.relative_to(folder))] == "wrong")
    print(f"{folder}: {len(files)} files, {reports} test reports")
    print("| right | explained (tests.note) | wrong | refused, not a report |")
    print("|---:|---:|---:|---:|")
    print(f"| {tally['right']} | {tally['explained']} | {tally['wrong']} | {tally['refused']} |")
    for name, result in verdicts.items():
        if result == "wrong":
            print(f"  wrong: {name}")
    if args.json:
        args.json.write_text(json.dumps({"files": verdicts, "tally": dict(tally)}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
