"""The baseline diff: what is new, fixed, updated or regressed since an earlier report.

Pure: it takes the earlier ``report.json`` already parsed (the pipeline reads the file) and the
current analysis, and gives the analysis with every record's ``change``, every component's score
and tier before, and the ``baseline`` summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from riskmap.errors import UsageError
from riskmap.models import Analysis, BaselineDiff, Kind, ScoredRecord, Severity, Status, Tier


class Change(StrEnum):
    """How a record differs from the baseline."""

    new = "new"
    unchanged = "unchanged"
    updated = "updated"
    regressed = "regressed"


@dataclass(frozen=True, slots=True)
class BaselineRecord:
    """A record as the baseline report saw it: its id, severity and status."""

    id: str
    severity: str
    status: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """The parts of an earlier report.json the diff needs."""

    path: str
    as_of: str | None
    records: dict[str, BaselineRecord]  # by identity, in the baseline's order
    components: dict[str, tuple[float, Tier]]


#: Formats whose ids name an issue of an error monitor: its issue, event and event-list exports are
#: readings of one issue (the reader gives each the issue's id).
ISSUE_FORMATS = frozenset({"sentry"})


def is_issue(kind: str, source_format: str) -> bool:
    """Whether a record is one tracker or error-monitor issue, known by its id: a bug, or a record of an
    error monitor (the analysis merges such readings by id, and runs are compared by it)."""
    return kind == Kind.bug or source_format in ISSUE_FORMATS


def identity(kind: str, record_id: str, fingerprint: str, source_format: str = "") -> str:
    """A record's stable identity across runs: the id of an issue (``is_issue``); the test id or log
    template's fingerprint of a test or a log (their ids derive from it, but the fingerprint is what stays)."""
    if is_issue(kind, source_format) or not fingerprint:
        return f"{kind}:{record_id}"
    return f"{kind}:{fingerprint}"


def scored_identity(record: ScoredRecord) -> str:
    """The identity of a record of the current analysis."""
    return identity(record.kind, record.id, record.fingerprint, record.source.format)


def parse_baseline(data: Any, path: str) -> Baseline:
    """The baseline from a parsed report.json; a file that is not one is refused, naming it."""
    if not isinstance(data, Mapping) or not str(data.get("schema", "")).startswith("riskmap.report/"):
        raise UsageError(f"--baseline {path}: not a riskmap report.json (no riskmap.report schema)")
    records: dict[str, BaselineRecord] = {}
    try:
        for entry in data.get("records", []):
            source = entry.get("source")
            key = identity(str(entry["kind"]), str(entry["id"]), str(entry.get("fingerprint") or ""),
                           str(source.get("format") or "") if isinstance(source, Mapping) else "")
            records.setdefault(key, BaselineRecord(str(entry["id"]), str(entry["severity"]), str(entry["status"])))
        components = {str(c["name"]): (float(c["score"]), Tier(c["tier"])) for c in data.get("components", [])}
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"--baseline {path}: not a riskmap report.json ({type(exc).__name__}: {exc})") from None
    as_of = data.get("as_of")
    return Baseline(path, str(as_of) if as_of else None, records, components)


def record_change(before: BaselineRecord | None, severity: Severity, status: Status) -> Change:
    """A record's change against its baseline self.

    - ``new``: not in the baseline;
    - ``regressed``: resolved in the baseline, and open (or of unknown status) now;
    - ``updated``: its severity or status changed otherwise;
    - ``unchanged``: same severity and status.
    """
    if before is None:
        return Change.new
    if before.status == Status.resolved and status != Status.resolved:
        return Change.regressed
    if before.severity != severity or before.status != status:
        return Change.updated
    return Change.unchanged


def is_fixed(before: BaselineRecord, now: ScoredRecord | None) -> bool:
    """Fixed: not resolved in the baseline, and now absent or resolved."""
    return before.status != Status.resolved and (now is None or now.status == Status.resolved)


def compare(analysis: Analysis, baseline: Baseline) -> Analysis:
    """The analysis with each record's change, each component's score and tier before, and the summary.

    The summary's lists of ids come riskiest first (the report's order); fixed ones in the
    baseline's order.
    """
    now: dict[str, ScoredRecord] = {}
    records = list(analysis.records)
    for index, record in enumerate(records):
        key = scored_identity(record)
        change = record_change(baseline.records.get(key), record.severity, record.status)
        records[index] = replace(record, change=change.value)
        now.setdefault(key, records[index])
    ranked: Sequence[ScoredRecord] = [records[i] for i in analysis.ranking]
    components = [
        component.model_copy(update={"score_before": baseline.components[component.name][0],
                                     "tier_before": baseline.components[component.name][1]})
        if component.name in baseline.components else component
        for component in analysis.components
    ]
    diff = BaselineDiff(
        path=baseline.path,
        as_of=baseline.as_of,
        new=[r.id for r in ranked if r.change == Change.new],
        fixed=[before.id for key, before in baseline.records.items() if is_fixed(before, now.get(key))],
        regressed=[r.id for r in ranked if r.change == Change.regressed],
        updated=[r.id for r in ranked if r.change == Change.updated],
        unchanged=sum(1 for r in records if r.change == Change.unchanged),
    )
    return replace(analysis, records=records, components=components, baseline=diff)
