"""Report data: an Analysis as plain, sorted, JSON-ready data, built once for every renderer.

This is also the ``report.json`` contract (schema ``riskmap.report/1``); the README documents it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pandas as pd

from riskmap import __version__
from riskmap.config import Config
from riskmap.layers import UNMAPPED
from riskmap.models import (
    Analysis,
    ComponentRisk,
    InputSummary,
    Layer,
    ScoredRecord,
    Severity,
    Status,
    TestingGaps,
    Tier,
)
from riskmap.text import plural

SCHEMA = "riskmap.report/1"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abprs]-[\w-]{10,}|AKIA[0-9A-Z]{16}"
    r"|sk-[A-Za-z0-9_-]{20,}|eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,})"
)


def redact(text: str) -> str:
    """Hide e-mail addresses and well-known secret tokens in text a report shows."""
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    return _TOKEN.sub("<token>", text) if _TOKEN.search(text) else text


#: ``redact`` cached, for the texts many records share (titles, placement evidence, the class or function
#: named, testing gaps).
_redact_repeated = lru_cache(maxsize=1 << 17)(redact)


def iso(moment: datetime | None) -> str | None:
    """A UTC timestamp as ISO 8601 with a Z, or None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


#: The longest title a report shows, in characters; longer ones are cut (and say so).
TITLE_CHARS = 300
#: The longest evidence, detail or other text from an input a report shows, in characters.
TEXT_CHARS = 4000


def capped(text: str, limit: int, where: str) -> str:
    """``text`` as a report shows it: at most ``limit`` characters, and when cut it says so, how long
    the full text is, and where it is (``where``: the input file and locator)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text):,} characters in all; the full text is in {where}]"


def _where(scored: ScoredRecord) -> str:
    source = scored.source
    return f"{source.path} {source.locator}".strip() if len(source.path) <= TEXT_CHARS else "the input"


def _capped(scored: ScoredRecord, text: str, limit: int) -> str:
    """One of a record's texts capped at ``limit``, naming the record's source when it is cut."""
    return text if len(text) <= limit else capped(text, limit, _where(scored))


def shown(scored: ScoredRecord) -> ScoredRecord:
    """A record as a report may show it: e-mail addresses and tokens in its text hidden, its title and
    detail capped at TITLE_CHARS and its evidence at TEXT_CHARS (marked as cut, naming the source)."""
    title = _redact_repeated(_capped(scored, scored.title, TITLE_CHARS))
    evidence = _redact_repeated(_capped(scored, scored.evidence, TEXT_CHARS))
    detail = _redact_repeated(_capped(scored, scored.detail, TITLE_CHARS)) if scored.detail else scored.detail
    if title == scored.title and evidence == scored.evidence and detail == scored.detail:
        return scored
    return replace(scored, title=title, evidence=evidence, detail=detail)


def build_report(
    analysis: Analysis, config: Config, *, gate: dict[str, Any] | None = None, trend: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The whole report as plain data: every renderer draws from this.

    ``records`` holds ScoredRecord objects (riskiest first, then input order); the JSON
    renderer writes them as objects with the same fields. ``gate`` is the ``--fail-on`` result and
    ``trend`` the runs of ``--history``, oldest first; ``baseline`` what changed since ``--baseline``.
    """
    table = analysis.table
    guessed = guessed_layers(analysis.records)
    components = [{**c.model_dump(mode="json"), "layer_guess": c.name in guessed} for c in analysis.components]
    cells = table.groupby(["component", "category"])["score"].sum().to_dict() if len(table) else {}
    categories = riskiest_categories(table)
    fingerprints = table["fingerprint"].value_counts() if len(table) else None
    return {
        "schema": SCHEMA,
        "generator": f"riskmap {__version__}",
        "as_of": iso(analysis.as_of),
        "config": config.source or None,
        "scoring": {
            "weights": config.weights.model_dump(mode="json"),
            "tiers": config.tiers.model_dump(mode="json"),
        },
        "summary": {
            "inputs": len(analysis.inputs),
            "failed_inputs": sum(1 for i in analysis.inputs if i.error),
            "records": len(analysis.records),
            "skipped": len(analysis.skipped),
            "merged": analysis.merged,
            "excluded": excluded_counts(analysis.excluded),
            "count_excluded": analysis.count_excluded,
            "open": int((table["status"] != Status.resolved).sum()) if len(table) else 0,
            "by_severity": _counts(table, "severity", Severity),
            "by_layer": _counts(table, "layer", Layer),
            "by_category": {str(k): int(v) for k, v in sorted(table["category"].value_counts().items())},
            "by_tier": {t.value: sum(1 for c in analysis.components if c.tier == t) for t in Tier},
            "unknown_severities": analysis.unknown_severities,
            "duplicate_groups": int((fingerprints > 1).sum()) if fingerprints is not None else 0,
            "layer_violations": len(analysis.violations),
            "undated": int(table["created_at"].isna().sum()) if len(table) else 0,
        },
        "inputs": [{**i.model_dump(mode="json"), "counted": counted(i)} for i in analysis.inputs],
        "layers": _layers(analysis),
        "components": components,
        "headline": fix_first(analysis.components, analysis.records),
        "heatmap": heatmap(analysis, config.heatmap_top, categories, cells, guessed),
        "roadmap": [item.model_dump(mode="json") for item in analysis.roadmap],
        "targets": [target.model_dump(mode="json") for target in analysis.targets],
        "layer_violations": [v.model_dump(mode="json") for v in analysis.violations],
        "testing_gaps": _testing_gaps(analysis.testing_gaps),
        "records": [*(shown(analysis.records[i]) for i in analysis.ranking), *map(shown, analysis.excluded)],
        "skipped": [
            {"source": {"format": skip.source.format, "path": skip.source.path, "locator": skip.source.locator},
             "reason": redact(capped(skip.reason, TEXT_CHARS, f"{skip.source.path} {skip.source.locator}"))}
            for skip in analysis.skipped
        ],
        "baseline": analysis.baseline.model_dump(mode="json") if analysis.baseline else None,
        "gate": gate,
        "trend": list(trend),
    }


