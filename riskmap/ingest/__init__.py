"""Input formats: a registry, detection that says what it chose and why, and reading a file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from riskmap.config import Config
from riskmap.errors import InputError, UsageError
from riskmap.ingest.base import BINARY, HEAD_BYTES, NUL, Head, Ingester, reading
from riskmap.ingest.bugzilla import BugzillaIngester
from riskmap.ingest.csv_export import BUGZILLA_CSV, GENERIC_CSV, JIRA_CSV
from riskmap.ingest.dotnet import NUNIT, NUNIT2, TRX, XUNIT
from riskmap.ingest.generic_json import GenericJsonIngester
from riskmap.ingest.github import GitHubIngester
from riskmap.ingest.jira import JiraIngester
from riskmap.ingest.json_reports import (
    CUCUMBER,
    DART,
    GINKGO,
    GO_TEST,
    JEST,
    KARMA,
    MOCHA,
    PLAYWRIGHT,
    PYTEST_REPORTLOG,
    RSPEC,
    RWX,
    TESTCAFE,
)
from riskmap.ingest.jsondoc import LineSpan, is_json_lines, line_span, plan_lines
from riskmap.ingest.junit import JUnitIngester
from riskmap.ingest.logs import GZIP_MAGIC, JsonLogIngester, TextLogIngester, open_head
from riskmap.ingest.logs.partial import LogPlan, PartialLog, finish_parts, plan_log, read_part
from riskmap.ingest.remote import fetched, relabelled
from riskmap.ingest.sentry import SentryIngester
from riskmap.ingest.tap import TapIngester
from riskmap.models import CaseCounts, FileResult, InputSummary, LogCounts, Record, Skipped, Source
from riskmap.progress import SILENT, Progress

#: Every format riskmap reads, most specific first: detection takes the first that fits.
INGESTERS: tuple[Ingester, ...] = (
    JUnitIngester(),
    XUNIT,
    NUNIT,
    NUNIT2,
    TRX,
    TapIngester(),
    JEST,
    MOCHA,
    PLAYWRIGHT,
    GO_TEST,
    PYTEST_REPORTLOG,
    KARMA,
    RSPEC,
    TESTCAFE,
    CUCUMBER,
    GINKGO,
    RWX,
    DART,
    SentryIngester(),
    JiraIngester(),
    BugzillaIngester(),
    GitHubIngester(),
    JsonLogIngester(),
    TextLogIngester(),
    GenericJsonIngester(),
    JIRA_CSV,
    BUGZILLA_CSV,
    GENERIC_CSV,
)


def by_name(name: str) -> Ingester:
    """The ingester called ``name``."""
    for ingester in INGESTERS:
        if ingester.name == name:
            return ingester
    known = ", ".join(i.name for i in INGESTERS)
    raise UsageError(f"unknown format '{name}'; riskmap reads: {known}")


def detect(path: Path) -> tuple[Ingester, str]:
    """Choose the format of ``path`` from its first bytes; return it and the reason."""
    try:
        with path.open("rb") as handle:
            head = Head(path, handle.read(HEAD_BYTES))
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    gzipped = head.data.startswith(GZIP_MAGIC)
    if gzipped:
        head = Head(path, open_head(path, HEAD_BYTES))
    if not head.data.strip():
        raise InputError(str(path), "the file is empty")
    if head.is_binary:
        raise InputError(str(path), BINARY, f"byte {head.data.index(NUL)}")
    for ingester in INGESTERS:
        if gzipped and not ingester.reads_gzip:
            continue
        reason = ingester.sniff(head)
        if reason:
            return ingester, (f"gzip-compressed; {reason}" if gzipped else reason)
    raise InputError(
        str(path),
        "unrecognised format (riskmap reads: "
        + ", ".join(i.name for i in INGESTERS)
        + "); see `riskmap formats`, or force one with --format",
        "line 1",
    )


#: The log readers, by name: what ``riskmap templates`` mines and the Dask engine reads in parts.
LOG_INGESTERS: dict[str, TextLogIngester | JsonLogIngester] = {
    ingester.name: ingester for ingester in INGESTERS if isinstance(ingester, TextLogIngester | JsonLogIngester)
}
LOG_FORMATS = frozenset(LOG_INGESTERS)
#: The export readers whose JSON Lines files the Dask engine reads in parts: each line is a record on its own.
LINE_SPLIT_FORMATS = frozenset({GenericJsonIngester.name})


def refuse_non_log(path: Path) -> None:
    """Refuse, by name, what is not a log: binary data, and a file detection reads as a tracker export,
    an error monitor's export, a test report or a JSON document (``riskmap analyze`` reads those).
    Text of no known format passes: it is mined as a plain log."""
    try:
        ingester, reason = detect(path)
    except InputError as exc:
        if not exc.message.startswith("unrecognised format"):
            raise
        with path.open("rb") as handle:
            first = handle.read(HEAD_BYTES).lstrip()[:1]
        if first in (b"{", b"["):
            raise InputError(str(path), "a JSON document, not a log: `riskmap templates` reads logs "
                             "(text, or JSON Lines of log events)") from None
        return
    if ingester.name not in LOG_FORMATS:
        raise InputError(str(path), f"{ingester.name} data ({reason}), not a log: `riskmap analyze` reads it; "
                         "`riskmap templates` reads logs")


def chosen_format(path: Path, format_name: str | None) -> tuple[Ingester, str]:
    """The reader for ``path`` and why: the ``--format`` given, else the detected one."""
    if format_name:
        return by_name(format_name), "forced with --format"
    return detect(path)


def read_input(
    path: Path | str,
    config: Config,
    format_name: str | None = None,
    progress: Progress = SILENT,
) -> FileResult:
    """Read one input file (a local path, or a URL given as text: see :mod:`.remote`), telling ``progress``
    how it goes; a file that can't be read gives a result carrying its error."""
    if isinstance(path, str):
        try:
            with fetched(path) as local:
                return relabelled(read_input(local, config, format_name, progress), str(local), path)
        except InputError as exc:
            return _failed(path, "unknown", "", exc)
    try:
        ingester, reason = chosen_format(path, format_name)
    except InputError as exc:
        return _failed(path, "unknown", "", exc)
    result = FileResult(InputSummary(path=str(path), format=ingester.name, detected_by=reason))
    token = reading.set(progress)
    try:
        for item in ingester.read(path, config):
            if isinstance(item, Record):
                result.records.append(item)
            elif isinstance(item, CaseCounts):
                result.summary.tests = {k: v for k, v in asdict(item).items()
                                        if k != "passed_tests" and (k != "note" or v)}
                result.passed_tests = item.passed_tests
                continue
            elif isinstance(item, LogCounts):
                result.summary.logs = asdict(item)
                continue
            else:
                result.skipped.append(item)
            progress.item()
    except InputError as exc:
        return _failed(path, ingester.name, reason, exc)
    except (OSError, RecursionError, MemoryError) as exc:
        return _failed(path, ingester.name, reason, InputError(str(path), f"cannot read: {exc}"))
    finally:
        reading.reset(token)
    result.summary.records = len(result.records)
    result.summary.skipped = len(result.skipped)
    return result


