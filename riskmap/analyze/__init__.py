"""The analysis: pure functions from records to an Analysis (no I/O, no printing, no clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import numpy as np
import pandas as pd

from riskmap.analyze.categories import categorise
from riskmap.analyze.components import ComponentMapper, RepoIndex, called_infrastructure, module_name
from riskmap.analyze.fingerprints import fingerprint
from riskmap.analyze.roadmap import build_roadmap
from riskmap.analyze.scoring import record_scores, tier
from riskmap.analyze.severity import normalise_severity
from riskmap.analyze.testing import GAP_FIELDS, catching_level, field_text, targets
from riskmap.config import Config
from riskmap.ingest.base import FileResult
from riskmap.models import (
    Analysis,
    ComponentRisk,
    Kind,
    Layer,
    LayerViolation,
    Record,
    ScoredRecord,
    Severity,
    Status,
)

MISSING = "(missing)"
_LAYER_ORDER = {layer: index for index, layer in enumerate(Layer)}


def newest_timestamp(records: Sequence[Record]) -> datetime | None:
    """The newest created or resolved time in the records: the default "now" of an analysis."""
    stamps = [t for r in records for t in (r.created_at, r.resolved_at) if t is not None]
    return max(stamps, default=None)


def normalise(record: Record) -> Record:
    """A record with its severity normalised (for ``riskmap ingest``)."""
    severity, _ = normalise_severity(record.severity_raw)
    return record if record.severity is not None else replace(record, severity=severity)


def analyze(
    results: Sequence[FileResult], config: Config, as_of: datetime | None = None, repo: RepoIndex | None = None
) -> Analysis:
    """Normalise, place, classify and score every record; rank components; plan the roadmap.

    ``repo`` (a scanned repository) places paths and frames by the code's own layers, and adds
    its layer violations to the analysis.
    """
    read = [record for result in results for record in result.records]
    records = merge_repeated_tests(read, frozenset().union(*(r.passed_tests for r in results)))
    as_of = as_of or newest_timestamp(records)
    mapper = ComponentMapper(config.components, repo)
    unknown: Counter[str] = Counter()
    severities, categories, reasons, placements, prints, gaps = [], [], [], [], [], []
    for record in records:
        severity = record.severity
        if severity is None:
            severity, known = normalise_severity(record.severity_raw)
            if not known:
                unknown[record.severity_raw or MISSING] += 1
        category, why = categorise(record.category, record.title, record.description)
        severities.append(severity)
        categories.append(category)
        reasons.append(why)
        placements.append(mapper.place(record))
        prints.append(record.fingerprint or fingerprint(record.kind, record.title))
        gaps.append(field_text(record.extra, GAP_FIELDS) if record.extra else None)
    placements = mapper.merge_named(placements)

    table = pd.DataFrame(
        {
            "severity": pd.Categorical(severities, categories=list(Severity)),
            "status": pd.Categorical([r.status for r in records], categories=list(Status)),
            "created_at": pd.to_datetime([r.created_at for r in records], utc=True),
            "occurrences": np.fromiter((r.occurrences for r in records), dtype=np.int64, count=len(records)),
            "component": [p.component for p in placements],
            "layer": pd.Categorical([p.layer for p in placements], categories=list(Layer)),
            "category": categories,
            "fingerprint": prints,
        }
    )
    table["score"] = record_scores(table, config.weights, as_of)
    scored = [
        ScoredRecord(
            record.id, record.kind, record.title, severity, record.severity_raw, record.status,
            record.created_at, placement.layer, placement.component, category, score, record.occurrences,
            placement.confidence, placement.evidence, why, print_,
            catching_level(placement.layer, category, gap)[0], record.source,
        )
        for record, severity, category, why, placement, print_, gap, score in zip(
            records, severities, categories, reasons, placements, prints, gaps, table["score"].tolist(),
        )
    ]
    components = component_risks(table, scored, config)
    return Analysis(
        as_of=as_of,
        inputs=[result.summary for result in results],
        evidence=records,
        records=scored,
        table=table,
        skipped=[skip for result in results for skip in result.skipped],
        components=components,
        roadmap=build_roadmap(components, scored),
        targets=targets(scored, components),
        violations=layer_violations(records, scored, mapper, repo),
        merged=len(read) - len(records),
        unknown_severities=dict(sorted(unknown.items())),
    )


def merge_repeated_tests(records: Sequence[Record], passed: frozenset[str]) -> list[Record]:
    """One record per failing test across all reports (several CI runs), in first-seen order.

    Its failed runs add up; when it passed in some report (or was flaky in one), it is labelled
    flaky and weighs as low severity. Records that are not tests pass through unchanged.
    """
    runs: dict[str, list[Record]] = {}
    for record in records:
        if record.kind == Kind.test and record.fingerprint:
            runs.setdefault(record.fingerprint, []).append(record)
    if all(len(group) == 1 and group[0].fingerprint not in passed for group in runs.values()):
        return list(records)
    merged: list[Record] = []
    for record in records:
        group = runs.get(record.fingerprint) if record.kind == Kind.test else None
        if group is None:
            merged.append(record)
        elif group[0] is record:
            flaky = record.fingerprint in passed or any("flaky" in r.labels for r in group)
            merged.append(replace(
                record,
                occurrences=sum(r.occurrences for r in group),
                labels=tuple(dict.fromkeys([*record.labels, "flaky"])) if flaky else record.labels,
                severity=Severity.low if flaky else min((r.severity for r in group), key=list(Severity).index),
                severity_raw="flaky" if flaky else record.severity_raw,
            ))
    return merged


def layer_violations(
    records: Sequence[Record], scored: Sequence[ScoredRecord], mapper: ComponentMapper, repo: RepoIndex | None
) -> list[LayerViolation]:
    """Domain modules that import infrastructure (from the repository), and records whose stack
    goes from domain code straight into an infrastructure client (from their frames)."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for module in sorted(repo.modules.values() if repo else (), key=lambda m: m.path):
        if module.violation:
            found[("import", module_name(module.path), f"{module.path}: {module.violation}")] = []
    for record, result in zip(records, scored):
        frames = record.frames
        for caller, callee in zip(frames, frames[1:]):
            package = None if callee.in_app else called_infrastructure(callee.file)
            if package and caller.in_app and mapper.frame_layer(caller.file) == Layer.domain:
                detail = f"domain code {caller.file} ({caller.function or '?'}) calls {package} directly"
                found.setdefault(("call", result.component, detail), []).append(record.id)
                break
    return [LayerViolation(kind=kind, component=component, detail=detail, record_ids=ids)
            for (kind, component, detail), ids in found.items()]