#: A placement less sure than this is a guess (a word in a tracker's component name, a name in a title).
GUESS_BELOW = 0.5


def guessed_layers(records: Iterable[ScoredRecord]) -> set[str]:
    """The components whose layer is a guess: placed, but none of their records more surely than GUESS_BELOW
    (no rule, path or frame; only a word in a component name or a title). ``riskmap init`` or a rule fixes it."""
    best: dict[str, float] = {}
    for record in records:
        if record.layer != Layer.unmapped:
            best[record.component] = max(best.get(record.component, 0.0), record.confidence)
    return {name for name, confidence in best.items() if confidence < GUESS_BELOW}


def riskiest_categories(table: pd.DataFrame) -> list[str]:
    """The heat map's columns: the categories by their summed score, riskiest first (ties by name)."""
    if not len(table):
        return []
    totals = table.groupby("category")["score"].sum()
    return sorted(map(str, totals.index), key=lambda k: (-round(float(totals[k]), 4), k))


def heatmap(
    analysis: Analysis, top: int, categories: list[str], cells: dict[Any, float], guessed: set[str]
) -> dict[str, Any]:
    """The heat map as report data: the ``top`` riskiest components (the analysis' order), then one
    ``rest`` row summing the others, then the ``unplaced`` row of the evidence riskmap could not place;
    and above them the ``layers`` rolled up per category. Every row has its cells, score and records;
    ``guessed`` names the components whose layer is a guess (``guessed_layers``)."""
    by_name = {c.name: c for c in analysis.components}
    placed = [name for name in analysis.heatmap_rows if name != UNMAPPED]
    def cells_of(names: Sequence[str]) -> dict[str, float]:
        return {k: round(sum(float(cells.get((n, k), 0.0)) for n in names), 4) for k in categories}
    rows: list[dict[str, Any]] = [
        {"kind": "component", "rank": rank, "component": name, "layer": by_name[name].layer.value,
         "layer_guess": name in guessed, "tier": by_name[name].tier.value, "score": by_name[name].score,
         "records": by_name[name].records, "cells": cells_of([name])}
        for rank, name in enumerate(placed[:top], start=1)
    ]
    rest = placed[top:]
    if rest:
        rows.append({"kind": "rest", "rank": None, "component": f"{plural(len(rest), 'other component')}",
                     "layer": None, "layer_guess": False, "tier": None,
                     "score": round(sum(by_name[n].score for n in rest), 4),
                     "records": sum(by_name[n].records for n in rest), "cells": cells_of(rest),
                     "components": rest})
    if UNMAPPED in by_name:
        row = by_name[UNMAPPED]
        rows.append({"kind": "unplaced", "rank": None, "component": UNMAPPED, "layer": Layer.unmapped.value,
                     "layer_guess": False, "tier": row.tier.value, "score": row.score, "records": row.records,
                     "cells": cells_of([UNMAPPED])})
    layers = [
        {"layer": layer.value, "score": round(sum(c.score for c in members), 4),
         "cells": cells_of([c.name for c in members])}
        for layer in Layer if (members := [c for c in analysis.components if c.layer == layer])
    ]
    return {"categories": categories, "top": top, "rows": rows, "layers": layers}


