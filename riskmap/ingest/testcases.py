"""What every test-report reader shares: a failing test's record, its fingerprint, merging its
runs, the report's counts, and safe XML parsing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeAlias
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from riskmap.errors import InputError
from riskmap.ingest.fields import as_datetime, stack_frames
from riskmap.ingest.frames import without_harness
from riskmap.layers import code_under_test, is_test_file
from riskmap.models import CaseCounts, Frame, Kind, Record, Severity, Source, Status
from riskmap.text import stable_hash

#: A report's runs of each test, by the test's name: (outcome, the record when the run failed).
Runs: TypeAlias = dict[str, list[tuple[str, Record | None]]]

def case_fingerprint(test: str) -> str:
    """What every run of one test shares, in any report: a hash of its class and name."""
    return stable_hash("test", test)


def finish_runs(runs: Runs, counts: dict[str, int], stated: list[dict[str, int]] | None = None
                ) -> Iterator[Record | CaseCounts]:
    """A report's records, one per failing test (its runs merged), then its test counts.

    ``runs`` maps each test's name to its (outcome, record) runs; ``counts`` counts outcomes (and,
    where the format tells them apart, failed and errored runs); ``stated`` is what the report says
    of its own failures, compared with them by ``stated_note``.
    """
    passed: set[str] = set()
    failing = 0
    for test, test_runs in runs.items():
        merged = merge_runs(test_runs)
        if merged is not None:
            failing += 1
            yield merged
        if any(outcome == "passed" for outcome, _ in test_runs):
            passed.add(case_fingerprint(test))
    totals = {"failed_runs": counts["failed"], "error_runs": counts["errors"], **counts}
    note = stated_note(stated or [], totals, failing)
    yield CaseCounts(**totals, passed_tests=frozenset(passed), note=note)


#: One test a report lists: name, outcome (passed, failed, errors, skipped, flaky), message, the
#: failure's text, the test's file, and frames its reader parsed itself (else read from the text).
Case: TypeAlias = tuple[str, str, str, str, str | None, tuple[Frame, ...]]


def case_results(
    cases: Iterable[Case], format_name: str, path: str, stated: list[dict[str, int]] | None = None
) -> Iterator[Record | CaseCounts]:
    """A report's records and counts from the tests it lists, in order: each failing or flaky run
    becomes a record (located ``test[N]``), and the runs of one test merge (see ``finish_runs``)."""
    counts = dict.fromkeys(("passed", "failed", "errors", "skipped", "flaky"), 0)
    runs: Runs = {}
    for index, (test, outcome, message, text, file, frames) in enumerate(cases, start=1):
        counts[outcome] += 1
        record = None
        if outcome in ("failed", "errors", "flaky"):
            source = Source(format=format_name, path=path, locator=f"test[{index}]")
            record = case_record(test, message or outcome, text, source, outcome=outcome, file=file, frames=frames)
        runs.setdefault(test, []).append((outcome, record))
    yield from finish_runs(runs, counts, stated)


def xml_count(node: Element, *attributes: str) -> int:
    """The sum of a report element's count attributes (``failures="3"``, ``failed="1.0"``); one that is
    missing or not a number counts 0."""
    total = 0
    for attribute in attributes:
        try:
            total += int(float(node.get(attribute) or 0))
        except ValueError:
            continue
    return total


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
    severities = [r.severity for r in failed if r.severity is not None]
    return replace(
        first,
        occurrences=sum(r.occurrences for r in failed),
        severity=Severity.low if passed else Severity.worst(severities) if severities else None,
        labels=("flaky",) if passed else first.labels,
        severity_raw="flaky" if passed else first.severity_raw,
    )


def stated_note(stated: list[dict[str, int]], counts: dict[str, int], failing: int | None = None) -> str:
    """Why a report's own failure counts differ from the tests riskmap counted, or "" when they agree.

    ``stated`` holds what the report says of itself, in each way it can be read (a root's totals, the
    sum of its suites'), each with ``failed`` and, where it counts them apart, ``errors``. They agree
    when the report's failures and errors together equal riskmap's failing tests, failed runs or
    (``failing``) distinct tests that failed: tools file the same failure under failures or errors
    differently. A failure count that includes the errors (minitest), and one that leaves errors to
    another count (RWX's otherErrors), agree too.
    """
    if not stated:
        return ""
    failed, errors = counts["failed"], counts["errors"]
    ours = {failed + errors, counts.get("failed_runs", failed) + counts.get("error_runs", errors), failing}
    for said in stated:
        if said["failed"] + said.get("errors", 0) in ours:
            return ""
        if said["failed"] in ours and said.get("errors", errors) == errors:  # failures= counts the errors too
            return ""
        if "errors" not in said and said["failed"] == failed:  # a report that counts its errors elsewhere
            return ""
    first = stated[0]
    said_text = f"{first['failed']} failures" + (f" and {first['errors']} errors" if "errors" in first else "")
    return (f"the report states {said_text}, but lists {failed} failed and {errors} errored "
            "tests; riskmap counts the tests it lists")


#: A character reference to a control character that XML 1.0 forbids (all below 0x20 but tab, LF, CR).
_INVALID_REFERENCE = re.compile(rb"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.IGNORECASE)


#: The control bytes XML 1.0 forbids anywhere in a document (all below 0x20 but tab, LF and CR).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_xml(path: Path) -> Element:
    """Parse an XML file safely: no entities, no DTD fetches; errors name the line and column."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(str(path), "the file is empty")
    try:
        try:
            return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except ParseError:
            # control characters, which XML 1.0 forbids, written as references (&#x1B; from console output) or
            # as raw bytes (a NUL from a crashed program's output): dropped, as Jenkins' MSTest and NUnit plugins
            # do, and the file parsed again
            cleaned = _CONTROL_BYTES.sub(b"", _INVALID_REFERENCE.sub(b"", data))
            if cleaned == data:
                raise
            return fromstring(cleaned, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(str(path), "refused: the XML declares entities or external references "
                         f"({type(exc).__name__}); riskmap never resolves them") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":")[0]
        raise InputError(str(path), f"invalid XML: {message}", f"line {line}, column {column + 1}") from None
    except LookupError as exc:  # the declaration names an encoding Python's codecs do not know
        raise InputError(str(path), f"invalid XML: {exc} in its declaration", "line 1") from None


def case_record(
    test: str, message: str, text: str, source: Source, *, outcome: str, occurrences: int = 1,
    created: str | None = None, file: str | None = None, extra: dict[str, Any] | None = None,
    frames: tuple[Frame, ...] = (),
) -> Record:
    """The record of a failing test, in any report format.

    ``outcome`` is failed, errors or flaky; ``frames`` are used when the text holds no stack trace.
    Severity: an error (the test could not run as written) is high, a failure medium, a flaky test
    (failed, then passed) low. Where it failed: a trace that reaches application code places it
    there (the fault frame); else the code under test (see ``tested_path``; a Go test's package and a Rust
    test's module name it too: ``go_test_place``, ``rust_module_file``). The test's class is its
    report's class name, else its id up to the last ``.``.
    """
    severity = {"errors": Severity.high, "failed": Severity.medium}.get(outcome, Severity.low)
    classname = str((extra or {}).get("classname") or "") or test.rpartition(".")[0]
    frames = tuple(without_harness(stack_frames(text) or frames, classname))
    reaches_code = any(f.in_app and not is_test_file(f.file) for f in frames)
    if not reaches_code:
        if not file:
            file = (go_test_place(classname, text) if _GO_IMPORT_PATH.fullmatch(classname)
                    else rust_module_file(str((extra or {}).get("test") or "") or test))
        file = tested_path(file, frames, classname)
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
        fingerprint=case_fingerprint(test),
        extra={k: v for k, v in (extra or {}).items() if v},
    )


#: A JVM or .NET test class name: ``org.acme.FooTest``, ``org.acme.TestFoo``, ``Acme.FooTests``, ``x.FooTestCase``.
_TEST_CLASS = re.compile(r"(?:[\w$]+\.)+(?:[A-Z][\w$]*(?:Tests?|TestCase)|Tests?[A-Z][\w$]*)")


#: A Python test module in a dotted class name: pytest's JUnit ``classname`` (``tests.test_cli``,
#: ``tests.api.test_orders.TestCreate``, ``pkg.cli_test``; not a JVM package ``acme.e2e_test.FooTest``).
_TEST_MODULE = re.compile(r"((?:\w+\.)*?test_\w+)(?:\.[A-Z]\w*)?|((?:\w+\.)*\w+_test)")


def _test_module(classname: str) -> str | None:
    """The file of the Python test module a dotted class name names (``tests.test_cli`` -> ``tests/test_cli.py``),
    or None."""
    found = _TEST_MODULE.fullmatch(classname)
    return (found.group(1) or found.group(2)).replace(".", "/") + ".py" if found else None


#: A Go package's import path as a test report's class name (go-junit-report's and gotestsum's JUnit XML): a
#: module on its own domain (``github.com/acme/shop/internal/cart``, ``example.com/shop/cart``).
_GO_IMPORT_PATH = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[\w.~-]+)+")
#: The test file ``go test`` names in a failing test's output (``    bar_test.go:18: got 1, want 2``).
_GO_TEST_FILE = re.compile(r"^\s+(\w+_test\.go):\d+:", re.M)
#: Hosts whose import paths name an owner and a repository before the repository's own folders.
_GO_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/")


