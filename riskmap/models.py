"""The data riskmap passes between its stages: records in, an analysis out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Ranked(StrEnum):
    """An enum whose members are declared most urgent first, and compare by that order."""

    @property
    def rank(self) -> int:
        """0 for the most urgent member, then 1, 2 ..."""
        return _RANKS[type(self)][self]

    def at_least(self, other: _Ranked) -> bool:
        """Whether this member is as urgent as ``other`` or more."""
        return self.rank <= other.rank

    @classmethod
    def worst(cls, members: Iterable[Self]) -> Self:
        """The most urgent of ``members`` (which must not be empty)."""
        return min(members, key=lambda member: member.rank)


class Severity(_Ranked):
    """Normalised severity, most severe first."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"


class Layer(StrEnum):
    """The hexagonal role of a component."""

    handler = "handler"
    domain = "domain"
    integration = "integration"
    unmapped = "unmapped"


class Kind(StrEnum):
    """What a record is evidence of."""

    bug = "bug"
    log = "log"
    test = "test"


class Status(StrEnum):
    """Normalised status of a record."""

    open = "open"
    resolved = "resolved"
    unknown = "unknown"


class Tier(_Ranked):
    """Risk tier of a component, most urgent first."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


_RANKS: dict[type[_Ranked], dict[Any, int]] = {
    kind: {member: rank for rank, member in enumerate(kind)} for kind in (Severity, Tier)
}


# The records are plain dataclasses rather than pydantic models: a large export makes hundreds of
# thousands of them, and the ingesters already check every value they put in. They are not frozen
# (that makes each one several times slower to build) but are never changed once built: use
# dataclasses.replace. RECORD_ADAPTER (pydantic) validates or serialises them.


@dataclass(slots=True, kw_only=True)
class Source:
    """Where a record came from: format, file and a locator inside the file."""

    format: str
    path: str
    locator: str = ""


@dataclass(slots=True, kw_only=True)
class Frame:
    """One parsed stack frame."""

    file: str
    function: str = ""
    line: int | None = None
    in_app: bool = True


@dataclass(slots=True, kw_only=True)
class Record:
    """One piece of evidence: a bug report, a group of log lines or a failing test."""

    id: str
    source: Source
    title: str
    kind: Kind = Kind.bug
    description: str = ""
    severity: Severity | None = None
    severity_raw: str | None = None
    status: Status = Status.unknown
    created_at: datetime | None = None
    resolved_at: datetime | None = None
    category: str | None = None
    component_hint: str | None = None
    labels: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    frames: tuple[Frame, ...] = ()
    occurrences: int = 1
    fingerprint: str = ""
    #: None for a defect; else why it is not scored ("feature request", "duplicate of X", ...).
    excluded: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Every input this record was read from, when several gave the same tracker id (else empty).
    sources: tuple[Source, ...] = ()
    #: The source's name for what gave ``severity_raw``: a field (``severity``, ``priority``, ``level``)
    #: or ``label``; None when nothing did. A severity (not a priority) is what trackers give defects.
    severity_field: str | None = None


@dataclass(slots=True, kw_only=True)
class Skipped:
    """A record, or a whole file, that could not be read, with the reason."""

    source: Source
    reason: str


RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Record)


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """The test cases a test report ran, by outcome (a reader yields it after the records)."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0
    failed_runs: int = 0
    error_runs: int = 0
    #: Fingerprints of the tests that passed: a failure elsewhere of one of these is flaky.
    passed_tests: frozenset[str] = frozenset()
    #: Where the report's own counts (failures=, errors=, a summary) disagree with the tests it lists: what
    #: each says and why; empty when they agree. Shown in ``inputs[].tests.note``.
    note: str = ""


@dataclass(frozen=True, slots=True)
class LogCounts:
    """What a log file held (a reader yields it after the records): its entries, their templates,
    and the entries below warning level, which are counted but make no record."""

    entries: int = 0
    templates: int = 0
    below_warning: int = 0


class InputSummary(BaseModel):
    """What one input file gave: its detected format and its counts."""

    path: str
    format: str
    detected_by: str = ""
    records: int = 0
    skipped: int = 0
    error: str | None = None
    tests: dict[str, Any] | None = None
    logs: dict[str, int] | None = None


