"""The starter config ``riskmap init`` writes: the repository's components, their layers and why."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from riskmap.analyze.components import module_name
from riskmap.errors import UsageError
from riskmap.models import Layer

#: A folder with more modules than this, all of one layer, becomes one component.
PACKAGE_MODULES = 6
_HEADER = re.compile(r"^\s*\[\[?\s*tool\.riskmap(?:\.[^\]]*)?\s*\]\]?\s*$")
_ANY_HEADER = re.compile(r"^\s*\[")


@dataclass(frozen=True, slots=True)
class StarterComponent:
    """One component of a starter config."""

    name: str
    layer: Layer
    paths: tuple[str, ...]
    why: str


def starter_components(repo_map) -> list[StarterComponent]:
    """One component per module, or per folder where a large folder is all of one layer."""
    by_folder: dict[str, list] = {}
    for module in repo_map.modules.values():
        by_folder.setdefault(str(PurePosixPath(module.path).parent), []).append(module)
    components = []
    for folder, modules in sorted(by_folder.items()):
        layers = {m.layer for m in modules}
        if len(modules) > PACKAGE_MODULES and len(layers) == 1:
            reasons = sorted({m.why for m in modules})
            why = f"{len(modules)} modules: " + "; ".join(reasons[:2]) + ("; ..." if len(reasons) > 2 else "")
            components.append(StarterComponent(module_name(folder + "/__init__.py").removesuffix(".__init__"),
                                               layers.pop(), (f"*{folder}/*",), why))
            continue
        for m in sorted(modules, key=lambda m: m.path):
            components.append(StarterComponent(module_name(m.path), m.layer, (f"*{m.path}",), m.why))
    order = {layer: i for i, layer in enumerate(Layer)}
    return sorted(components, key=lambda c: (order[c.layer], c.name))


def starter_config(target: Path, components: list[StarterComponent], force: bool) -> str:
    """The text of ``target`` with a ``[tool.riskmap]`` section for the components.

    An existing riskmap config (riskmap.toml, or [tool.riskmap] in pyproject.toml) is only
    replaced with ``force``; the rest of a pyproject.toml is kept as it is.
    """
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
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
