"""A log read in parts: byte ranges aligned to entries, each read into partial aggregates, merged in order.

This is how the Dask engine reads a large log on several workers (and what its tests check against
the single-process reader). The driver plans the parts (:func:`plan_log`: the layout from the first
lines, split points moved forward to the start of an entry); a worker reads one part
(:func:`read_part`: entries, each message masked, and per distinct masked message its count, first
entry, example, worst level, last time and loggers); the driver merges the parts in file order
and mines each distinct masked message once, in first-seen order (:func:`finish_log`). The miner
sends a masked message it has placed to the same template again, so this gives the templates,
groups and records that reading the whole file in one process gives, whatever the split points.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

from riskmap.ingest.logs.entries import _GO_FRAME_LINE, Entry, level_of, read_entries, severity_of
from riskmap.ingest.logs.files import GZIP_MAGIC, open_text
from riskmap.ingest.logs.jsonlines import first_json_line, json_entries, json_line_entries
from riskmap.ingest.logs.layouts import CONTINUATION, LAYOUTS, PLAIN, SAMPLE_LINES, Layout
from riskmap.ingest.logs.learned import detect_layout
from riskmap.ingest.logs.mined import MinedLog, TemplateGroup, _merged_groups
from riskmap.ingest.logs.mining import TemplateMiner
from riskmap.models import Severity

#: A worker reads its byte range in chunks of about this size (ending at a line end).
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class LogPlan:
    """How one log file is read in parts: its kind (``log`` or ``json-log``), layout and byte ranges."""

    path: str
    kind: str
    layout: Layout
    #: (start, end) byte offsets; one part of (0, -1) reads the whole file as it is (gzip, a JSON document).
    ranges: tuple[tuple[int, int], ...]


@dataclass(slots=True)
class MessageStats:
    """What one part saw of one distinct masked message. Lines are the part's own (from 1); ``*_at``
    are entry ordinals (from 0) that order entries even where several share a line (a JSON export)."""

    first: Entry
    first_at: int
    count: int = 0
    alerts: int = 0
    #: The first entry of more than one line (a trace), if any.
    example: Entry | None = None
    example_at: int = 0
    severity: Severity | None = None
    level: str = ""
    #: The first entry at the worst severity.
    level_at: int = 0
    last_time: str = ""
    last_line: int = 0
    last_at: int = -1
    #: logger -> [entries, ordinal of the first].
    components: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class PartialLog:
    """One part of a log read: its lines, entries and, in first-seen order, its distinct masked messages."""

    lines: int
    entries: int
    messages: dict[tuple[str, ...], MessageStats]


def plan_log(path: str, kind: str, part_bytes: int) -> LogPlan:
    """Plan reading a log in parts of about ``part_bytes`` (see :func:`plan_at`)."""
    size = os.path.getsize(path)
    return plan_at(path, kind, range(part_bytes, size, max(part_bytes, 1)), size)


def plan_at(path: str, kind: str, offsets: Iterable[int], size: int | None = None) -> LogPlan:
    """Plan reading a log in parts split near ``offsets``: each moves forward to the start of a line
    that always starts an entry (:func:`starts_entry`). A gzip file, and a JSON log whose first line
    is not JSON (a pretty-printed document), are one part."""
    with open(path, "rb") as handle:
        head = handle.read(2)
    size = os.path.getsize(path) if size is None else size
    if kind == "json-log":
        layout = PLAIN
        splittable = head != GZIP_MAGIC and first_json_line(Path(path))[0]
    else:
        layout = detect_layout([line for _, line in zip(range(SAMPLE_LINES), open_text(Path(path)), strict=False)])
        splittable = head != GZIP_MAGIC
    points = [0]
    if splittable:
        with open(path, "rb") as handle:
            for offset in sorted(offsets):
                if offset <= points[-1] or offset >= size:
                    continue
                point = aligned(handle, offset, kind, layout)
                if point is not None and points[-1] < point < size:
                    points.append(point)
    if len(points) == 1:
        return LogPlan(path, kind, layout, ((0, -1),))
    points.append(size)
    return LogPlan(path, kind, layout, tuple(pairwise(points)))


def starts_entry(line: str, kind: str, layout: Layout) -> bool:
    """Whether a line starts an entry whatever came before it: the layout's header; without a
    layout, a line that is not blank, indented, a trace line or a Go frame; any JSON log line."""
    if kind == "json-log":
        return True
    if layout is not PLAIN:
        return layout.pattern.match(line) is not None
    return bool(line.strip()) and not CONTINUATION.match(line) and not _GO_FRAME_LINE.match(line)


def aligned(handle: BinaryIO, offset: int, kind: str, layout: Layout) -> int | None:
    """The first offset at or after ``offset`` where a line starting an entry begins (None: none)."""
    handle.seek(offset - 1)
    if handle.read(1) != b"\n":
        handle.readline()  # the rest of the line ``offset`` falls in
    while True:
        start = handle.tell()
        raw = handle.readline()
        if not raw:
            return None
        first = raw.decode("utf-8", "replace").rstrip("\n").replace("\r\n", "\n").split("\r", 1)[0]
        if starts_entry(first, kind, layout):
            return start


def range_lines(path: str, start: int, end: int) -> Iterator[str]:
    """The lines of bytes ``start`` to ``end`` (which fall on line starts), as :func:`open_text` gives
    them: undecodable bytes replaced, ``\\r\\n`` and ``\\r`` ending lines, a BOM dropped at the start."""
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start
        first = start == 0
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                break
            left -= len(chunk)
            if left > 0 and not chunk.endswith(b"\n"):
                rest = handle.readline(left)
                left -= len(rest)
                chunk += rest
            text = chunk.decode("utf-8-sig" if first else "utf-8", "replace")
            first = False
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            yield from lines


def read_part(plan: LogPlan, index: int) -> PartialLog:
    """Read one part of a planned log into its partial aggregates."""
    start, end = plan.ranges[index]
    path = plan.path
    layout = own_layout(plan.layout)
    if end < 0:
        lines: Iterable[str] = open_text(Path(path))
    else:
        lines = range_lines(path, start, end)
    counted = _Counted(lines)
    if plan.kind == "json-log":
        entries = json_entries(Path(path)) if end < 0 else json_line_entries(enumerate(counted, start=1))
    else:
        entries = read_entries(counted, layout)
    partial = partial_of(entries)
    partial.lines = counted.count  # a whole file's count matters to no part after it
    return partial


def own_layout(layout: Layout) -> Layout:
    """This process's own object for a known layout sent from another process (the readers tell
    ``PLAIN`` by identity); a learned layout as it is."""
    for known in (PLAIN, *LAYOUTS):
        if known == layout:
            return known
    return layout


class _Counted:
    """Lines, counted as they are read."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = lines
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.count += 1
            yield line


