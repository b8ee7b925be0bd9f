"""report.sarif: the open records as SARIF 2.1.0 results, for GitHub code scanning and other SARIF viewers.

Each open record (resolved ones are left out, so their alerts close) is a result at its file, and
line where a stack frame gives one, else at the input file it came from. ``partialFingerprints``
carry its stable identity (the tracker id, the test id, the log template), so a viewer matches it
across runs; with a ``--baseline`` its ``baselineState`` says whether it is new. Its component,
layer, tier, score and CODEOWNERS owners are in its ``properties``.
"""

from __future__ import annotations

from typing import Any

import orjson

from riskmap.analyze.baseline import scored_identity
from riskmap.models import ScoredRecord, Status

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/riskmap/riskmap"
#: SARIF's level of each severity.
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
#: SARIF's baselineState of each change: a regressed record is new again to a viewer.
BASELINE_STATES = {"new": "new", "regressed": "new", "updated": "updated", "unchanged": "unchanged"}
#: GitHub's security-severity (0-10) of each severity, which it shows for the rule.
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "medium": "5.0", "low": "2.0", "info": "0.0"}
_FINGERPRINT = "riskmapIdentity/v1"


def rule_id(record: ScoredRecord) -> str:
    """A record's rule: its kind and category (``riskmap/bug/data-integrity``)."""
    return f"riskmap/{record.kind.value}/{record.category.replace(' ', '-')}"


def open_records(report: dict[str, Any]) -> list[ScoredRecord]:
    """The records a code-quality tool should show: those not resolved, riskiest first."""
    return [record for record in report["records"] if record.status != Status.resolved]


def location(record: ScoredRecord) -> tuple[str, int | None]:
    """Where a result points: the record's file and line, else the input file it was read from."""
    if record.file:
        return record.file.replace("\\", "/"), record.line
    return record.source.path.replace("\\", "/"), None


def sarif_log(report: dict[str, Any]) -> dict[str, Any]:
    """The report as one SARIF 2.1.0 log with one run."""
    components = {c["name"]: c for c in report["components"]}
    records = open_records(report)
    rules: dict[str, int] = {}
    rule_objects: list[dict[str, Any]] = []
    results = []
    for record in records:
        rid = rule_id(record)
        if rid not in rules:
            rules[rid] = len(rule_objects)
            rule_objects.append({
                "id": rid,
                "name": "".join(part.capitalize() for part in rid.replace("/", "-").split("-")),
                "shortDescription": {"text": f"{record.kind.value} evidence of {record.category} failures"},
                "properties": {"tags": ["riskmap", record.kind.value, record.category]},
            })
        path, line = location(record)
        physical: dict[str, Any] = {"artifactLocation": {"uri": path}}
        if line:
            physical["region"] = {"startLine": line}
        component = components.get(record.component, {})
        result: dict[str, Any] = {
            "ruleId": rid,
            "ruleIndex": rules[rid],
            "level": LEVELS[record.severity.value],
            "message": {"text": f"{record.id}: {record.title}"[:1000]},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {_FINGERPRINT: scored_identity(record)},
            "properties": {
                "id": record.id, "kind": record.kind.value, "severity": record.severity.value,
                "security-severity": SECURITY_SEVERITY[record.severity.value], "status": record.status.value,
                "component": record.component, "layer": record.layer.value, "tier": component.get("tier"),
                "score": round(record.score, 4), "owners": component.get("owners", []),
                "source": record.source.path,
            },
        }
        if record.change is not None:
            result["baselineState"] = BASELINE_STATES[record.change]
            result["properties"]["change"] = record.change
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "riskmap", "version": report["generator"].split()[-1],
                            "informationUri": INFORMATION_URI, "rules": rule_objects}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"as_of": report["as_of"], "records": report["summary"]["records"],
                       "baseline": report["baseline"]["path"] if report.get("baseline") else None},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifRenderer:
    """Writes report.sarif."""

    name = "sarif"
    filename = "report.sarif"

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as SARIF 2.1.0 JSON bytes."""
        return orjson.dumps(sarif_log(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
