"""Report data: an Analysis as plain, sorted, JSON-ready data, built once for every renderer.

This is also the ``report.json`` contract (schema ``riskmap.report/1``); the README documents it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from riskmap import __version__
from riskmap.config import Config
from riskmap.models import Analysis, Layer, ScoredRecord, Severity, Status

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
    return _TOKEN.sub("<token>", text)


def iso(moment: datetime | None) -> str | None:
    """A timestamp as ISO 8601 UTC with a Z, or None."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def record_data(scored: ScoredRecord) -> dict[str, Any]:
    """One record as the report shows it."""
    record = scored.record
    return {
        "id": redact(record.id),
        "kind": record.kind.value,
        "title": redact(record.title),
        "severity": scored.severity.value,
        "severity_raw": record.severity_raw,
        "status": record.status.value,
        "created_at": iso(record.created_at),
        "layer": scored.placement.layer.value,
        "component": scored.placement.component,
        "category": scored.category,
        "score": scored.score,
        "occurrences": record.occurrences,
        "confidence": scored.placement.confidence,
        "evidence": redact(scored.placement.evidence),
        "category_evidence": scored.category_evidence,
        "fingerprint": scored.fingerprint,
        "source": {"format": record.source.format, "path": record.source.path, "locator": record.source.locator},
    }


def build_report(analysis: Analysis, config: Config) -> dict[str, Any]:
    """The whole report as plain data: every renderer draws from this."""
    records = sorted(
        analysis.records,
        key=lambda s: (-s.score, s.placement.component, s.record.id, s.record.source.path, s.record.source.locator),
    )
    components = [c.model_dump(mode="json") for c in analysis.components]
    categories = sorted({s.category for s in analysis.records})
    fingerprints = Counter(s.fingerprint for s in analysis.records)
    cells: Counter[tuple[str, str]] = Counter()
    for scored in analysis.records:
        cells[scored.placement.component, scored.category] += scored.score
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
            "open": sum(1 for s in analysis.records if s.record.status != Status.resolved),
            "by_severity": _counts((s.severity.value for s in analysis.records), [s.value for s in Severity]),
            "by_layer": _counts((s.placement.layer.value for s in analysis.records), [layer.value for layer in Layer]),
            "by_category": dict(sorted(Counter(s.category for s in analysis.records).items())),
            "by_tier": _counts((c["tier"] for c in components), ["critical", "high", "medium", "low"]),
            "unknown_severities": analysis.unknown_severities,
            "duplicate_groups": sum(1 for n in fingerprints.values() if n > 1),
        },
        "inputs": [i.model_dump(mode="json") for i in analysis.inputs],
        "layers": _layers(analysis),
        "components": components,
        "heatmap": {
            "categories": categories,
            "rows": [
                {"component": c["name"], "layer": c["layer"], "tier": c["tier"],
                 "cells": {k: round(cells.get((c["name"], k), 0.0), 4) for k in categories}}
                for c in sorted(components, key=lambda c: ([l.value for l in Layer].index(c["layer"]), -c["score"], c["name"]))
            ],
        },
        "roadmap": [item.model_dump(mode="json") for item in analysis.roadmap],
        "records": [record_data(s) for s in records],
        "skipped": [
            {"source": skip.source.model_dump(mode="json"), "reason": redact(skip.reason)}
            for skip in analysis.skipped
        ],
    }


def _counts(values, order: list[str]) -> dict[str, int]:
    counted = Counter(values)
    return {key: counted.get(key, 0) for key in order}


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
