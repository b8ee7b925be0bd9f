"""The analysis: pure functions from records to an Analysis (no I/O, no printing, no clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import pairwise

import numpy as np
import pandas as pd

from riskmap.analyze.baseline import is_issue
from riskmap.analyze.categories import categorise
from riskmap.analyze.components import ComponentMapper, RepoIndex, fault_frames, record_detail
from riskmap.analyze.exclusion import DUPLICATE, exclusion
from riskmap.analyze.fingerprints import fingerprint
from riskmap.analyze.links import record_link
from riskmap.analyze.owners import record_location
from riskmap.analyze.roadmap import build_roadmap
from riskmap.analyze.scoring import record_scores, tier
from riskmap.analyze.severity import normalise_severity
from riskmap.analyze.testing import GAP_FIELDS, catching_level, field_text, targets, testing_gaps
from riskmap.config import Config
from riskmap.layers import LAYER_ORDER, UNMAPPED, called_infrastructure, module_name
from riskmap.models import (
    Analysis,
    ComponentRisk,
    FileResult,
    Judgement,
    Kind,
    Layer,
    LayerViolation,
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
    """A record with its severity normalised and its ``excluded`` reason decided (for ``riskmap ingest``)."""
    record = decided(record)
    return record if record.severity is not None else replace(
        record, severity=normalise_severity(record.severity_raw)[0])


def decided(record: Record) -> Record:
    """A record with its ``excluded`` reason decided (``exclusion``): itself when that is unchanged."""
    reason = exclusion(record)
    return record if reason == record.excluded else replace(record, excluded=reason)


def judge(record: Record) -> Judgement:
    """What the analysis decides of a (``decided``) record from the record alone: its severity, category,
    fault frames, fingerprint, stated testing gap, the file and line it points at, and its link."""
    severity, unknown = record.severity, None
    if severity is None:
        severity, known = normalise_severity(record.severity_raw)
        if not known:
            unknown = MISSING if record.severity_raw is None else record.severity_raw
    category, why = categorise(record.category, record.title, record.description, record.labels)
    fault = fault_frames(record)
    return Judgement(
        severity, unknown, category, why, fault, record.fingerprint or fingerprint(record.kind, record.title),
        field_text(record.extra, GAP_FIELDS) if record.extra else None, *record_location(record, fault),
        record_link(record),
    )


def judged(result: FileResult) -> FileResult:
    """``result`` with its records ``decided`` and judged (``judge``): what the Dask engine hands the analysis,
    so that the analysis after the read does only what needs every record."""
    records = [decided(record) for record in result.records]
    return replace(result, records=records, judgements=[judge(record) for record in records])


def analyze(
    results: Sequence[FileResult], config: Config, as_of: datetime | None = None, repo: RepoIndex | None = None
) -> Analysis:
    """Decide what counts; normalise, place, classify and score every record; rank components; plan the roadmap.

    Records that are no defect (``excluded``) are placed and classified but left out of the scores,
    components, roadmap and targets, unless ``config.count_excluded``. ``repo`` (a scanned
    repository) places paths and frames by the code's own layers, and adds its layer violations.
    """
    read = [record for result in results for record in result.records]
    # A judgement made while reading holds for the very record it was made for (a record merged or folded
    # below is a new one): every record judged is alive in ``results``, so its id names it alone.
    made = {id(record): judgement for result in results if result.judgements is not None
            for record, judgement in zip(result.records, result.judgements, strict=True)}
    merged = merge_repeated(read, frozenset().union(*(r.passed_tests for r in results)))
    everything = fold_duplicates([record if id(record) in made else decided(record) for record in merged])
    as_of = as_of or newest_timestamp(everything)
    mapper = ComponentMapper(config.components, repo)
    judgements = [made.get(id(record)) or judge(record) for record in everything]
    del made
    unknown = Counter(j.unknown_severity for j in judgements if j.unknown_severity is not None)
    placements = [mapper.place(record, j.fault) for record, j in zip(everything, judgements, strict=True)]
    placements = mapper.to_shown_modules(everything, mapper.merge_named(placements))
    counts = [config.count_excluded or record.excluded is None for record in everything]

    table = pd.DataFrame(
        {
            "severity": pd.Categorical([j.severity for j in judgements], categories=list(Severity)),
            "status": pd.Categorical([r.status for r in everything], categories=list(Status)),
            "created_at": pd.to_datetime(pd.Series([r.created_at for r in everything], dtype=object), utc=True),
            "occurrences": np.fromiter((r.occurrences for r in everything), dtype=np.int64, count=len(everything)),
            "component": [p.component for p in placements],
            "layer": pd.Categorical([p.layer for p in placements], categories=list(Layer)),
            "category": [j.category for j in judgements],
            "fingerprint": [j.fingerprint for j in judgements],
        }
    )
    table["score"] = record_scores(table, config.weights, as_of)
    scored = [
        ScoredRecord(
            record.id, record.kind, record.title, j.severity, record.severity_raw, record.status,
            record.created_at, placement.layer, placement.component, j.category, score if counted else 0.0,
            record.occurrences, placement.confidence, placement.evidence, j.category_evidence, j.fingerprint,
            catching_level(placement.layer, j.category, j.gap)[0], record.source,
            record_detail(record, placement, j.fault), record.excluded, record.sources, None, j.file, j.line, j.link,
        )
        for record, j, placement, score, counted in zip(
            everything, judgements, placements, table["score"].tolist(), counts, strict=True)
    ]
    kept = [i for i, counted in enumerate(counts) if counted]
    records = [everything[i] for i in kept]
    scored_kept = [scored[i] for i in kept]
    gaps = [judgements[i].gap for i in kept]
    del judgements
    table = table.iloc[kept].reset_index(drop=True) if len(kept) < len(everything) else table
    components = component_risks(table, scored_kept, config)
    ranking = risk_ranking(table)
    return Analysis(
        as_of=as_of,
        inputs=[result.summary for result in results],
        evidence=records,
        records=scored_kept,
        table=table,
        skipped=[skip for result in results for skip in result.skipped],
        components=components,
        roadmap=build_roadmap(components, scored_kept),
        targets=targets(scored_kept, components),
        violations=layer_violations(records, scored_kept, mapper, repo),
        merged=len(read) - len(everything),
        unknown_severities=dict(sorted(unknown.items())),
        ranking=ranking,
        heatmap_rows=heatmap_rows(components),
        testing_gaps=testing_gaps(scored_kept, gaps, ranking),
        excluded=[s for s, counted in zip(scored, counts, strict=True) if not counted],
        count_excluded=config.count_excluded,
    )


def risk_ranking(table: pd.DataFrame) -> list[int]:
    """The records' indices riskiest first; records of equal score keep their input order."""
    if table.empty:
        return []
    ranked: list[int] = np.lexsort((np.arange(len(table)), -table["score"].to_numpy())).tolist()
    return ranked