def _joined(parted: PartedInput, parts: Sequence[FileResult]) -> FileResult:
    """A JSON Lines export's result from the results of its parts, in file order (with their judgements, when
    every part has them)."""
    judged = all(part.judgements is not None for part in parts)
    result = FileResult(
        InputSummary(path=str(parted.path), format=parted.format, detected_by=parted.detected_by),
        [record for part in parts for record in part.records], [item for part in parts for item in part.skipped],
        judgements=[j for part in parts for j in part.judgements or ()] if judged else None,
    )
    result.summary.records = len(result.records)
    result.summary.skipped = len(result.skipped)
    return result


def _failed(path: Path | str, format_name: str, reason: str, error: InputError) -> FileResult:
    """A file that could not be read: counted as one skipped item carrying the error."""
    skipped = Skipped(source=Source(format=format_name, path=str(path), locator=error.position), reason=error.message)
    summary = InputSummary(
        path=str(path), format=format_name, detected_by=reason, skipped=1, error=str(error)
    )
    return FileResult(summary, [], [skipped])


@dataclass(frozen=True, slots=True)
class PartedInput:
    """An input read in parts (a text or JSON log, a JSON Lines export): its format, why, and the plan of its
    byte ranges."""

    path: Path
    format: str
    detected_by: str
    plan: LogPlan | tuple[LineSpan, ...]

    @property
    def parts(self) -> int:
        """How many parts the input is read in."""
        return len(self.plan.ranges) if isinstance(self.plan, LogPlan) else len(self.plan)


