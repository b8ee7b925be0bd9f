"""Spec drafts as files: Kiro's requirements/design/tasks, or GitHub spec-kit's spec/plan/tasks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from riskmap.models import Layer, SpecDraft
from riskmap.render import template_environment
from riskmap.text import article, one_line, stable_hash

#: The first line of every spec file riskmap writes: how a later run tells its own files from edited ones.
#: The first line of every spec file riskmap writes, with a hash of the rest: a file whose rest still
#: has that hash is riskmap's own draft, unchanged since, and may be replaced; any other is a person's.
GENERATED_MARKER = "<!-- riskmap:generated {digest} -->"
_GENERATED = re.compile(r"<!-- riskmap:generated(?: ([0-9a-f]{16}))? -->\n")

#: A ``<`` that would open an HTML tag, closing tag, comment or processing instruction, and an
#: ``&`` that would start a character reference; with the backslashes just before them.
_MARKUP_START = re.compile(r"(\\*)(<(?=[A-Za-z/!?])|&(?=#[0-9]+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;))")

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
    """Untrusted text for a Markdown spec: one line, and nothing a Markdown viewer reads as HTML.

    Control characters become spaces; a ``<`` that would open a tag or comment (``<`` then a
    letter, ``/``, ``!`` or ``?``) and an ``&`` that would start an entity (``&name;``, ``&#..;``)
    get a backslash (the backslashes already before them are doubled, so each stays literal).
    Everything else, ``a >= b && c < 3`` for one, is written as it is.
    """
    if value is None:
        return ""
    text = one_line(str(value))
    return _MARKUP_START.sub(lambda found: found.group(1) * 2 + "\\" + found.group(2), text)


def cite(ids: list[str], limit: int = 25) -> str:
    """Record IDs as a citation, long lists cut with a count."""
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


class SpecRenderer:
    """Renders spec drafts with jinja2 templates (``kiro/*.md.j2`` or ``spec-kit/*.md.j2``)."""

    FILES: ClassVar[dict[SpecStyle, tuple[str, ...]]] = {SpecStyle.kiro: ("requirements.md", "design.md", "tasks.md"),
             SpecStyle.spec_kit: ("spec.md", "plan.md", "tasks.md")}

    def __init__(self, style: SpecStyle, templates: Path | None = None) -> None:
        self.style = style
        self._env = template_environment(templates, autoescape=False, finalize=escape_spec)
        self._env.filters["cite"] = cite
        self._env.filters["article"] = lambda word: article(str(word))
        self._env.globals.update(layer_meaning=LAYER_MEANING, layer_fix=LAYER_FIX, layer_errors=LAYER_ERRORS)

    def render(self, specs: list[SpecDraft], numbers: Mapping[str, int] | None = None) -> dict[str, bytes]:
        """Relative path -> file content, for every file of every spec.

        spec-kit folders are numbered (``001-orders``): by ``numbers`` (slug -> number, so a run can
        keep earlier features' numbers and continue after them), else 1, 2, 3 in order. Kiro folders
        are unnumbered.
        """
        files: dict[str, bytes] = {}
        for index, spec in enumerate(specs, start=1):
            number = numbers[spec.slug] if numbers else index
            folder = spec.slug if self.style == SpecStyle.kiro else f"{number:03d}-{spec.slug}"
            context = self._context(spec, folder)
            for name in self.FILES[self.style]:
                template = self._env.get_template(f"{self.style.value}/{name}.j2")
                files[f"{folder}/{name}"] = template.render(**context).encode("utf-8")
        return files

    def _context(self, spec: SpecDraft, folder: str) -> dict[str, Any]:
        """The template context: the spec, its folder, and spec-kit's running FR and task numbers."""
        fr: dict[tuple[int, int], int] = {}
        for requirement in spec.requirements:
            for position in range(1, len(requirement.criteria) + 1):
                fr[(requirement.number, position)] = len(fr) + 1
        tasks: dict[str, int] = {}
        for task in spec.tasks:
            for number in [sub.number for sub in task.subtasks] or [f"{task.number}.1"]:
                tasks[number] = len(tasks) + 1
        return {
            "spec": spec, "branch": folder,
            "fr_number": lambda requirement, position: fr[(requirement, position)],
            "task_number": lambda number: tasks[number],
        }


def stamp(content: bytes) -> bytes:
    """A spec file with riskmap's marker and the hash of the rest as its first line (replacing the
    templates' bare ``<!-- riskmap:generated -->``, or added above a user template's text)."""
    text = content.decode("utf-8")
    found = _GENERATED.match(text)
    body = text[found.end():] if found else text
    return (GENERATED_MARKER.format(digest=stable_hash("spec", body)) + "\n" + body).encode("utf-8")


def is_untouched(content: bytes) -> bool:
    """Whether a spec file is riskmap's own draft, unchanged since riskmap stamped it."""
    text = content.decode("utf-8", errors="replace")
    found = _GENERATED.match(text)
    return bool(found and found.group(1) == stable_hash("spec", text[found.end():]))
