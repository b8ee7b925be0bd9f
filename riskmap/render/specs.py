"""Spec drafts as files: Kiro's requirements/design/tasks, or GitHub spec-kit's spec/plan/tasks."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from riskmap.analyze.specs import FAILURE_MODES
from riskmap.models import Layer, Severity, SpecDraft, Status
from riskmap.render import template_environment

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

LAYER_MEANING = {
    Layer.handler: "an inbound adapter that takes requests, events or commands into the service.",
    Layer.domain: "business logic, models and ports, free of infrastructure.",
    Layer.integration: "an outbound adapter that talks to databases, queues, event buses or other services.",
    Layer.unmapped: "evidence riskmap could not place in the hexagon.",
}
LAYER_FIX = {
    Layer.handler: "validate and translate at the edge, and map domain errors to responses.",
    Layer.domain: "change rules and models, and keep infrastructure out.",
    Layer.integration: "make the adapter honour its port's contract: retries, conditions, pagination and errors.",
    Layer.unmapped: "first find where the code lives, then fix it in its layer.",
}
LAYER_ERRORS = {
    Layer.handler: "Invalid requests are answered with a 4xx naming the problem; unexpected errors with a 500 "
                   "that carries a request id and no internals.",
    Layer.domain: "Rule violations raise domain errors that callers can tell apart; no infrastructure errors leak in.",
    Layer.integration: "Calls to dependencies are retried with backoff where idempotent; partial failures are "
                       "retried or reported; dependency errors are translated into the port's errors.",
    Layer.unmapped: "Errors are reported with enough context to place them.",
}


class SpecStyle(StrEnum):
    """The spec formats riskmap writes."""

    kiro = "kiro"
    spec_kit = "spec-kit"


def escape_spec(value: Any) -> str:
    """Untrusted text for a spec: one line, and no HTML."""
    if value is None:
        return ""
    text = _CONTROL.sub(" ", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cite(ids: list[str], limit: int = 25) -> str:
    """Record IDs as a citation, long lists cut with a count."""
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


class SpecRenderer:
    """Renders spec drafts with jinja2 templates (``kiro/*.md.j2`` or ``spec-kit/*.md.j2``)."""

    FILES = {SpecStyle.kiro: ("requirements.md", "design.md", "tasks.md"),
             SpecStyle.spec_kit: ("spec.md", "plan.md", "tasks.md")}

    def __init__(self, style: SpecStyle, templates: Path | None = None) -> None:
        self.style = style
        self._env = template_environment(templates, autoescape=False, finalize=escape_spec)
        self._env.filters["cite"] = cite
        self._env.filters["article"] = lambda word: f"{'an' if str(word)[:1] in 'aeiou' else 'a'} {word}"
        self._env.globals.update(
            layer_meaning=LAYER_MEANING, layer_fix=LAYER_FIX, layer_errors=LAYER_ERRORS,
            mode_meaning=lambda category: f"failures where {category} went wrong; the fix should "
            + FAILURE_MODES.get(category, {"shall": "behave as specified"})["shall"] + ".",
        )

    def render(self, specs: list[SpecDraft]) -> dict[str, bytes]:
        """Relative path -> file content, for every file of every spec."""
        files: dict[str, bytes] = {}
        for index, spec in enumerate(specs, start=1):
            folder = spec.slug if self.style == SpecStyle.kiro else f"{index:03d}-{spec.slug}"
            context = self._context(spec, folder)
            for name in self.FILES[self.style]:
                template = self._env.get_template(f"{self.style.value}/{name}.j2")
                files[f"{folder}/{name}"] = template.render(**context).encode("utf-8")
        return files

    def _context(self, spec: SpecDraft, folder: str) -> dict[str, Any]:
        fr = {}
        for requirement in spec.requirements:
            for position in range(1, len(requirement.criteria) + 1):
                fr[(requirement.number, position)] = len(fr) + 1
        tasks = {}
        for task in spec.tasks:
            for number in [sub.number for sub in task.subtasks] or [f"{task.number}.1"]:
                tasks[number] = len(tasks) + 1
        open_records = [r for r in spec.records if r.status != Status.resolved]
        critical = [r.id for r in open_records if r.severity == Severity.critical]
        high = [r.id for r in open_records if r.severity == Severity.high]
        targets = [
            f"Open critical records in {spec.component}: {len(critical)} now, 0 after"
            + (f" ({cite(critical)})" if critical else ""),
            f"Open high records in {spec.component}: {len(high)} now, at most {len(high) // 2} after"
            + (f" ({cite(high)})" if high else ""),
            f"Every record of this spec has a passing test at the level that would have caught it "
            f"({', '.join(f'{level} {n}' for level, n in spec.test_levels.items())})",
            f"riskmap no longer tiers {spec.component} {spec.tier.value} on the next export",
        ]
        return {
            "spec": spec, "branch": folder, "targets": targets,
            "fr_number": lambda requirement, position: fr[(requirement, position)],
            "task_number": lambda number: tasks[number],
        }
