"""Log lines into entries (a header line and the lines that continue it), and an entry's level, severity and time."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from riskmap.ingest.fields import as_datetime
from riskmap.ingest.logs.layouts import CONTINUATION, LEVEL_WORD, PLAIN, Layout
from riskmap.ingest.logs.learned import learned_time
from riskmap.models import Severity

# Log levels, by the severity riskmap gives them; anything else (INFO, DEBUG ...) is below warning.
LEVELS: dict[str, Severity] = {
    **dict.fromkeys(("fatal", "critical", "crit", "emerg", "emergency", "alert", "panic", "f"), Severity.critical),
    **dict.fromkeys(("error", "err", "severe", "e"), Severity.high),
    **dict.fromkeys(("warn", "warning", "w"), Severity.low),
    "60": Severity.critical, "50": Severity.high, "40": Severity.low,  # pino's and bunyan's numbers
}
#: Words that give a header-less line its level, most severe first.
_TEXT_LEVELS = (
    (re.compile(r"\b(?:fatal|panic|emerg|emergency|critical)\b", re.I), "fatal"),
    (re.compile(r"\b(?:error|errors|exception|traceback|failed|failure)\b", re.I), "error"),
    (re.compile(r"\b(?:warn|warning)\b", re.I), "warning"),
)
_EPOCH = re.compile(r"^\d{9,}(?:\.\d+)?$")
_LEADING_LEVEL = re.compile(r"^\[?(?P<level>" + LEVEL_WORD + r")\]?(?::\s*|\s+)(?P<message>.*)$")
_GO_FRAME_LINE = re.compile(r"^[\w./*()-]+\(.*\)$")  # "main.handle(0x1, 0x2)" in a Go panic's dump


@dataclass(slots=True)
class Entry:
    """One log entry: its first line's parts and the lines that continue it."""

    line: int
    message: str
    time: str = ""
    level: str = ""
    component: str = ""
    lines: list[str] = field(default_factory=list)
    #: The lines of the file it spans, where that is not its own lines (a JSON log line: one).
    span: int | None = None

    @property
    def text(self) -> str:
        """The whole entry as written."""
        return "\n".join(self.lines)


def read_entries(lines: Iterable[str], layout: Layout) -> Iterator[Entry]:
    """Entries: with a header layout, a line without a header continues the entry before it;
    without one, indented lines and the lines of a traceback or panic do."""
    if layout is not PLAIN:
        yield from _header_entries(lines, layout)
        return
    current: Entry | None = None
    in_panic = False
    for number, line in enumerate(lines, start=1):
        if current is not None:
            if not line.strip() or CONTINUATION.match(line) or (in_panic and _GO_FRAME_LINE.match(line)):
                current.lines.append(line)
                continue
            yield current
        in_panic = line.startswith("panic: ")
        current = Entry(number, line.strip(), lines=[line])
        leading_level(current)
    if current is not None:
        yield current


def _header_entries(lines: Iterable[str], layout: Layout) -> Iterator[Entry]:
    """Entries of a file with a header layout: a line without a header continues the one before
    (with a learned header, only when it looks like a continuation: indented, blank, a trace)."""
    current: Entry | None = None
    match = layout.pattern.match
    learned = layout.learned
    for number, line in enumerate(lines, start=1):
        found = match(line)
        if found is None:
            if current is None:
                current = Entry(number, line.strip(), lines=[line])
            elif not learned or not line.strip() or CONTINUATION.match(line):
                current.lines.append(line)
            else:
                yield current
                current = Entry(number, line.strip(), lines=[line])
                leading_level(current)
            continue
        if current is not None:
            yield current
        current = _entry(number, line, found)
    if current is not None:
        yield current


def _entry(number: int, line: str, found: re.Match[str]) -> Entry:
    """The entry a header line starts; an access log's HTTP status gives its level (5xx error, 4xx warning)."""
    parts = found.groupdict("")
    entry = Entry(number, parts["message"].strip(), parts.get("time", ""), parts.get("level", ""),
                  parts.get("component", ""), [line])
    if parts.get("status"):
        status = int(parts["status"])
        entry.level = "error" if status >= 500 else "warning" if status >= 400 else "info"
        entry.message = f"{entry.message} {status}"
    return entry


def leading_level(entry: Entry) -> None:
    """A header-less line may still start with a level ("ERROR: ...", "[WARN] ..."): take it from the message."""
    found = _LEADING_LEVEL.match(entry.message)
    if found:
        entry.level, entry.message = found["level"], found["message"].strip()


def level_of(entry: Entry) -> str:
    """The entry's level as its header gives it; else from its words (fatal, error, warning); else ""."""
    if entry.level:
        return entry.level
    text = entry.message if len(entry.lines) == 1 else entry.text
    for pattern, level in _TEXT_LEVELS:
        if pattern.search(text):
            return level
    return ""


@cache  # a log writes a handful of level words, millions of times
def severity_of(level: str) -> Severity | None:
    """The severity of a level (critical, high or low); None below warning."""
    return LEVELS.get(level.lower())


def dated_within(text: str, written: datetime) -> datetime | None:
    """A year-less syslog time (``Jun 14 15:16:01``) in the year its file was written: that year, or the
    one before when the date would fall after the writing (December lines in a file rotated in January)."""
    for year in (written.year, written.year - 1):
        try:
            moment = datetime.strptime(f"{year} {' '.join(text.split())}", "%Y %b %d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:  # not such a time, or 29 February of a year without one
            continue
        if moment <= written:
            return moment
    return None


def parse_time(text: str, layout: Layout) -> datetime | None:
    """A header's time (ISO, the layout's own format, or a learned header's fields: :func:`learned_time`);
    None for times without a year (syslog)."""
    if not text:
        return None
    if not layout.time_formats:
        if _EPOCH.match(text):  # JSON logs: Unix seconds or milliseconds
            return as_datetime(float(text))
        parsed = as_datetime(text.replace(",", ".", 1) if "," in text else text)
        return learned_time(text) if parsed is None and layout.learned else parsed
    for time_format in layout.time_formats:
        try:
            parsed = datetime.strptime(text, time_format)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None