def partial_of(entries: Iterable[Entry]) -> PartialLog:
    """Entries into per-masked-message aggregates, in first-seen order."""
    masked = TemplateMiner().masked
    messages: dict[tuple[str, ...], MessageStats] = {}
    at = -1
    for at, entry in enumerate(entries):
        toks = masked(entry.message)
        stats = messages.get(toks)
        if stats is None:
            stats = messages[toks] = MessageStats(entry, at)
        stats.count += 1
        level = level_of(entry)
        severity = severity_of(level)
        if severity is not None:
            stats.alerts += 1
            if stats.severity is None or severity.rank < stats.severity.rank:
                stats.severity, stats.level, stats.level_at = severity, level, at
        if stats.example is None and len(entry.lines) > 1:
            stats.example, stats.example_at = entry, at
        if entry.time:
            stats.last_time, stats.last_line, stats.last_at = entry.time, entry.line, at
        if entry.component:
            seen = stats.components.get(entry.component)
            if seen is None:
                stats.components[entry.component] = [1, at]
            else:
                seen[0] += 1
    return PartialLog(0, at + 1, messages)


def merge_parts(parts: Sequence[PartialLog]) -> PartialLog:
    """Parts of one file, in file order, into one: lines and entries numbered from the file's start.
    Merging is associative: any grouping of neighbouring parts gives the same result."""
    messages: dict[tuple[str, ...], MessageStats] = {}
    lines = entries = 0
    for part in parts:
        for toks, stats in part.messages.items():
            shifted = _shifted(stats, lines, entries)
            into = messages.get(toks)
            if into is None:
                messages[toks] = shifted
            else:
                _add(into, shifted)
        lines += part.lines
        entries += part.entries
    return PartialLog(lines, entries, messages)


