"""A log mined into templates: what each template saw, its records, and the rows ``riskmap templates`` shows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from riskmap.ingest.fields import stack_frames
from riskmap.ingest.logs.entries import Entry, dated_within, level_of, parse_time, severity_of
from riskmap.ingest.logs.layouts import Layout
from riskmap.ingest.logs.mining import Template, TemplateMiner, template_fingerprint
from riskmap.models import Kind, LogCounts, Record, Severity, Source, Status

#: An example entry kept as a record's description is cut here.
EXAMPLE_CHARS = 4000


@dataclass(slots=True)
class TemplateGroup:
    """What riskmap keeps of one template while a file is read."""

    template: Template
    first: Entry
    example: Entry
    severity: Severity | None = None
    level: str = ""
    #: Its entries at warning level or above: the record's occurrences.
    alerts: int = 0
    last_time: str = ""
    #: The line of the last entry with a time.
    last_line: int = 0
    components: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class MinedLog:
    """A log file mined into templates: each line's template, and each template's group."""

    layout: Layout
    miner: TemplateMiner
    line_templates: list[int]
    groups: list[TemplateGroup]
    entries: int


def mine_entries(entries: Iterable[Entry], layout: Layout, keep_lines: bool = False) -> MinedLog:
    """Put every entry into its template; note, per template, its severity, first/last seen and an example."""
    miner = TemplateMiner()
    add = miner.add
    groups: list[TemplateGroup] = []
    line_templates: list[int] = []
    count = 0
    for entry in entries:
        count += 1
        template = add(entry.message)
        number = template.number
        lines = len(entry.lines)
        if keep_lines:
            span = lines if entry.span is None else entry.span
            if span == 1:
                line_templates.append(number)
            else:
                line_templates.extend([number] * span)
        if number == len(groups):
            groups.append(TemplateGroup(template, entry, entry))
        group = groups[number]
        level = level_of(entry)
        severity = severity_of(level)
        if severity is not None:
            group.alerts += 1
            if group.severity is None or severity.rank < group.severity.rank:
                group.severity, group.level = severity, level
        if lines > 1 and len(group.example.lines) == 1:
            group.example = entry
        if entry.time:
            group.last_time, group.last_line = entry.time, entry.line
        if entry.component:
            components = group.components
            components[entry.component] = components.get(entry.component, 0) + 1
    settled = miner.settle()
    if len(miner.templates) < len(groups):
        groups = _merged_groups(groups, settled, miner.templates)
        line_templates = [settled[number] for number in line_templates]
    return MinedLog(layout, miner, line_templates, groups, count)


def _merged_groups(groups: list[TemplateGroup], settled: list[int], templates: list[Template]) -> list[TemplateGroup]:
    """The groups of templates merged when mining settled (:meth:`TemplateMiner.settle`), one per
    template left: the first entry of the earliest, the most severe level, counts added up."""
    merged: list[TemplateGroup] = []
    for number, group in enumerate(groups):
        new = settled[number]
        if new == len(merged):
            group.template = templates[new]
            merged.append(group)
            continue
        into = merged[new]
        into.alerts += group.alerts
        if group.severity is not None and (into.severity is None or group.severity.rank < into.severity.rank):
            into.severity, into.level = group.severity, group.level
        if len(group.example.lines) > 1 and len(into.example.lines) == 1:
            into.example = group.example
        if group.last_line > into.last_line:
            into.last_time, into.last_line = group.last_time, group.last_line
        for component, seen in group.components.items():
            into.components[component] = into.components.get(component, 0) + seen
    return merged


def log_records(
    mined: MinedLog, source_format: str, path: str, written: datetime | None = None
) -> Iterator[Record | LogCounts]:
    """One record per template at warning level or above, in first-seen order, then the counts.

    ``written`` (when the file was written, from a ``.gz`` header) dates year-less times (syslog)."""
    below = 0
    for group in mined.groups:
        below += group.template.size - group.alerts
        if group.severity is None:
            continue
        text = group.template.text
        print_ = template_fingerprint(text)
        example, first = group.example, group.first
        first_seen = parse_time(first.time, mined.layout)
        last_seen = parse_time(group.last_time, mined.layout)
        if written is not None and first_seen is None and first.time:
            first_seen = dated_within(first.time, written)
            last_seen = dated_within(group.last_time, written) if group.last_time else None
        extra: dict[str, Any] = {"template": text, "level": group.level, "layout": mined.layout.name}
        if first.time:
            extra["first_seen"] = first_seen.isoformat() if first_seen else first.time
        if group.last_time:
            extra["last_seen"] = last_seen.isoformat() if last_seen else group.last_time
        component = max(group.components, key=group.components.__getitem__) if group.components else None
        if component:
            extra["logger"] = component
        frames = stack_frames(example.text) if len(example.lines) > 1 else ()
        yield Record(
            id=f"log-{print_[:10]}",
            kind=Kind.log,
            source=Source(format=source_format, path=path, locator=f"line {first.line}"),
            title=text,
            description=example.text[:EXAMPLE_CHARS],
            severity=group.severity,
            severity_raw=group.level,
            status=Status.open,
            created_at=first_seen,
            # the stack trace says where the error is; the logger's name only where there is none
            component_hint=None if any(f.in_app for f in frames) else _component_name(component),
            frames=frames,
            occurrences=group.alerts,
            fingerprint=print_,
            extra=extra,
        )
    yield LogCounts(entries=mined.entries, templates=len(mined.groups), below_warning=below)


def _component_name(logger: str | None) -> str | None:
    """A logger or program name as a component hint (``sshd[42]`` gives ``sshd``)."""
    if not logger:
        return None
    return re.sub(r"\[[^\]]*\]$", "", logger) or None


def template_rows(mined: MinedLog) -> Iterator[tuple[int, str, str]]:
    """(line, template id, template) for every line of the log, in order: a traceback's lines carry
    the template of the entry they belong to; a JSON log has one row per event.

    Needs a log mined with ``keep_lines=True``.
    """
    texts = [template.text for template in mined.miner.templates]
    ids = [template_fingerprint(text) for text in texts]
    for number, template in enumerate(mined.line_templates, start=1):
        yield number, ids[template], texts[template]


def top_templates(mined: MinedLog, count: int) -> list[tuple[int, str, str, str]]:
    """The ``count`` most frequent templates: (entries, template id, level, template), most first,
    ties in first-seen order; ``-`` for the level of a template below warning."""
    ranked = sorted(mined.groups, key=lambda group: -group.template.size)[:count]
    return [(group.template.size, template_fingerprint(group.template.text), group.level or "-", group.template.text)
            for group in ranked]