def component_risks(table: pd.DataFrame, scored: Sequence[ScoredRecord], config: Config) -> list[ComponentRisk]:
    """Every component's risk, riskiest first (ties by name)."""
    if table.empty:
        return []
    is_open = table["status"] != Status.resolved
    frame = table.assign(
        open=is_open,
        open_critical=is_open & (table["severity"] == Severity.critical),
        position=np.arange(len(table)),
    )
    totals = frame.groupby("component", sort=True).agg(
        score=("score", "sum"), records=("score", "size"),
        open_records=("open", "sum"), open_critical=("open_critical", "sum"),
    )
    layer_counts = frame.groupby(["component", "layer"], observed=True).size()
    severity_counts = frame.groupby(["component", "severity"], observed=True).size()
    severity_scores = frame.groupby(["component", "severity"], observed=True)["score"].sum()
    category_counts = frame.groupby(["component", "category"]).size()
    ordered = frame.sort_values(["score", "position"], ascending=[False, True], kind="stable")
    members = ordered.groupby("component", sort=False)["position"].agg(list)

    risks = []
    for name, row in totals.iterrows():
        layers = layer_counts.loc[name]
        layer = min(layers.index, key=lambda value: (-layers[value], _LAYER_ORDER[value]))
        score = round(float(row["score"]), 4)
        by_severity = severity_counts.loc[name]
        by_score = severity_scores.loc[name]
        risks.append(
            ComponentRisk(
                name=name,
                layer=layer,
                score=score,
                tier=tier(score, int(row["open_critical"]), config.tiers),
                records=int(row["records"]),
                open_records=int(row["open_records"]),
                by_severity={s.value: int(by_severity[s]) for s in Severity if by_severity.get(s, 0)},
                by_category={c: int(n) for c, n in category_counts.loc[name].sort_index().items()},
                score_by_severity={s.value: round(float(by_score[s]), 4) for s in Severity if by_severity.get(s, 0)},
                record_ids=[scored[i].id for i in members[name]],
            )
        )
    risks.sort(key=lambda c: (-c.score, c.name))
    return risks
