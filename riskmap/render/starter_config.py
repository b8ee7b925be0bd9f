"""The starter config ``riskmap init`` writes: the repository's components, their layers and why."""

from __future__ import annotations

import json
import re
from pathlib import Path

from riskmap.errors import UsageError
from riskmap.repo import StarterComponent

_HEADER = re.compile(r"^\s*\[\[?\s*tool\.riskmap(?:\.[^\]]*)?\s*\]\]?\s*$")
_ANY_HEADER = re.compile(r"^\s*\[")


def starter_config(target: Path, components: list[StarterComponent], force: bool) -> str:
    """The text of ``target`` with a ``[tool.riskmap]`` section for the components.

    An existing riskmap config (riskmap.toml, or [tool.riskmap] in pyproject.toml) is only
    replaced with ``force``; the rest of a pyproject.toml is kept as it is.
    """
    try:
        existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    except UnicodeDecodeError as exc:
        raise UsageError(f"{target}: not UTF-8 at byte {exc.start}; riskmap init reads the file it writes into "
                         "(a TOML file is UTF-8)") from None
    if target.name == "pyproject.toml":
        has_config = any(_HEADER.match(line) for line in existing.splitlines())
        kept = _without_riskmap(existing) if has_config else existing
    else:
        has_config, kept = bool(existing.strip()), ""
    if has_config and not force:
        raise UsageError(f"{target}: a riskmap config is there already; use --force to replace it")
    lines = [
        "# riskmap: written by `riskmap init` from the code; edit freely.",
        "# One component per module (per folder where a large folder is all of one layer),",
        "# with the layer its code shows and why. `riskmap analyze` reads it.",
        "[tool.riskmap]",
        "",
    ]
    for component in components:
        lines += [
            f"# {component.layer.value}: {component.why}",
            "[[tool.riskmap.components]]",
            f"name = {json.dumps(component.name)}",
            f"layer = {json.dumps(component.layer.value)}",
            f"paths = [{', '.join(json.dumps(p) for p in component.paths)}]",
            "",
        ]
    prefix = kept.rstrip("\n") + "\n\n" if kept.strip() else ""
    return prefix + "\n".join(lines)


def _without_riskmap(text: str) -> str:
    """A TOML text without its [tool.riskmap...] tables (and the comments just above them)."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if _HEADER.match(line):
            skipping = True
            while kept and kept[-1].lstrip().startswith("#"):
                kept.pop()
            continue
        if skipping and _ANY_HEADER.match(line):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"