def _shifted(stats: MessageStats, lines: int, entries: int) -> MessageStats:
    """A part's stats numbered as if the part began after ``lines`` lines and ``entries`` entries."""
    if not lines and not entries:
        return replace(stats, components={name: list(seen) for name, seen in stats.components.items()})
    return MessageStats(
        replace(stats.first, line=stats.first.line + lines), stats.first_at + entries, stats.count, stats.alerts,
        None if stats.example is None else replace(stats.example, line=stats.example.line + lines),
        stats.example_at + entries, stats.severity, stats.level, stats.level_at + entries,
        stats.last_time, stats.last_line + lines if stats.last_at >= 0 else 0,
        stats.last_at + entries if stats.last_at >= 0 else -1,
        {name: [seen, at + entries] for name, (seen, at) in stats.components.items()},
    )


def _add(into: MessageStats, later: MessageStats) -> None:
    """Add the stats of a later stretch of the file to ``into``."""
    into.count += later.count
    into.alerts += later.alerts
    if into.example is None and later.example is not None:
        into.example, into.example_at = later.example, later.example_at
    if later.severity is not None and (into.severity is None or later.severity.rank < into.severity.rank):
        into.severity, into.level, into.level_at = later.severity, later.level, later.level_at
    if later.last_at >= 0:
        into.last_time, into.last_line, into.last_at = later.last_time, later.last_line, later.last_at
    for name, (seen, at) in later.components.items():
        known = into.components.get(name)
        if known is None:
            into.components[name] = [seen, at]
        else:
            known[0] += seen


def mined_from_parts(part: PartialLog, layout: Layout) -> MinedLog:
    """The file's mined log from its merged parts: each distinct masked message mined once, in
    first-seen order, and its template's group built as :func:`mine_entries` builds it."""
    miner = TemplateMiner()
    members: list[list[MessageStats]] = []
    for toks, stats in part.messages.items():
        number = miner.place(toks, stats.count).number
        if number == len(members):
            members.append([])
        members[number].append(stats)
    groups = [_group(miner, number, stats) for number, stats in enumerate(members)]
    settled = miner.settle()
    if len(miner.templates) < len(groups):
        groups = _merged_groups(groups, settled, miner.templates)
    return MinedLog(layout, miner, [], groups, part.entries)


def _group(miner: TemplateMiner, number: int, members: list[MessageStats]) -> TemplateGroup:
    """A template's group from the stats of its messages: the first entry, the first trace as the
    example, the worst level first reached, the last time, loggers in first-seen order."""
    first = min(members, key=lambda stats: stats.first_at).first
    traces = [stats for stats in members if stats.example is not None]
    example = first if len(first.lines) > 1 or not traces else min(traces, key=lambda s: s.example_at).example
    assert example is not None
    group = TemplateGroup(miner.templates[number], first, example)
    severe = [stats for stats in members if stats.severity is not None]
    if severe:
        worst = min(severe, key=lambda stats: (stats.severity.rank if stats.severity else 0, stats.level_at))
        group.severity, group.level = worst.severity, worst.level
    group.alerts = sum(stats.alerts for stats in members)
    timed = [stats for stats in members if stats.last_at >= 0]
    if timed:
        last = max(timed, key=lambda stats: stats.last_at)
        group.last_time, group.last_line = last.last_time, last.last_line
    loggers: dict[str, list[int]] = {}
    for stats in members:
        for name, (seen, at) in stats.components.items():
            known = loggers.get(name)
            if known is None:
                loggers[name] = [seen, at]
            else:
                known[0] += seen
                known[1] = min(known[1], at)
    group.components = {name: seen for name, (seen, _) in sorted(loggers.items(), key=lambda item: item[1][1])}
    return group


def finish_parts(plan: LogPlan, parts: Sequence[PartialLog]) -> MinedLog:
    """The mined log of a planned file from its parts read (in plan order)."""
    return mined_from_parts(merge_parts(parts), plan.layout)
