"""A header layout learned from the file itself, for logs whose header is none of the known layouts.

The first lines are cut into fields (whitespace or ``|`` between them; a bracketed field may hold
spaces) and each field is given a kind: a value (dates and times in any order, epoch seconds,
counters, pids: digits with separators, or a month or weekday name), a level word, a bracketed
field, a ``name:`` (a program or logger, ``sshd[42]:``), a dash, an id (letters and digits: hosts,
nodes) or a plain word. Reading the columns left to right, the header is the longest run of
columns that keep their kind line after line and ends in a column of a telling kind (see
:func:`header_columns`); it has to hold a value, so a log whose lines merely start alike keeps
its words. The columns become one regular expression, so a learned layout reads as fast as a
known one. The time a learned header gives is read field by field (:func:`learned_time`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from riskmap.ingest.fields import as_datetime
from riskmap.ingest.logs.layouts import CONTINUATION, LEVEL_WORD, PLAIN, SAMPLE_LINES, Layout, known_layout

#: Columns of a line the header may span.
MAX_COLUMNS = 12
#: A column is part of a header when its kind is the same on at least this share of the lines ...
STABLE = 0.75
#: ... and the header ends in a column of a telling kind on at least this share of the lines.
TELLING = 0.9
#: A value after two plain words or more ends a header only when this share of the lines differ in it.
VARIED = 0.5
#: The learned header has to fit at least this share of the lines.
FIT = 0.5

_BRACKETED = r"\[(?:[^\[\]]|\[[^\]]*\])*\]:?|\((?:[^()]|\([^)]*\))*\):?|<[^<>\s]*>:?"
_FIELD = re.compile(_BRACKETED + r"|[^\s|]+")
_SEPARATOR = re.compile(r"[\s|]+")
_VALUE = re.compile(r"^[+-]?\d(?:[\d\-/:.,_T+]*\d)?[,:]?$")
_NAMED_TIME = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?$")
_LEVEL = re.compile(r"^(?i:" + LEVEL_WORD + r")[:,]?$|^[VDIWEFA]$")
_DASH = {"-", "--", "|", "::", ">"}

#: The kinds that may end a header, and those of them that always do (nothing of a header follows).
_TELLING_KINDS = frozenset({"value", "level", "bracket", "name", "dash", "id"})
_ENDING_KINDS = frozenset({"name", "dash"})
_FIELD_PATTERN = r"(?:" + _BRACKETED + r"|[^\s|\[(<][^\s|]*|[\[(<][^\s|]*)"
_KIND_PATTERNS = {
    "value": r"(?:\[[^\]]*\d[^\]]*\]|[^\s|]*\d[^\s|]*|[A-Z][a-z]{2,8},?)",
    "id": r"[^\s|]*\d[^\s|]*",
    "bracket": r"(?:" + _BRACKETED + r")",
    "name": r"(?P<component>[^\s|]+?):",
    "dash": r"(?:-{1,2}|\||::|>)",
    "level": r"(?P<level>(?i:" + LEVEL_WORD + r")|[VDIWEFA])[:,]?",
}


def field_kind(field: str) -> str:
    """What a header field looks like: value, level, bracket, name, dash, id or word."""
    if field in _DASH:
        return "dash"
    if _VALUE.match(field) or _NAMED_TIME.match(field):
        return "value"
    if _LEVEL.match(field):
        return "level"
    if field[0] in "[(<":
        inner = field.rstrip(":")[1:-1].split()
        if inner and all(_VALUE.match(part) or _NAMED_TIME.match(part) for part in inner):
            return "value"  # [10.30 16:49:06]
        return "bracket"
    if field.endswith(":") and len(field) > 1:
        return "name"
    if any(c.isdigit() for c in field) and any(c.isalpha() for c in field):
        return "id"
    return "word"


def line_fields(line: str) -> list[str]:
    """The first fields of a line (at most ``MAX_COLUMNS``)."""
    return [found.group() for _, found in zip(range(MAX_COLUMNS), _FIELD.finditer(line), strict=False)]


def header_columns(sample: Sequence[str]) -> list[str]:
    """The kinds of the header's columns, [] when the lines have no header in common.

    Columns are read left to right while their kind stays the same on at least ``STABLE`` of the
    lines (at most ``MAX_COLUMNS``). The header ends after the last column whose kind is telling
    (value, level, bracket, name, dash, id) on at least ``TELLING`` of the lines, so plain words in
    the middle (``RAS KERNEL``) belong to it when something telling follows them (a value after
    two words or more only when at least ``VARIED`` of the lines differ in it); a ``name:`` or a dash after the
    first column ends it at once. A header without a value column, or starting with a plain word
    or a ``name:``, is no header; a ``-`` counts as an empty field of its column's kind.
    """
    rows = [[field_kind(field) for field in line_fields(line)] for line in sample]
    if not rows:
        return []
    fields = [line_fields(line) for line in sample]
    kinds: list[str] = []
    end = 0
    for column in range(MAX_COLUMNS):
        counts = Counter(row[column] if column < len(row) else "" for row in rows)
        kind, count = counts.most_common(1)[0]
        dashes = counts.pop("dash", 0)
        if dashes and counts and counts.most_common(1)[0][0] and (kind != "dash" or column == 0):
            # "-" stands for an empty field: a column of values and dashes is a column of values
            kind, count = counts.most_common(1)[0]
            count += dashes
            if column == 0 and kind == "word":
                kind = "flag"  # "-" or a word: a field of flags (BGL's alert tags)
        if not kind or count < STABLE * len(rows):
            break
        kinds.append(kind)
        if kind in ("value", "id") and kinds[end:].count("word") > 1:
            # words are pulled into a header only by a value that varies (an epoch, a counter),
            # not by the number of a message that most lines share
            distinct = len({row[column] for row in fields if column < len(row)})
            if distinct < VARIED * len(rows):
                continue
        if kind in _TELLING_KINDS and count >= TELLING * len(rows):
            end = column + 1
            if kind in _ENDING_KINDS and column > 0:
                break
    kinds = kinds[:end]
    return kinds if "value" in kinds and kinds[0] not in ("word", "name") else []


def header_pattern(kinds: Sequence[str]) -> re.Pattern[str]:
    """The regular expression of a learned header: the first run of values is the time, a level
    column the level, a ``name:`` (else the last plain word) the component; only the last column
    must be of its kind, so a line whose header differs a little in the middle still fits."""
    first_value = kinds.index("value")
    time_end = first_value
    while time_end < len(kinds) and kinds[time_end] == "value":
        time_end += 1
    component_at = kinds.index("name") if "name" in kinds else max(
        (index for index, kind in enumerate(kinds) if kind == "word"), default=-1)
    level_at = kinds.index("level") if "level" in kinds else -1
    parts: list[str] = []
    last = len(kinds) - 1
    for index, kind in enumerate(kinds):
        if index == last:
            field = _KIND_PATTERNS.get(kind, _FIELD_PATTERN)
            if kind == "name" and index != component_at:
                field = r"[^\s|]+?:"
            if kind == "level" and index != level_at:
                field = field.replace("?P<level>", "?:")
        elif index == component_at:
            if kind == "name":
                field = r"(?P<component>[^\s|]+?):"
            elif index == last - 1 and kinds[last] == "dash":
                field = r"(?P<component>[^\s|][^|]*?)"  # a name before a dash may hold spaces
            else:
                field = r"(?P<component>[^\s|]+)"
        elif index == level_at:
            field = r"(?:(?P<level>(?i:" + LEVEL_WORD + r")|[VDIWEFA])[:,]?(?=[\s|])|" + _FIELD_PATTERN + r")"
        else:
            field = _FIELD_PATTERN
        if index == first_value:
            field = "(?P<time>" + field
        if index == time_end - 1:
            field += ")"
        parts.append(field)
    return re.compile(r"^[\s|]*" + r"[\s|]+".join(parts) + r"(?:[\s|]+|$)(?P<message>.*)$")


def learned_layout(kinds: Sequence[str], sample: Sequence[str]) -> Layout | None:
    """The learned header as a layout (``learned``), or None when it fits fewer than ``FIT`` of the lines."""
    pattern = header_pattern(kinds)
    fits = sum(1 for line in sample if pattern.match(line))
    if not kinds or fits < FIT * len(sample):
        return None
    return Layout("learned", "learned (" + " ".join(kinds) + ")", pattern, learned=True)


def detect_layout(lines: Iterable[str]) -> Layout:
    """The known header layout that fits at least half of the sample lines (not counting the lines
    of stack traces); failing that, or when only a bare timestamp (``iso``) fits, the header learned
    from the lines when it is more than a timestamp; else ``plain``."""
    sample = [line for line in lines if line.strip() and not CONTINUATION.match(line)][:SAMPLE_LINES]
    known = known_layout(sample)
    if known is PLAIN or known.name == "iso":
        kinds = header_columns(sample)
        if kinds and (known is PLAIN or set(kinds) != {"value"}):
            return learned_layout(kinds, sample) or known
    return known


# The parts of a learned header's time (:func:`learned_time`).
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})[-./](?P<month>\d{1,2})[-./](?P<day>\d{1,2})"
                         r"(?:[-T_:](?P<clock>\d{1,2}[.:]\d{2}[.:]\d{2}(?:[.,:]\d{1,9})?))?$")
_YEAR_LAST = re.compile(r"^(?P<first>\d{1,2})(?P<sep>[-./])(?P<second>\d{1,2})[-./](?P<year>\d{4})$")
_CLOCK = re.compile(
    r"^(?P<hour>\d{1,2})[.:](?P<minute>\d{2})(?:[.:](?P<second>\d{2})(?:[.,:](?P<fraction>\d{1,9}))?)?$")
_EPOCH_FIELD = re.compile(r"^(?:\d{9,10}|\d{12,13})(?:\.\d{1,9})?$")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def learned_time(text: str) -> datetime | None:
    """The time of a learned header (UTC), whatever the order and separators of its fields, or None
    when it has no year (``Jun 3 15:42:50``, ``03-17 16:13:38.000``: as for syslog).

    Read field by field, other fields (a pid, a counter) ignored: a date with the year first
    (``2005.06.03``, ``2005-06-03``, ``2005-06-03-15.42.50.675872`` with its clock), or last
    (``03/06/2005``: month first with ``/``, day first with ``.`` or ``-``, unless a part over 12
    says otherwise), or a month name, a day and a year (``Jun 3 15:42:50 2005``); a clock
    (``15:42:50.675``); epoch seconds or milliseconds (``1117838570``). A date with a clock wins
    over an epoch, an epoch over a date alone.
    """
    year = month = day = 0
    clock: re.Match[str] | None = None
    epoch: re.Match[str] | None = None
    for field in text.replace("[", " ").replace("]", " ").split():
        field = field.rstrip(",:")
        if found := _YEAR_FIRST.match(field):
            year, month, day = int(found["year"]), int(found["month"]), int(found["day"])
            clock = _CLOCK.match(found["clock"]) if found["clock"] else clock
        elif found := _YEAR_LAST.match(field):
            first, second = int(found["first"]), int(found["second"])
            day_first = first > 12 or (second <= 12 and found["sep"] != "/")
            year, month, day = int(found["year"]), *((second, first) if day_first else (first, second))
        elif found := _CLOCK.match(field):
            clock = clock or found
        elif found := _EPOCH_FIELD.match(field):
            epoch = epoch or found
        elif field[:3].lower() in _MONTHS and field.isalpha():
            month = _MONTHS[field[:3].lower()]
        elif field.isdigit() and len(field) <= 2 and month and not day:
            day = int(field)
        elif field.isdigit() and len(field) == 4 and not year:
            year = int(field)
    if year and month and day and (clock or not epoch):
        return _datetime(year, month, day, clock)
    return as_datetime(float(epoch.group())) if epoch else None


def _datetime(year: int, month: int, day: int, clock: re.Match[str] | None) -> datetime | None:
    hour = minute = second = micro = 0
    if clock:
        hour, minute, second = int(clock["hour"]), int(clock["minute"]), int(clock["second"] or 0)
        micro = int((clock["fraction"] or "0")[:6].ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        return None
