"""Log files: plain-text logs with a detected header layout, JSON Lines logs, and their ``.gz``.

A file is read into entries (a header line and the lines that continue it: tracebacks, Java
traces with "Caused by", Go panics), each entry's message is put into its template
(:mod:`riskmap.ingest.templates`), and every template seen at warning level or above becomes one
record: the template as its title, its entries at warning or above as occurrences, first and
last seen, and the frames of its stack trace. Entries below warning are counted, not kept.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

import orjson

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head
from riskmap.ingest.fields import as_datetime, as_text, stack_frames
from riskmap.ingest.jsondoc import progress_hook
from riskmap.ingest.templates import Template, TemplateMiner, template_fingerprint
from riskmap.models import Kind, LogCounts, Record, Severity, Source, Status

GZIP_MAGIC = b"\x1f\x8b"
#: Lines of the file's start that header detection looks at.
SAMPLE_LINES = 200
#: How often (in lines) reading a log reports its position.
PROGRESS_LINES = 20_000
#: An example entry kept as a record's description is cut here.
EXAMPLE_CHARS = 4000

# Log levels, by the severity riskmap gives them; anything else (INFO, DEBUG ...) is below warning.
LEVELS: dict[str, Severity] = {
    **dict.fromkeys(("fatal", "critical", "crit", "emerg", "emergency", "alert", "panic", "f"), Severity.critical),
    **dict.fromkeys(("error", "err", "severe", "e"), Severity.high),
    **dict.fromkeys(("warn", "warning", "w"), Severity.low),
    "60": Severity.critical, "50": Severity.high, "40": Severity.low,  # pino's and bunyan's numbers
}
_LEVEL_WORD = r"(?:TRACE|DEBUG|FINE|FINER|FINEST|CONFIG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|CRITICAL|CRIT|FATAL|ALERT|EMERG|PANIC)"
#: Words that give a header-less line its level, most severe first.
_TEXT_LEVELS = (
    (re.compile(r"\b(?:fatal|panic|emerg|emergency|critical)\b", re.I), "fatal"),
    (re.compile(r"\b(?:error|errors|exception|traceback|failed|failure)\b", re.I), "error"),
    (re.compile(r"\b(?:warn|warning)\b", re.I), "warning"),
)
_EPOCH = re.compile(r"^\d{9,}(?:\.\d+)?$")
_LEADING_LEVEL = re.compile(r"^\[?(?P<level>" + _LEVEL_WORD + r")\]?(?::\s*|\s+)(?P<message>.*)$")
_ISO = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z| ?[+-]\d{2}:?\d{2})?"
_SLASH_DATE = r"\d{2,4}/\d{2}/\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
_BRACKETS = r"(?:\[(?:[^\[\]]|\[[^\]]*\])*\]\s*[-|]?\s*)?"  # [thread], [QuorumPeer[myid=1]/...]
# After the time: "LEVEL [thread] logger: message" or "[thread] LEVEL logger - message" (log4j,
# logback, Hadoop, Spark, Zookeeper) ...
_LEVEL_FIRST = (r"[\s|-]*" + _BRACKETS + r"(?P<level>" + _LEVEL_WORD + r")\b:?\s*[-|]?\s*" + _BRACKETS
                + r"(?:(?P<component>[\w.$/@-]+(?:\[[^\]]*\])?)(?::\s+|\s+-\s+))?(?P<message>.*)$")
# ... or "logger - LEVEL - message" (Python's logging with a dashed format).
_NAME_FIRST = r"[\s|-]*(?P<component>[\w.$/@-]+)\s+-\s+(?P<level>" + _LEVEL_WORD + r")\s+-\s+(?P<message>.*)$"


@dataclass(frozen=True, slots=True)
class Layout:
    """A header layout: a name for messages and a pattern with time, level, component and message."""

    name: str
    pattern: re.Pattern[str]
    time_formats: tuple[str, ...] = ()


#: The header layouts riskmap detects; on a tie the earlier one wins.
LAYOUTS: tuple[Layout, ...] = (
    Layout("syslog", re.compile(
        r"^(?P<time>[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}) (?P<host>\S+) "
        r"(?:(?P<component>[^\s\[:]+)(?:\[\d+\])?: ?)?(?P<message>.*)$")),
    Layout("apache-error", re.compile(
        r"^\[(?P<time>[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\] "
        r"\[(?:(?P<component>[\w-]+):)?(?P<level>[a-z]+\d?)\](?: \[pid \d+(?::tid \d+)?\])?(?: \[client [^\]]+\])? ?(?P<message>.*)$"),
        ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S.%f %Y")),
    Layout("apache-access", re.compile(
        r'^(?P<host>\S+) \S+ \S+ \[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
        r'"(?P<message>[^"]*)" (?P<status>\d{3}) .*$'), ("%d/%b/%Y:%H:%M:%S %z",)),
    Layout("hdfs", re.compile(
        r"^(?P<time>\d{6} \d{6}) (?P<pid>\d+) (?P<level>[A-Z]+) (?P<component>[\w.$-]+): (?P<message>.*)$"),
        ("%y%m%d %H%M%S",)),
    Layout("glog", re.compile(
        r"^(?P<level>[IWEF])(?P<time>\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s+\d+ (?P<component>[^\]\s]+)\] (?P<message>.*)$")),
    Layout("lambda", re.compile(
        r"^\[(?P<level>[A-Z]+)\]\t(?P<time>" + _ISO + r")\t(?P<request>\S+)\t(?P<message>.*)$")),
    Layout("python", re.compile(
        r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<component>[\w.]*):(?P<message>.*)$")),
    Layout("log4j", re.compile(r"^\[?(?P<time>" + _ISO + r")\]?" + _LEVEL_FIRST)),
    Layout("python-dashed", re.compile(r"^\[?(?P<time>" + _ISO + r")\]?" + _NAME_FIRST)),
    Layout("log4j-slash-date", re.compile(r"^\[?(?P<time>" + _SLASH_DATE + r")\]?" + _LEVEL_FIRST),
           ("%y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")),
    Layout("iso", re.compile(r"^\[?(?P<time>" + _ISO + r")\]?\s*(?P<message>.*)$")),
)
PLAIN = Layout("plain", re.compile(r"^(?P<message>.*)$"))

# Lines that continue the entry before them when a file has no header layout to tell entries apart.
_CONTINUATION = re.compile(
    r"^(?:\s|Traceback \(most recent call last\):|Caused by:|During handling of the above exception"
    r"|The above exception was the direct cause|[\w.$]+(?:Error|Exception|Warning|Exit|Interrupt)\b(?::|$)"
    r"|goroutine \d+ \[|created by |exit status \d+$|\[signal |\.\.\. \d+ more)"
)
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


def open_text(path: Path) -> Iterator[str]:
    """The file's lines (without line ends), gunzipped when it is a ``.gz``; undecodable bytes
    replaced. Tells the progress hook how far into the file it is."""
    hook = progress_hook.get()
    try:
        with path.open("rb") as raw:
            total = path.stat().st_size
            binary = gzip.GzipFile(fileobj=raw) if raw.read(2) == GZIP_MAGIC else raw
            raw.seek(0)
            with io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    if hook is not None and number % PROGRESS_LINES == 0:
                        hook(raw.tell(), total)
                    yield line.rstrip("\n")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"a damaged .gz file: {exc}") from None


def open_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a gzip-compressed file, uncompressed."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"a damaged .gz file: {exc}") from None


def detect_layout(lines: Iterable[str]) -> Layout:
    """The header layout that fits most of the sample lines (at least half of them, not counting
    the lines of stack traces), else ``plain``."""
    sample = [line for line in lines if line.strip() and not _CONTINUATION.match(line)][:SAMPLE_LINES]
    best, best_hits = PLAIN, 0
    for layout in LAYOUTS:
        hits = sum(1 for line in sample if layout.pattern.match(line))
        if hits > best_hits:
            best, best_hits = layout, hits
    return best if best_hits * 2 >= len(sample) and best_hits else PLAIN


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
            if not line.strip() or _CONTINUATION.match(line) or (in_panic and _GO_FRAME_LINE.match(line)):
                current.lines.append(line)
                continue
            yield current
        in_panic = line.startswith("panic: ")
        current = Entry(number, line.strip(), lines=[line])
        _text_header(current)
    if current is not None:
        yield current


def _header_entries(lines: Iterable[str], layout: Layout) -> Iterator[Entry]:
    """Entries of a file with a header layout: a line without a header continues the one before."""
    current: Entry | None = None
    match = layout.pattern.match
    for number, line in enumerate(lines, start=1):
        found = match(line)
        if found is None:
            if current is None:
                current = Entry(number, line.strip(), lines=[line])
            else:
                current.lines.append(line)
            continue
        if current is not None:
            yield current
        current = _entry(number, line, found, layout)
    if current is not None:
        yield current


def _entry(number: int, line: str, found: re.Match[str], layout: Layout) -> Entry:
    parts = found.groupdict("")
    entry = Entry(number, parts["message"].strip(), parts.get("time", ""), parts.get("level", ""),
                  parts.get("component", ""), [line])
    if parts.get("status"):
        status = int(parts["status"])
        entry.level = "error" if status >= 500 else "warning" if status >= 400 else "info"
        entry.message = f"{entry.message} {status}"
    return entry


def _text_header(entry: Entry) -> None:
    """A header-less line may still start with a level ("ERROR: ...", "[WARN] ...")."""
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


def parse_time(text: str, layout: Layout) -> datetime | None:
    """A header's time (ISO or the layout's own format); None for times without a year (syslog)."""
    if not text:
        return None
    if not layout.time_formats:
        if _EPOCH.match(text):  # JSON logs: Unix seconds or milliseconds
            return as_datetime(float(text))
        return as_datetime(text.replace(",", ".", 1) if "," in text else text)
    for time_format in layout.time_formats:
        try:
            parsed = datetime.strptime(text, time_format)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


@dataclass(slots=True)
class _Group:
    """What riskmap keeps of one template while a file is read."""

    template: Template
    first: Entry
    example: Entry
    severity: Severity | None = None
    level: str = ""
    #: Its entries at warning level or above: the record's occurrences.
    alerts: int = 0
    last_time: str = ""
    components: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class MinedLog:
    """A log file mined into templates: each line's template, and each template's group."""

    layout: Layout
    miner: TemplateMiner
    line_templates: list[int]
    groups: list[_Group]
    entries: int


def mine_entries(entries: Iterable[Entry], layout: Layout, keep_lines: bool = False) -> MinedLog:
    """Put every entry into its template; note, per template, its severity, first/last seen and an example."""
    miner = TemplateMiner()
    add = miner.add
    groups: list[_Group] = []
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
            groups.append(_Group(template, entry, entry))
        group = groups[number]
        level = level_of(entry)
        severity = severity_of(level)
        if severity is not None:
            group.alerts += 1
            if group.severity is None or _RANK[severity] < _RANK[group.severity]:
                group.severity, group.level = severity, level
        if lines > 1 and len(group.example.lines) == 1:
            group.example = entry
        if entry.time:
            group.last_time = entry.time
        if entry.component:
            components = group.components
            components[entry.component] = components.get(entry.component, 0) + 1
    return MinedLog(layout, miner, line_templates, groups, count)


_RANK = {severity: rank for rank, severity in enumerate(Severity)}


def log_records(mined: MinedLog, source_format: str, path: str) -> Iterator[Record | LogCounts]:
    """One record per template at warning level or above, in first-seen order, then the counts."""
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


class TextLogIngester:
    """Plain-text logs whose header layout riskmap detects: syslog, Apache, log4j, Python, HDFS ..."""

    name = "log"
    summary = "text logs (syslog, Apache error/access, log4j/logback, Python logging, HDFS, glog, Lambda, ISO-timestamped), also .gz"
    reads_gzip = True

    def sniff(self, head: Head) -> str | None:
        """Most of the first lines start with one known header layout (or the file is named .log)."""
        lines = head.text.splitlines()
        lines = lines[:-1] or lines  # the head may end in the middle of a line
        if not lines or lines[0].startswith(("{", "[{", "<")) or lines[0].strip() == "[":
            return None
        layout = detect_layout(lines)
        if layout is not PLAIN:
            return f"log lines with a {layout.name} header"
        if head.path.name.lower().removesuffix(".gz").endswith((".log", ".out", ".err")) or head.path.suffix == ".gz":
            return "a .log file without a known header layout: one entry per line"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | LogCounts]:
        """Yield a record per template at warning level or above, then the file's counts."""
        yield from log_records(mine_text(path), self.name, str(path))