def heatmap_rows(components: Sequence[ComponentRisk]) -> list[str]:
    """The heat map's rows: component names riskiest first (ties by name), the evidence riskmap could
    not place (``(unmapped)``) last, so that it never hides placed risk."""
    return [c.name for c in sorted(components, key=lambda c: (c.name == UNMAPPED, -c.score, c.name))]


def merge_repeated(records: Sequence[Record], passed: frozenset[str]) -> list[Record]:
    """One record per tracker id, per failing test and per log template across all inputs, in first-seen order.

    Bug records with the same id (a tracker's key, read from several exports or twice) are one
    issue: the first read is kept, and ``sources`` lists every input it came from. A test's failed
    runs add up (several CI runs); when it passed in some report (or was flaky in one), it is
    labelled flaky and weighs as low severity. A log template's occurrences add up over the log
    files, first seen is the earliest and its severity the highest.
    """
    keys = [identity(record) for record in records]
    known = [key for key in keys if key is not None]
    if len(set(known)) == len(known) and not (passed and any(
            record.kind == Kind.test and record.fingerprint in passed for record in records)):
        return list(records)  # nothing read twice (the usual case): no groups to build
    groups: dict[tuple[str, str], list[Record]] = {}
    for record, key in zip(records, keys, strict=True):
        if key is not None:
            groups.setdefault(key, []).append(record)
    merged: list[Record] = []
    for record, key in zip(records, keys, strict=True):
        group = groups.get(key) if key is not None else None
        if group is None:
            merged.append(record)
        elif group[0] is record:
            merged.append(_merge_issue(group) if key is not None and key[0] == ISSUE
                          else _merge_tests(group, passed) if record.kind == Kind.test else _merge_logs(group))
    return merged


#: The identity kind of records that are one tracker or error-monitor issue each.
ISSUE = "issue"


def identity(record: Record) -> tuple[str, str] | None:
    """What makes two readings one piece of evidence: the tracker id of a bug or of an error-monitor
    issue; the fingerprint of a failing test or a log template (None when it has none)."""
    if is_issue(record.kind, record.source.format):
        return (ISSUE, record.id)
    return (record.kind.value, record.fingerprint) if record.fingerprint else None


def _merge_issue(group: list[Record]) -> Record:
    """One issue read several times: its fullest reading (a bug's first; an error-monitor issue's with
    the most occurrences, the issue export's count rather than one event's), with every source."""
    if len(group) == 1:
        return group[0]
    fullest = group[0] if group[0].kind == Kind.bug else max(group, key=lambda r: r.occurrences)
    return _with_sources(fullest, [r for r in group if r is not fullest])


def _with_sources(record: Record, others: Sequence[Record]) -> Record:
    """``record`` listing its own sources and those of ``others`` (each once, in order)."""
    sources = [s for r in (record, *others) for s in (r.sources or (r.source,))]
    unique = tuple({(s.format, s.path, s.locator): s for s in sources}.values())
    return replace(record, sources=unique)