def go_package_folder(package: str) -> str:
    """A Go package's folder in its repository, from its import path: ``github.com/acme/shop/internal/cart`` ->
    ``internal/cart``, ``example.com/shop/cart`` -> ``shop/cart`` (a module on its own domain keeps the rest),
    ``_/home/ann/shop/cart`` -> ``/home/ann/shop/cart`` (outside any module)."""
    parts = package.split("/")
    if package.startswith(_GO_HOSTS):
        return "/".join(parts[3:])
    if package.startswith("_/"):  # a package outside any module: Go names it by its absolute folder
        return package[1:]
    return "/".join(parts[1:]) if "." in parts[0] else package


def go_test_place(package: str, text: str) -> str | None:
    """Where a failing Go test of ``package`` points: the test file its output names (``bar_test.go:18:``) in
    the package's folder, else that folder (Go's unit of code); None for a module's root package whose output
    names no file."""
    folder = go_package_folder(package)
    named = _GO_TEST_FILE.search(text)
    if named:
        return f"{folder}/{named.group(1)}" if folder else named.group(1)
    return folder or None


#: A Rust test's path (cargo test, nextest): its modules, then the test function (``cart::tests::adds``).
_RUST_TEST_PATH = re.compile(r"((?:[a-z_][a-z0-9_]*::)+)[a-z_][a-z0-9_]*")


