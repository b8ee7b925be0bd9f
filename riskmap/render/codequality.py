"""codequality.json: the open records in GitLab's Code Quality format, for its merge-request widget.

One entry per open record (resolved ones are left out): ``description``, ``check_name``, a
``fingerprint`` unique in the file and stable across runs (from the record's identity, so GitLab
marks entries new or resolved), ``severity`` (info, minor, major, critical, blocker) and
``location.path`` with ``location.lines.begin``.
"""

from __future__ import annotations

from typing import Any

import orjson

from riskmap.analyze.baseline import scored_identity
from riskmap.render.sarif import location, open_records, rule_id
from riskmap.text import stable_hash

#: GitLab's severity of each riskmap severity.
SEVERITIES = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor", "info": "info"}


def code_quality(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's open records as GitLab Code Quality entries."""
    owners = {c["name"]: c.get("owners", []) for c in report["components"]}
    entries = []
    seen: set[str] = set()
    for record in open_records(report):
        identity = scored_identity(record)
        fingerprint = stable_hash("codequality", identity)
        repeat = 1
        while fingerprint in seen:
            repeat += 1
            fingerprint = stable_hash("codequality", f"{identity}\x1f{repeat}")
        seen.add(fingerprint)
        path, line = location(record)
        entries.append({
            "description": f"{record.id}: {record.title}"[:1000],
            "check_name": rule_id(record),
            "fingerprint": fingerprint,
            "severity": SEVERITIES[record.severity.value],
            "location": {"path": path, "lines": {"begin": line or 1}},
            "categories": ["Bug Risk"],
            "type": "issue",
            "content": {"body": f"component {record.component} ({record.layer.value}); score {record.score:.2f}"
                        + (f"; owners {' '.join(owners.get(record.component, []))}"
                           if owners.get(record.component) else "")
                        + (f"; {record.change} since the baseline" if record.change else "")},
        })
    return entries


class CodeQualityRenderer:
    """Writes codequality.json."""

    name = "codequality"
    filename = "codequality.json"

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as GitLab Code Quality JSON bytes."""
        return orjson.dumps(code_quality(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
