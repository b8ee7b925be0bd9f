"""The data riskmap passes between its stages: records in, an analysis out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
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


class Tier(StrEnum):
    """Risk tier of a component, most urgent first."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


class Source(BaseModel):
    """Where a record came from: format, file and a locator inside the file."""

    model_config = ConfigDict(frozen=True)

    format: str
    path: str
    locator: str = ""


class Frame(BaseModel):
    """One parsed stack frame."""

    model_config = ConfigDict(frozen=True)

    file: str
    function: str = ""
    line: int | None = None
    in_app: bool = True


class Record(BaseModel):
    """One piece of evidence: a bug report, a group of log lines or a failing test."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Kind = Kind.bug
    source: Source
    title: str
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
    occurrences: int = Field(default=1, ge=1)
    fingerprint: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)


class Skipped(BaseModel):
    """A record, or a whole file, that could not be read, with the reason."""

    model_config = ConfigDict(frozen=True)

    source: Source
    reason: str


class InputSummary(BaseModel):
    """What one input file gave: its detected format and its counts."""

    path: str
    format: str
    detected_by: str = ""
    records: int = 0
    skipped: int = 0
    error: str | None = None


class Placement(BaseModel):
    """Where a record lands in the architecture, and why."""

    model_config = ConfigDict(frozen=True)

    component: str
    layer: Layer
    evidence: str
    confidence: float = Field(ge=0.0, le=1.0)


@dataclass(frozen=True, slots=True)
class ScoredRecord:
    """A record after analysis: normalised, placed, classified and scored.

    A plain dataclass rather than a pydantic model: there is one per record, its parts are
    already validated, and large inputs make hundreds of thousands of them.
    """

    record: Record
    severity: Severity
    severity_known: bool
    category: str
    category_evidence: str
    placement: Placement
    score: float
    fingerprint: str


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


class RoadmapItem(BaseModel):
    """One roadmap entry: what to fix in a component, and when."""

    horizon: str
    component: str
    layer: Layer
    tier: Tier
    action: str
    record_ids: list[str]


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the renderers need, decided by the analysis."""

    as_of: datetime | None
    inputs: list[InputSummary]
    records: list[ScoredRecord]
    skipped: list[Skipped]
    components: list[ComponentRisk]
    roadmap: list[RoadmapItem]
    unknown_severities: dict[str, int]
