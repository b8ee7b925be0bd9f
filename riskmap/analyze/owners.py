"""Where a record points in the code, and who owns a component by CODEOWNERS.

Pure: the pipeline reads the CODEOWNERS file; here its text is parsed and matched under GitHub's
rules (gitignore-style patterns, the last matching rule wins, a rule without owners unsets them).
A component is a module name (``adapters.dynamodb_repository``), so its owners are matched on its
files: the paths and in-app stack frames of its records, and its file in the ``--repo``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from riskmap.models import Analysis, Frame, Record


@dataclass(frozen=True, slots=True)
class OwnerRule:
    """One CODEOWNERS line: its pattern, the pattern as a regex, and its owners (none unsets them)."""

    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]


def record_location(record: Record, fault: Sequence[Frame]) -> tuple[str | None, int | None]:
    """The file a record points at and its line: its first path, else the file of its fault frame, the
    frame placement chose (``fault``: its ``components.fault_frames``).

    The line is the fault frame's; for a path, that of the innermost in-app frame in that file, when a
    frame gives one.
    """
    if not record.frames:
        return (record.paths[0], None) if record.paths else (None, None)
    if not record.paths:
        last = next((frame for frame in reversed(fault) if frame.file), None)
        return (last.file, last.line) if last else (None, None)
    file = record.paths[0]
    in_app = (frame for frame in reversed(record.frames) if frame.in_app and frame.file == file and frame.line)
    return file, next((frame.line for frame in in_app), None)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS pattern as a regex over a repository-relative path (gitignore rules).

    A pattern with a slash at its start or middle is anchored at the root; otherwise it matches at
    any depth. ``*`` and ``?`` stay inside one folder, ``**`` crosses folders. A pattern matching a
    folder matches everything under it; one ending in ``/`` matches only a folder's contents.
    """
    folder_only = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    out = []
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif body.startswith("**", index):
            out.append(".*")
            index += 2
        elif body[index] == "*":
            out.append("[^/]*")
            index += 1
        elif body[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(body[index]))
            index += 1
    head = "^" if anchored else "^(?:.*/)?"
    tail = "/.+$" if folder_only else "(?:/.*)?$"
    return re.compile(head + "".join(out) + tail)


def parse_codeowners(text: str) -> list[OwnerRule]:
    """The rules of a CODEOWNERS file, in file order; comments, blank lines and section headers skipped."""
    rules = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "[", "^[")):
            continue
        pattern, *owners = line.split()
        pattern = pattern.replace("\\#", "#")
        rules.append(OwnerRule(pattern, pattern_regex(pattern), tuple(owners)))
    return rules


def last_match(path: str, rules: Sequence[OwnerRule]) -> int | None:
    """The index of the last rule matching a repository-relative path (the one that decides), or None."""
    for index in range(len(rules) - 1, -1, -1):
        if rules[index].regex.match(path):
            return index
    return None


def path_owners(path: str, rules: Sequence[OwnerRule]) -> tuple[str, ...]:
    """The owners of a path as a record gives it: repository-relative, or absolute from another machine.

    Where the repository's root lies in ``/home/runner/work/app/src/x.py`` is not known, so the
    path is read from each of its folders on (``src/x.py``, ``app/src/x.py`` ...), and the reading
    whose deciding rule comes last in the file wins (the longest reading on a tie): the file's own
    order of precedence, as if the root were where the most specific rule says.
    """
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    best: int | None = None
    for start in range(len(parts)):
        found = last_match("/".join(parts[start:]), rules)
        if found is not None and (best is None or found > best):
            best = found
    return rules[best].owners if best is not None else ()


def component_files(analysis: Analysis, module_files: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Each component's files: those its records point at (most cited first) and its module's file."""
    cited: dict[str, Counter[str]] = {}
    for record, scored in zip(analysis.evidence, analysis.records, strict=True):
        pointed = {*record.paths, *(f.file for f in record.frames if f.in_app and f.file)}
        cited.setdefault(scored.component, Counter()).update(pointed)
    files: dict[str, list[str]] = {}
    for component in analysis.components:
        counts = cited.get(component.name, Counter())
        ordered = [path for path, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
        module = _module_file(component.name, module_files or {})
        files[component.name] = [module, *ordered] if module and module not in ordered else ordered
    return files


def _module_file(name: str, module_files: Mapping[str, str]) -> str | None:
    """The repository file of a component named after a module (``adapters.x`` finds ``src.adapters.x``)."""
    if name in module_files:
        return module_files[name]
    found = sorted(path for module, path in module_files.items() if module.endswith("." + name))
    return found[0] if len(found) == 1 else None


def with_owners(analysis: Analysis, rules: Sequence[OwnerRule], module_files: Mapping[str, str] | None = None
                ) -> Analysis:
    """The analysis with each component's owners: those of its files, in the order first found."""
    files = component_files(analysis, module_files)
    cache = lru_cache(maxsize=None)(lambda path: path_owners(path, rules))
    components = [
        component.model_copy(update={"owners": _unique(o for path in files[component.name] for o in cache(path))})
        for component in analysis.components
    ]
    return replace(analysis, components=components)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
