"""The analysis: pure functions from records to an Analysis (no I/O, no printing, no clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from riskmap.analyze.categories import categorise
from riskmap.analyze.components import ComponentMapper
from riskmap.analyze.fingerprints import fingerprint
from riskmap.analyze.roadmap import build_roadmap
from riskmap.analyze.scoring import record_scores, tier
from riskmap.analyze.severity import normalise_severity
from riskmap.config import Config
from riskmap.ingest.base import FileResult
from riskmap.models import (
    Analysis,
    ComponentRisk,
    Layer,
    Record,
    ScoredRecord,
    Severity,
    Status,
)

MISSING = "(missing)"


def newest_timestamp(records: Sequence[Record]) -> datetime | None:
    """The newest created or resolved time in the records: the default "now" of an analysis."""
    stamps = [t for r in records for t in (r.created_at, r.resolved_at) if t is not None]
    return max(stamps, default=None)


def normalise(record: Record) -> Record:
    """A record with its severity normalised (for ``riskmap ingest``)."""
    severity, _ = normalise_severity(record.severity_raw)
    return record if record.severity is not None else record.model_copy(update={"severity": severity})


def analyze(results: Sequence[FileResult], config: Config, as_of: datetime | None = None) -> Analysis:
    """Normalise, place, classify and score every record; rank components; plan the roadmap."""
    records = [record for result in results for record in result.records]
    as_of = as_of or newest_timestamp(records)
    mapper = ComponentMapper(config.components)
    unknown: Counter[str] = Counter()
    rows = []
    for record in records:
        if record.severity is not None:
            severity, known = record.severity, True
        else:
            severity, known = normalise_severity(record.severity_raw)
            if not known:
                unknown[record.severity_raw or MISSING] += 1
        category, why = categorise(record.category, record.title, record.description)
        rows.append((record, severity, known, category, why, mapper.place(record)))

    frame = pd.DataFrame(
        {
            "severity": [row[1].value for row in rows],
            "status": [row[0].status.value for row in rows],
            "created_at": pd.to_datetime([row[0].created_at for row in rows], utc=True),
            "occurrences": [row[0].occurrences for row in rows],
            "component": [row[5].component for row in rows],
            "layer": [row[5].layer.value for row in rows],
            "category": [row[3] for row in rows],
        }
    )
    frame["score"] = record_scores(frame, config.weights, as_of)
    scored = [
        ScoredRecord(
            record=record,
            severity=severity,
            severity_known=known,
            category=category,
            category_evidence=why,
            placement=placement,
            score=score,
            fingerprint=record.fingerprint or fingerprint(record.kind.value, record.title),
        )
        for (record, severity, known, category, why, placement), score in zip(rows, frame["score"].tolist())
    ]
    components = component_risks(frame, scored, config)
    return Analysis(
        as_of=as_of,
        inputs=[result.summary for result in results],
        records=scored,
        skipped=[skip for result in results for skip in result.skipped],
        components=components,
        roadmap=build_roadmap(components, scored),
        unknown_severities=dict(sorted(unknown.items())),
    )


def component_risks(frame: pd.DataFrame, scored: Sequence[ScoredRecord], config: Config) -> list[ComponentRisk]:
    """Every component's risk, riskiest first (ties by name)."""
    if frame.empty:
        return []
    frame = frame.assign(
        open=frame["status"] != Status.resolved.value,
        open_critical=(frame["status"] != Status.resolved.value) & (frame["severity"] == Severity.critical.value),
        position=range(len(frame)),
    )
    grouped = frame.groupby("component", sort=True)
    totals = grouped.agg(
        score=("score", "sum"),
        records=("score", "size"),
        open_records=("open", "sum"),
        open_critical=("open_critical", "sum"),
    )
    layer = (
        frame.groupby(["component", "layer"]).size().reset_index(name="n")
        .assign(order=lambda d: d["layer"].map({layer.value: i for i, layer in enumerate(Layer)}))
        .sort_values(["component", "n", "order"], ascending=[True, False, True])
        .drop_duplicates("component").set_index("component")["layer"]
    )
    by_severity = frame.pivot_table(index="component", columns="severity", values="score", aggfunc="size", fill_value=0)
    score_by_severity = frame.pivot_table(index="component", columns="severity", values="score", aggfunc="sum", fill_value=0.0)
    by_category = frame.pivot_table(index="component", columns="category", values="score", aggfunc="size", fill_value=0)
    order = frame.sort_values(["component", "score", "position"], ascending=[True, False, True])
    ids = order.groupby("component")["position"].agg(list)

    risks = []
    for name, row in totals.iterrows():
        score = round(float(row["score"]), 4)
        risks.append(
            ComponentRisk(
                name=name,
                layer=Layer(layer[name]),
                score=score,
                tier=tier(score, int(row["open_critical"]), config.tiers),
                records=int(row["records"]),
                open_records=int(row["open_records"]),
                by_severity={s.value: int(by_severity.at[name, s.value]) for s in Severity if s.value in by_severity.columns and by_severity.at[name, s.value]},
                by_category={c: int(n) for c, n in sorted(by_category.loc[name].items()) if n},
                score_by_severity={s.value: round(float(score_by_severity.at[name, s.value]), 4) for s in Severity if s.value in score_by_severity.columns and score_by_severity.at[name, s.value]},
                record_ids=[scored[i].record.id for i in ids[name]],
            )
        )
    risks.sort(key=lambda c: (-c.score, c.name))
    return risks
