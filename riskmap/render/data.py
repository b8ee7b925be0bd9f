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
from riskmap.models import (
    Analysis,
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


_redact_repeated = lru_cache(maxsize=65536)(redact)


def iso(moment: datetime | None) -> str | None:
    """A UTC timestamp as ISO 8601 with a Z, or None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def shown(scored: ScoredRecord) -> ScoredRecord:
    """A record as a report may show it: e-mail addresses and tokens in its text hidden."""
    title, evidence = redact(scored.title), _redact_repeated(scored.evidence)
    detail = redact(scored.detail) if scored.detail else scored.detail
    if title is scored.title and evidence == scored.evidence and detail == scored.detail:
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
    components = [c.model_dump(mode="json") for c in analysis.components]
    by_name = {c["name"]: c for c in components}
    categories = sorted(table["category"].unique().tolist()) if len(table) else []
    cells = table.groupby(["component", "category"])["score"].sum().to_dict() if len(table) else {}
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
        },
        "inputs": [{**i.model_dump(mode="json"), "counted": counted(i)} for i in analysis.inputs],
        "layers": _layers(analysis),
        "components": components,
        "heatmap": {
            "categories": categories,
            "rows": [
                {"component": name, "layer": by_name[name]["layer"], "tier": by_name[name]["tier"],
                 "cells": {k: round(float(cells.get((name, k), 0.0)), 4) for k in categories}}
                for name in analysis.heatmap_rows
            ],
        },
        "roadmap": [item.model_dump(mode="json") for item in analysis.roadmap],
        "targets": [target.model_dump(mode="json") for target in analysis.targets],
        "layer_violations": [v.model_dump(mode="json") for v in analysis.violations],
        "testing_gaps": _testing_gaps(analysis.testing_gaps),
        "records": [*(shown(analysis.records[i]) for i in analysis.ranking), *map(shown, analysis.excluded)],
        "skipped": [
            {"source": {"format": skip.source.format, "path": skip.source.path, "locator": skip.source.locator},
             "reason": redact(skip.reason)}
            for skip in analysis.skipped
        ],
        "baseline": analysis.baseline.model_dump(mode="json") if analysis.baseline else None,
        "gate": gate,
        "trend": list(trend),
    }


def excluded_counts(excluded: Iterable[ScoredRecord]) -> dict[str, int]:
    """How many records were left out, by reason (``duplicate of X`` counted as ``duplicate``), sorted."""
    reasons = Counter((record.excluded or "").split(" of ", 1)[0] for record in excluded)
    return dict(sorted(reasons.items()))


def _testing_gaps(gaps: TestingGaps) -> dict[str, Any]:
    """The analysis' testing gaps as report data, the stated gaps' text redacted."""
    return {
        "levels": [level.model_dump(mode="json") for level in gaps.levels],
        "stated": [{**gap.model_dump(mode="json"), "gap": redact(gap.gap)} for gap in gaps.stated],
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