def fold_duplicates(records: Sequence[Record]) -> list[Record]:
    """Records excluded as ``duplicate of X`` fold into X when X is among the records.

    The original keeps its own fields and lists the duplicate's sources too; a duplicate whose
    original is absent stays, excluded. Chains (A duplicate of B, B of C) fold into C.
    """
    prefix = f"{DUPLICATE} of "
    by_id = {record.id: index for index, record in enumerate(records) if record.kind == Kind.bug}
    target: dict[int, int] = {}
    for index, record in enumerate(records):
        if record.kind == Kind.bug and record.excluded and record.excluded.startswith(prefix):
            original = by_id.get(record.excluded[len(prefix):])
            if original is not None and original != index:
                target[index] = original
    if not target:
        return list(records)
    def root(index: int) -> int:
        seen = {index}
        while index in target and target[index] not in seen:
            index = target[index]
            seen.add(index)
        return index
    folded: dict[int, list[Record]] = {}
    for index in target:
        end = root(index)
        if end != index:
            folded.setdefault(end, []).append(records[index])
    return [_with_sources(record, folded[i]) if i in folded else record
            for i, record in enumerate(records) if i not in target or root(i) == i]


def _merge_tests(group: list[Record], passed: frozenset[str]) -> Record:
    record = group[0]
    flaky = record.fingerprint in passed or any("flaky" in r.labels for r in group)
    return replace(
        record,
        occurrences=sum(r.occurrences for r in group),
        labels=tuple(dict.fromkeys([*record.labels, "flaky"])) if flaky else record.labels,
        severity=Severity.low if flaky else _most_severe(group),
        severity_raw="flaky" if flaky else record.severity_raw,
    )


def _merge_logs(group: list[Record]) -> Record:
    record = group[0]
    if len(group) == 1:
        return record
    seen = [r.created_at for r in group if r.created_at is not None]
    last = [r.extra["last_seen"] for r in group if "last_seen" in r.extra]
    extra = {**record.extra, "files": len({r.source.path for r in group})}
    if last:
        extra["last_seen"] = max(last)
    return replace(
        record,
        occurrences=sum(r.occurrences for r in group),
        severity=_most_severe(group),
        created_at=min(seen, default=None),
        frames=next((r.frames for r in group if r.frames), ()),
        extra=extra,
    )


def _most_severe(group: list[Record]) -> Severity | None:
    known = [r.severity for r in group if r.severity is not None]
    return Severity.worst(known) if known else None


def layer_violations(
    records: Sequence[Record], scored: Sequence[ScoredRecord], mapper: ComponentMapper, repo: RepoIndex | None
) -> list[LayerViolation]:
    """Domain modules that import infrastructure (from the repository), and records whose stack
    goes from domain code straight into an infrastructure client (from their frames)."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for module in sorted(repo.modules.values() if repo else (), key=lambda m: m.path):
        if module.violation:
            found[("import", module_name(module.path), f"{module.path}: {module.violation}")] = []
    for record, result in zip(records, scored, strict=True):
        for caller, callee in pairwise(record.frames):
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
    layer_counts = _by_component(frame.groupby(["component", "layer"], observed=True).size())
    severity_counts = _by_component(frame.groupby(["component", "severity"], observed=True).size())
    severity_scores = _by_component(frame.groupby(["component", "severity"], observed=True)["score"].sum())
    category_counts = _by_component(frame.groupby(["component", "category"]).size())
    ordered = frame.sort_values(["score", "position"], ascending=[False, True], kind="stable")
    members = ordered.groupby("component", sort=False)["position"].agg(list)

    risks = []
    for key, row in totals.iterrows():
        name = str(key)  # component names are strings; pandas types an index label as Hashable
        layers = layer_counts[name]
        layer = min(layers.index, key=lambda value: (-layers[value], LAYER_ORDER[value]))
        score = round(float(row["score"]), 4)
        by_severity = severity_counts[name]
        by_score = severity_scores[name]
        risks.append(
            ComponentRisk(
                name=name,
                layer=layer,
                score=score,
                tier=tier(score, int(row["open_critical"]), config.tiers),
                records=int(row["records"]),
                open_records=int(row["open_records"]),
                by_severity={s.value: int(by_severity[s]) for s in Severity if by_severity.get(s, 0)},
                by_category={str(c): int(n) for c, n in category_counts[name].sort_index().items()},
                score_by_severity={s.value: round(float(by_score[s]), 4) for s in Severity if by_severity.get(s, 0)},
                record_ids=[scored[i].id for i in members[name]],
            )
        )
    risks.sort(key=lambda c: (-c.score, c.name))
    return risks


def _by_component(series: pd.Series) -> dict[str, pd.Series]:
    """A series indexed by (component, something) as one series per component, indexed by the something."""
    return {str(name): group.droplevel(0) for name, group in series.groupby(level=0)}