@dataclass(slots=True)
class Judgement:
    """What the analysis decides of one record from the record alone, before it sees the others
    (``riskmap.analyze.judge``): the same wherever it is made, so the Dask engine makes it while the inputs
    are read (on the workers of an existing cluster, else on the driver as each input arrives)."""

    severity: Severity
    #: The severity's spelling when riskmap does not know it (``(missing)`` when there is none), else None.
    unknown_severity: str | None
    category: str
    category_evidence: str
    #: The in-app frames placement reads, the fault frame last (``components.fault_frames``).
    fault: list[Frame]
    fingerprint: str
    #: The testing gap the record's fields state, if any.
    gap: str | None
    file: str | None
    line: int | None
    link: str | None


@dataclass(slots=True)
class FileResult:
    """Everything read from one input file: its summary, its records and what was skipped."""

    summary: InputSummary
    records: list[Record] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: Fingerprints of the tests the file saw pass (a test report's CaseCounts.passed_tests).
    passed_tests: frozenset[str] = frozenset()
    #: What the analysis judged of each record on its own, in the order of ``records``, when that was done
    #: before the analysis (the Dask engine, see ``riskmap.analyze.judged``); None when the analysis does it.
    #: Whatever replaces a record after that sets this to None.
    judgements: list[Judgement] | None = None


class Placement(BaseModel):
    """Where a record lands in the architecture, and why."""

    model_config = ConfigDict(frozen=True)

    component: str
    layer: Layer
    evidence: str
    confidence: float = Field(ge=0.0, le=1.0)
    #: What placed it: rule, component (the component field), file (a file path or the file the
    #: component field names), frame (a stack frame), title, or none.
    signal: str = "none"


@dataclass(slots=True)
class ScoredRecord:
    """A record after analysis, as the reports show it: normalised, placed, classified, scored.

    Its fields, in order, are the ``records[]`` entries of report.json. A plain dataclass: there
    is one per record, and large inputs make hundreds of thousands of them.
    """

    id: str
    kind: Kind
    title: str
    severity: Severity
    severity_raw: str | None
    status: Status
    created_at: datetime | None
    layer: Layer
    component: str
    category: str
    score: float
    occurrences: int
    confidence: float
    evidence: str
    category_evidence: str
    fingerprint: str
    test_level: str
    source: Source
    #: The class or function the record names inside its component (``EventPublisher.publish_event``
    #: in ``integrations``; a fault frame's ``Class.method``), or None.
    detail: str | None = None
    #: None for a defect; else why it is not counted (see Record.excluded).
    excluded: str | None = None
    #: Every input the record was read from, when several gave the same tracker id (else empty).
    sources: tuple[Source, ...] = ()
    #: Against a ``--baseline``: new, unchanged, updated or regressed (None without a baseline).
    change: str | None = None
    #: The file the record points at (a path, or an in-app stack frame's file) and its line, when known.
    file: str | None = None
    line: int | None = None
    #: The issue's web page in the tool it came from (GitHub, GitLab, Jira, Sentry), when the export gives one.
    link: str | None = None


class ComponentRisk(BaseModel):
    """One component's risk: its score, tier and the records behind it."""

    name: str
    layer: Layer
    score: float
    tier: Tier
    records: int
    open_records: int
    by_severity: dict[str, int]
    by_category: dict[str, int]
    score_by_severity: dict[str, float]
    record_ids: list[str]
    #: The component's score and tier in the ``--baseline`` report (None without one, or when new).
    score_before: float | None = None
    tier_before: Tier | None = None
    #: Its owners by CODEOWNERS (last matching rule of each of its files), in the order first found.
    owners: list[str] = Field(default_factory=list)


class RoadmapItem(BaseModel):
    """One roadmap entry: what to fix in a component, and when."""

    horizon: str
    component: str
    layer: Layer
    tier: Tier
    action: str
    record_ids: list[str]


class LayerViolation(BaseModel):
    """Code in one layer doing another layer's work: domain code importing or calling infrastructure."""

    kind: str
    component: str
    detail: str
    record_ids: list[str] = Field(default_factory=list)


class Target(BaseModel):
    """A measurable target for the next iteration."""

    metric: str
    current: int
    target: int


class LevelCount(BaseModel):
    """How many records a test level would have caught: all of them, and those still open."""

    level: str
    records: int
    open: int


@dataclass(frozen=True, slots=True)
class StatedGap:
    """A testing gap an export states for a record (its leading level taken off).

    A plain dataclass, like ScoredRecord: a large export states one for most of its records.
    """

    id: str
    component: str
    layer: Layer
    status: Status
    level: str
    gap: str


@dataclass(frozen=True, slots=True)
class TestingGaps:
    """Records per test level, and the gaps the exports state, riskiest record first."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    levels: list[LevelCount]
    stated: list[StatedGap]


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the renderers need, decided by the analysis.

    ``records[i]`` is the analysis of ``evidence[i]``; ``table`` holds one row per record
    (severity, status, created_at, occurrences, component, layer, category, score, fingerprint)
    for aggregation. ``ranking`` lists the indices of ``records`` riskiest first (ties in input
    order); ``heatmap_rows`` the component names riskiest first, ``(unmapped)`` last.
    """

    as_of: datetime | None
    inputs: list[InputSummary]
    evidence: list[Record]
    records: list[ScoredRecord]
    table: pd.DataFrame
    skipped: list[Skipped]
    components: list[ComponentRisk]
    roadmap: list[RoadmapItem]
    targets: list[Target]
    violations: list[LayerViolation]
    merged: int
    unknown_severities: dict[str, int]
    ranking: list[int]
    heatmap_rows: list[str]
    testing_gaps: TestingGaps
    #: The records that are no defect (``excluded`` set), placed and classified but not scored.
    excluded: list[ScoredRecord] = field(default_factory=list)
    #: Whether excluded records were counted anyway (``--count-excluded``).
    count_excluded: bool = False
    #: What changed since the ``--baseline`` report, when one was given.
    baseline: BaselineDiff | None = None


class BaselineDiff(BaseModel):
    """What changed since a baseline report: record ids new, fixed and regressed, and how many stayed."""

    path: str
    as_of: str | None
    new: list[str]
    fixed: list[str]
    regressed: list[str]
    updated: list[str]
    unchanged: int


class Criterion(BaseModel):
    """One acceptance criterion in EARS form, with the records it comes from."""

    number: str
    text: str
    record_ids: list[str]


class SpecRequirement(BaseModel):
    """One requirement of a spec: a cluster of records of one component and category."""

    number: int
    title: str
    category: str
    #: What the failure mode means and what the fix should do, in one sentence.
    meaning: str
    severity: Severity
    user_story: str
    criteria: list[Criterion]
    record_ids: list[str]


class CorrectnessProperty(BaseModel):
    """A property the fixed component must hold, and the criteria it validates."""

    number: int
    title: str
    statement: str
    validates: list[str]


class SpecTask(BaseModel):
    """An implementation task (with sub-tasks), citing criteria and records."""

    number: str
    title: str
    details: list[str]
    requirements: list[str]
    record_ids: list[str]
    subtasks: list[SpecTask] = Field(default_factory=list)


class SpecRecord(BaseModel):
    """A record as a spec cites it."""

    id: str
    title: str
    severity: Severity
    status: Status
    category: str
    test_level: str
    root_cause: str | None
    testing_gap: str | None
    files: list[str]


class SpecTarget(BaseModel):
    """A measurable target of a spec, with the records it counts."""

    text: str
    record_ids: list[str] = Field(default_factory=list)


class SpecDraft(BaseModel):
    """A spec draft for hardening one component, every part traced to its records."""

    component: str
    slug: str
    system: str
    layer: Layer
    tier: Tier
    score: float
    as_of: str | None
    files: list[str]
    functions: dict[str, list[str]]
    records: list[SpecRecord]
    requirements: list[SpecRequirement]
    properties: list[CorrectnessProperty]
    tasks: list[SpecTask]
    test_levels: dict[str, int]
    targets: list[SpecTarget]