def rust_module_file(test: str) -> str | None:
    """The file of the Rust module a test's path names, its ``tests`` module left out: ``cart::tests::adds`` ->
    ``cart.rs`` (unit tests live in the module they test), ``reporting::test_dot::writes`` ->
    ``reporting/test_dot.rs`` (which ``code_under_test`` takes to ``reporting/dot.rs``); None for another name."""
    found = _RUST_TEST_PATH.fullmatch(test)
    if not found:
        return None
    modules = found.group(1).split("::")[:-1]
    if modules[-1] in ("tests", "test"):
        modules.pop()
    return "/".join(modules) + ".rs" if modules else None


def tested_path(file: str | None, frames: tuple[Frame, ...], classname: str) -> str | None:
    """Where a failing test points when its trace shows no application code: the code under test.

    From the test's file (``tests/test_foo.py`` -> ``foo.py``), else its class name
    (``org.acme.FooTest`` -> ``org/acme/Foo``, same package; pytest's ``tests.test_foo`` -> ``foo.py``),
    else its innermost test frame (a
    helper of a base test class says less than the test's own class); a test file whose name
    names no tested code stays the place.
    """
    named = _test_module(classname) or (classname.split("$")[0].replace(".", "/")
                                        if _TEST_CLASS.fullmatch(classname) else None)
    innermost = next((f.file for f in reversed(frames) if f.in_app), None)
    for candidate in (file, named, innermost):
        if candidate:
            tested = code_under_test(candidate)
            if tested:
                return tested
    return file
