"""report.md: the report for a CI job summary or a pull-request comment."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskmap.render import template_environment
from riskmap.text import one_line

#: How many rows the Markdown report shows of each long list (the JSON has them all).
LIMITS = {"components": 25, "heatmap": 25, "roadmap": 30, "records": 30, "skipped": 20, "ids": 12, "changes": 30,
          "trend": 10, "inputs": 40}
#: The most characters report.md may hold: a GitHub comment holds 65,536, and a job summary is shown whole
#: up to 1 MiB. Over it, the lists are shortened (halved, then halved again ...) until it fits.
MAX_CHARS = 60_000

_SPECIAL = re.compile(r"([\\`*_\[\]#|~!])")


def escape_markdown(value: Any) -> str:
    """Untrusted text made inert in Markdown: no markup, no HTML, no mentions, one line."""
    if value is None:
        return ""
    text = one_line(str(value))
    text = _SPECIAL.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    # after the escapes, or the # of the entity would be escaped too and shown as text
    return text.replace("@", "&#64;")


class MarkdownRenderer:
    """Renders ``report.md.j2``; every ``{{ }}`` value is escaped on its way out."""

    name = "md"
    filename = "report.md"

    def __init__(self, templates: Path | None = None) -> None:
        self._env = template_environment(templates, autoescape=False, finalize=escape_markdown)

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as Markdown bytes, never over MAX_CHARS characters (see ``fitted``)."""
        template = self._env.get_template("report.md.j2")
        return fitted(lambda limits: template.render(report=report, limits=limits)).encode("utf-8")


def fitted(render: Callable[[dict[str, int]], str], limits: dict[str, int] = LIMITS, most: int = MAX_CHARS) -> str:
    """The text ``render`` gives under ``limits``, with every limit halved until it is at most ``most``
    characters; if even one row of each list is too long, the text cut at a line end, saying so."""
    text = render(limits)
    while len(text) > most and any(value > 1 for value in limits.values()):
        limits = {name: max(1, value // 2) for name, value in limits.items()}
        text = render(limits)
    if len(text) <= most:
        return text
    note = "\n\n**report.md was cut here to fit a comment; report.json has everything.**\n"
    cut = text.rfind("\n", 0, most - len(note))
    return text[: max(cut, 0)] + note