def fix_first(components: Sequence[ComponentRisk], records: Sequence[ScoredRecord]) -> dict[str, Any] | None:
    """The headline: the component to fix first, why, and its riskiest records (at most HEADLINE_RECORDS).

    It is the riskiest component riskmap placed (evidence it could not place is no component to fix);
    None when nothing is at risk. The reason gives its tier and score, its share of all risk, its
    open and most severe records, and the category most of its risk is in.
    """
    placed = [c for c in components if c.name != UNMAPPED and c.score > 0]
    if not placed:
        return None
    first = placed[0]
    total = sum(c.score for c in components) or 1.0
    worst = next(s for s in Severity if first.by_severity.get(s.value))
    mine = [r for r in records if r.component == first.name]
    by_category: dict[str, float] = {}
    for record in mine:
        by_category[record.category] = by_category.get(record.category, 0.0) + record.score
    if not by_category:  # no scored record at hand: the category most of its records are in
        by_category = {k: float(n) for k, n in first.by_category.items()}
    category, _ = min(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    reasons = [
        f"it is {first.tier.value} with score {first.score:.1f}, {first.score / total:.0%} of all risk",
        f"{first.open_records} of its {plural(first.records, 'record')} open",
        f"{plural(first.by_severity[worst.value], f'{worst.value} record')}",
        f"most of its risk is {category}",
    ]
    if len(placed) > 1 and placed[1].score > 0:
        reasons.append(f"{first.score / placed[1].score:.1f} times the score of the next, {placed[1].name}")
    ids = first.record_ids[:HEADLINE_RECORDS]
    return {"component": first.name, "layer": first.layer.value, "tier": first.tier.value, "score": first.score,
            "because": "; ".join(reasons), "record_ids": ids, "more_records": first.records - len(ids)}


#: How many of its records the headline names.
HEADLINE_RECORDS = 5


def excluded_counts(excluded: Iterable[ScoredRecord]) -> dict[str, int]:
    """How many records were left out, by reason (``duplicate of X`` counted as ``duplicate``), sorted."""
    reasons = Counter((record.excluded or "").split(" of ", 1)[0] for record in excluded)
    return dict(sorted(reasons.items()))


def _testing_gaps(gaps: TestingGaps) -> dict[str, Any]:
    """The analysis' testing gaps as report data, the stated gaps' text redacted."""
    return {
        "levels": [level.model_dump(mode="json") for level in gaps.levels],
        "stated": [
            {"id": gap.id, "component": gap.component, "layer": gap.layer.value, "status": gap.status.value,
             "level": gap.level, "gap": _redact_repeated(capped(gap.gap, TEXT_CHARS, f"record {gap.id}"))}
            for gap in gaps.stated
        ],
    }


def _counts(table: pd.DataFrame, column: str, kinds: Iterable[StrEnum]) -> dict[str, int]:
    found = table[column].value_counts() if len(table) else pd.Series(dtype="int64")
    return {kind.value: int(found.get(kind, 0)) for kind in kinds}


def _layers(analysis: Analysis) -> list[dict[str, Any]]:
    rows = []
    for layer in Layer:
        members = [c for c in analysis.components if c.layer == layer]
        rows.append({
            "layer": layer.value,
            "score": round(sum(c.score for c in members), 4),
            "records": sum(c.records for c in members),
            "components": len(members),
        })
    return rows


def counted(summary: InputSummary) -> str:
    """What an input held besides its records: a test report's tests, a log's entries."""
    if summary.tests:
        t = summary.tests
        parts = [f"{t['passed']:,} passed", f"{t['failed']:,} failed", plural(t["errors"], "error"),
                 f"{t['skipped']:,} skipped", *([f"{t['flaky']:,} flaky"] if t.get("flaky") else [])]
        return "tests: " + ", ".join(parts)
    if summary.logs:
        g = summary.logs
        return (f"log: {plural(g['entries'], 'entry', 'entries')}, {plural(g['templates'], 'template')}, "
                f"{plural(g['below_warning'], 'entry', 'entries')} below warning")
    return ""