def plan_input(path: Path, format_name: str | None, part_bytes: int, *, split_lines: bool = True) -> PartedInput | None:
    """How to read ``path`` on several workers: a log in parts of about ``part_bytes`` (aligned to its
    entries), with ``split_lines`` a JSON Lines export of records read one by one (``LINE_SPLIT_FORMATS``) in parts
    aligned to its lines, or None to read it whole with :func:`read_input` (every other format, and an input
    whose format cannot be told: reading it whole gives its error)."""
    try:
        ingester, reason = chosen_format(path, format_name)
    except InputError:
        return None
    if ingester.name in LINE_SPLIT_FORMATS:
        if not split_lines:
            return None
        try:
            size = path.stat().st_size
            spans = plan_lines(path, range(part_bytes, size, max(part_bytes, 1))) if is_json_lines(path) else ()
        except OSError:
            return None  # read whole, which says what is wrong
        return PartedInput(path, ingester.name, reason, spans) if len(spans) > 1 else None
    if ingester.name not in LOG_FORMATS:
        return None
    try:
        plan = plan_log(str(path), ingester.name, part_bytes)
    except (InputError, OSError):
        return None  # read whole, which says what is wrong
    return PartedInput(path, ingester.name, reason, plan)


def read_input_part(parted: PartedInput, index: int, config: Config) -> PartialLog | FileResult | InputError:
    """Read part ``index`` of a parted input (on a worker): a log part's aggregates, or a JSON Lines export's
    part as the result of its lines; an unreadable part gives its error."""
    if not isinstance(parted.plan, LogPlan):
        token = line_span.set(parted.plan[index])
        try:
            return read_input(parted.path, config, parted.format)
        finally:
            line_span.reset(token)
    try:
        return read_part(parted.plan, index)
    except InputError as exc:
        return exc
    except (OSError, RecursionError, MemoryError) as exc:
        return InputError(str(parted.path), f"cannot read: {exc}")


def finish_input(parted: PartedInput, parts: Sequence[PartialLog | FileResult | InputError]) -> FileResult:
    """The result of a parted input from its parts, in plan order: the records and counts that
    :func:`read_input` gives for the whole file; the first part's error, if a part failed."""
    for part in parts:
        if isinstance(part, InputError):
            return _failed(parted.path, parted.format, parted.detected_by, part)
        if isinstance(part, FileResult) and part.summary.error is not None:
            return replace(part, summary=part.summary.model_copy(update={"detected_by": parted.detected_by}))
    if not isinstance(parted.plan, LogPlan):
        return _joined(parted, [part for part in parts if isinstance(part, FileResult)])
    good = [part for part in parts if isinstance(part, PartialLog)]
    result = FileResult(InputSummary(path=str(parted.path), format=parted.format, detected_by=parted.detected_by))
    for item in LOG_INGESTERS[parted.format].records(finish_parts(parted.plan, good), parted.path):
        if isinstance(item, Record):
            result.records.append(item)
        elif isinstance(item, LogCounts):
            result.summary.logs = asdict(item)
    result.summary.records = len(result.records)
    return result