def mine_file(path: Path, keep_lines: bool = False) -> MinedLog:
    """Read and mine a log file, text or JSON."""
    return mine_json(path, keep_lines) if is_json_log(path) else mine_text(path, keep_lines)


def mine_text(path: Path, keep_lines: bool = False) -> MinedLog:
    """Read and mine a text log in one pass: its layout from the first lines, then every entry."""
    lines = open_text(path)
    sample = [line for _, line in zip(range(SAMPLE_LINES), lines)]
    layout = detect_layout(sample)
    return mine_entries(read_entries(chain(sample, lines), layout), layout, keep_lines)


def mine_json(path: Path, keep_lines: bool = False) -> MinedLog:
    """Read and mine a JSON log."""
    return mine_entries(json_entries(path), PLAIN, keep_lines)


# JSON logs ---------------------------------------------------------------------------------------

_MESSAGE_KEYS = ("message", "msg", "event", "@message", "log", "text")
_LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "lvl", "@level", "loglevel")
_TIME_KEYS = ("timestamp", "time", "@timestamp", "ts", "asctime", "date", "datetime")
_COMPONENT_KEYS = ("logger", "logger_name", "name", "service", "module", "location", "component")
_TRACE_KEYS = ("exception", "exc_info", "stack_trace", "stacktrace", "stack", "traceback", "error")
_WRAPPERS = ("events", "logEvents")


