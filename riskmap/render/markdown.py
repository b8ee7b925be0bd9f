"""report.md: the report for a CI job summary or a pull-request comment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from riskmap.render import template_environment
from riskmap.text import CONTROL_CHARS

#: How many rows the Markdown report shows of each long list (the JSON has them all).
LIMITS = {"components": 25, "heatmap": 20, "roadmap": 30, "records": 30, "skipped": 20, "ids": 12}

_SPECIAL = re.compile(r"([\\`*_\[\]#|~!])")


def escape_markdown(value: Any) -> str:
    """Untrusted text made inert in Markdown: no markup, no HTML, no mentions, one line."""
    if value is None:
        return ""
    text = CONTROL_CHARS.sub(" ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
    return _SPECIAL.sub(r"\\\1", text)


class MarkdownRenderer:
    """Renders ``report.md.j2``; every ``{{ }}`` value is escaped on its way out."""

    name = "md"
    filename = "report.md"

    def __init__(self, templates: Path | None = None) -> None:
        self._env = template_environment(templates, autoescape=False, finalize=escape_markdown)

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as Markdown bytes."""
        template = self._env.get_template("report.md.j2")
        return template.render(report=report, limits=LIMITS).encode("utf-8")
