"""JSON logs: one object per line (Powertools for AWS Lambda, structlog, pino, bunyan) or a
CloudWatch Logs export, each event an entry."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head
from riskmap.ingest.fields import as_text
from riskmap.ingest.logs.entries import Entry, leading_level
from riskmap.ingest.logs.files import open_text
from riskmap.ingest.logs.layouts import PLAIN
from riskmap.ingest.logs.mined import MinedLog, log_records, mine_entries
from riskmap.models import LogCounts, Record

_MESSAGE_KEYS = ("message", "msg", "event", "@message", "log", "text")
_LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "lvl", "@level", "loglevel")
_TIME_KEYS = ("timestamp", "time", "@timestamp", "ts", "asctime", "date", "datetime")
_COMPONENT_KEYS = ("logger", "logger_name", "name", "service", "module", "location", "component")
_TRACE_KEYS = ("exception", "exc_info", "stack_trace", "stacktrace", "stack", "traceback", "error")
_WRAPPERS = ("events", "logEvents")


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
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
    timed = _first(item, _LEVEL_KEYS) is not None or _first(item, _TIME_KEYS) is not None
    return has_message and not tracker and timed


def is_json_log(path: Path) -> bool:
    """Whether the file's first line is a JSON log object."""
    is_json, item = first_json_line(path)
    return is_json and looks_like_log_object(item)


def first_json_line(path: Path) -> tuple[bool, Any]:
    """Whether the file's first line that is not blank is JSON, and its value (False, None when it is not)."""
    for line in open_text(path):
        text = line.strip()
        if not text:
            continue
        try:
            return True, orjson.loads(text)
        except orjson.JSONDecodeError:
            return False, None
    return False, None


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
    yield from json_line_entries(lines)


def json_line_entries(numbered: Iterable[tuple[int, str]]) -> Iterator[Entry]:
    """Entries of numbered JSON log lines: blank lines are passed over, and a line that is not JSON is
    a plain entry."""
    for number, line in numbered:
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
        raise InputError(str(path), 'not a JSON log: expected an object with "events" or one object per line', "line 1")
    return document


def _events(item: dict[str, Any]) -> list[Any] | None:
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
        leading_level(entry)
    yield entry


class JsonLogIngester:
    """JSON Lines logs (Powertools for AWS Lambda, structlog, pino, bunyan) and CloudWatch Logs exports."""

    name = "json-log"
    summary = ("JSON Lines logs (Powertools for AWS Lambda, structlog, pino/bunyan) and CloudWatch Logs exports, "
               "also .gz")
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
        yield from self.records(mine_json(path), path)

    def records(self, mined: MinedLog, path: Path) -> Iterator[Record | LogCounts]:
        """The records and counts of a mined JSON log, read whole or in parts."""
        yield from log_records(mined, self.name, str(path))


def mine_json(path: Path, keep_lines: bool = False) -> MinedLog:
    """Read and mine a JSON log."""
    return mine_entries(json_entries(path), PLAIN, keep_lines)