def _first(item: dict, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in item:
            return item[key]
        if "." in key:
            outer, inner = key.split(".", 1)
            if isinstance(item.get(outer), dict) and inner in item[outer]:
                return item[outer][inner]
    return None


def looks_like_log_object(item: Any) -> bool:
    """An object with a message and a level or time, and no tracker fields (title, summary ...)."""
    if not isinstance(item, dict):
        return False
    if _events(item) is not None:
        return True
    has_message = any(isinstance(item.get(key), str) for key in _MESSAGE_KEYS)
    tracker = any(key in item for key in ("title", "summary", "issue", "fields", "key", "Action", "$report_type"))
    return has_message and not tracker and (_first(item, _LEVEL_KEYS) is not None or _first(item, _TIME_KEYS) is not None)


def is_json_log(path: Path) -> bool:
    """Whether the file's first line is a JSON log object."""
    for line in open_text(path):
        text = line.strip()
        if not text:
            continue
        try:
            return looks_like_log_object(orjson.loads(text))
        except orjson.JSONDecodeError:
            return False
    return False


def json_entries(path: Path) -> Iterator[Entry]:
    """Entries of a JSON log: one object per line, or a whole document such as CloudWatch Logs'
    ``{"events": [...]}``. A line that is not JSON is kept as a plain entry."""
    lines = enumerate(open_text(path), start=1)
    found = next(((number, line) for number, line in lines if line.strip()), None)
    if found is None:
        raise InputError(str(path), "the file is empty")
    number, line = found
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError:
        yield from _json_entry(_document(path), number)
        return
    yield from _json_entry(item, number)
    for number, line in lines:
        text = line.strip()
        if not text:
            continue
        try:
            item = orjson.loads(text)
        except orjson.JSONDecodeError:
            yield Entry(number, text, lines=[line])
            continue
        yield from _json_entry(item, number)


def _document(path: Path) -> Any:
    """A JSON log written as one (pretty-printed) document; its events become entries."""
    try:
        document = orjson.loads(b"\n".join(line.encode() for line in open_text(path)))
    except orjson.JSONDecodeError as exc:
        raise InputError(str(path), f"invalid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(document, dict):
        raise InputError(str(path), "not a JSON log: expected an object with \"events\" or one object per line", "line 1")
    return document


def _events(item: dict) -> list | None:
    """The events an export object wraps (CloudWatch's ``events``, a subscription's ``logEvents``)."""
    return next((item[key] for key in _WRAPPERS if isinstance(item.get(key), list)), None)


def _json_entry(item: Any, number: int) -> Iterator[Entry]:
    if not isinstance(item, dict):
        yield Entry(number, as_text(item) or "", lines=[orjson.dumps(item).decode()])
        return
    events = _events(item)
    if events is not None:
        for event in events:
            yield from _json_entry(event, number)
        return
    message = as_text(_first(item, _MESSAGE_KEYS)) or ""
    if message.startswith("{"):
        try:
            inner = orjson.loads(message)
        except orjson.JSONDecodeError:
            inner = None
        if isinstance(inner, dict) and any(k in inner for k in _MESSAGE_KEYS):
            yield from _json_entry(inner, number)
            return
    time = _first(item, _TIME_KEYS)
    trace = _first(item, _TRACE_KEYS)
    trace_text = trace if isinstance(trace, str) else orjson.dumps(trace).decode() if trace else ""
    entry = Entry(number, message.split("\n", 1)[0].strip(), as_text(time) or "",
                  as_text(_first(item, _LEVEL_KEYS)) or "", as_text(_first(item, _COMPONENT_KEYS)) or "",
                  [*message.splitlines(), *trace_text.splitlines()] or [""], span=1)
    if not entry.level:
        _text_header(entry)
    yield entry


class JsonLogIngester:
    """JSON Lines logs (Powertools for AWS Lambda, structlog, pino, bunyan) and CloudWatch Logs exports."""

    name = "json-log"
    summary = "JSON Lines logs (Powertools for AWS Lambda, structlog, pino/bunyan) and CloudWatch Logs exports, also .gz"
    reads_gzip = True

    def sniff(self, head: Head) -> str | None:
        """The first line is a JSON object with a message and a level or time."""
        text = head.text
        if text.startswith("{") and re.search(r'"(?:events|logEvents)"\s*:\s*\[', text[:4096]) and '"message"' in text:
            return "a CloudWatch Logs export (an object with \"events\")"
        first = text.split("\n", 1)[0].strip()
        try:
            item = orjson.loads(first)
        except orjson.JSONDecodeError:
            return None
        if looks_like_log_object(item):
            return "JSON log lines (an object with a message and a level or time)"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | LogCounts]:
        """Yield a record per template at warning level or above, then the file's counts."""
        yield from log_records(mine_json(path), self.name, str(path))
