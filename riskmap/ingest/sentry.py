"""Sentry: issues and events as its web API returns them, raw SDK events, and envelopes.

Titles are Sentry's own: the API's ``title`` where given, else computed as Sentry computes it (the
main exception's ``Type: first line of value``, or the formatted ``logentry`` with its params).
Ids are Sentry's: an issue's short id, or the issue id (``groupID``) an event carries, so that an
issue and its events are one record once ``link_issue_ids`` has seen them together. Severity comes
from ``level``; performance and transaction issues are kept but excluded (they are not crashes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head, strip_bom
from riskmap.ingest.fields import as_datetime, as_status, as_text
from riskmap.ingest.jsondoc import dig, items_of, json_items, type_name
from riskmap.models import FileResult, Frame, Kind, Record, Severity, Skipped, Source

_ISSUE = re.compile(r'"(?:shortId|culprit|issue\.id)"\s*:')
_EVENT = re.compile(r'"(?:eventID|event_id)"\s*:')
_STACK = re.compile(r'"(?:entries|exception|logentry|sentry\.interfaces\.(?:Exception|Message))"\s*:')
_ENVELOPE_ITEM = re.compile(rb'^\{\s*"type"\s*:\s*"[a-z_]+"')


def is_issue(item: dict[str, Any]) -> bool:
    """An issue (an error group) of Sentry's web API, or a Discover row about one."""
    return "shortId" in item or "issue.id" in item or ("culprit" in item and ("count" in item or "firstSeen" in item))


def is_event(item: dict[str, Any]) -> bool:
    """An event, as the web API returns it or as an SDK sends it."""
    return ("eventID" in item or "event_id" in item or "exception" in item or "entries" in item) and any(
        key in item for key in ("entries", "exception", "message", "logentry", "title", "sentry.interfaces.Exception",
                                "sentry.interfaces.Message"))


class SentryIngester:
    """Sentry issues (one record each, occurrences from their count) and events (one each)."""

    name = "sentry"
    summary = "Sentry: issues and events from the web API (one or a list), raw SDK events, envelopes"
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """Sentry's issue keys (shortId, culprit), event keys with stack data, or an envelope."""
        text = head.text
        if text[:1] not in "[{":
            return None
        lines = head.data.split(b"\n", 2)
        if len(lines) > 2 and _ENVELOPE_ITEM.match(lines[1].strip()) and b'"event_id"' in lines[0] + lines[1]:
            return "a Sentry envelope (a header line, then item headers and payloads)"
        if _ISSUE.search(text) and ('"firstSeen"' in text or '"shortId"' in text or '"count()"' in text):
            return "Sentry issue objects (shortId, culprit, firstSeen)"
        if _EVENT.search(text) and _STACK.search(text):
            return "Sentry event objects (event id with exception or entries)"
        if '"eventID"' in text:
            return "Sentry objects with event ids"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        """Yield one record per issue or event."""
        name = str(path)
        items = envelope_items(path) if _is_envelope(path) else json_items(
            path, wrapper_keys=("issues", "events", "data", "results"), single=lambda d: is_issue(d) or is_event(d))
        for locator, item, error in items:
            source = Source(format=self.name, path=name, locator=locator)
            if error:
                yield Skipped(source=source, reason=error)
            elif isinstance(item, dict) and is_issue(item):
                yield issue_record(item, source)
            elif isinstance(item, dict) and is_event(item):
                yield event_record(item, source)
            else:
                what = "a user report" if isinstance(item, dict) and "comments" in item else type_name(item)
                yield Skipped(source=source, reason=f"not a Sentry issue or event ({what})")


def _is_envelope(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.readline()
        return bool(_ENVELOPE_ITEM.match(handle.readline().strip()))


def envelope_items(path: Path) -> Iterator[tuple[str, Any, str | None]]:
    """The event payloads of a Sentry envelope: a header line, then item headers and payloads."""
    data = strip_bom(path.read_bytes())
    header_end = data.find(b"\n")
    if header_end < 0:
        raise InputError(str(path), "an envelope with only a header line", "line 1")
    try:
        envelope = orjson.loads(data[:header_end])
    except orjson.JSONDecodeError as exc:
        raise InputError(str(path), f"invalid envelope header: {exc.msg}", "line 1") from None
    position, number = header_end + 1, 1
    while position < len(data):
        line, position = _line_at(data, position)
        number += 1
        if not line.strip():
            continue
        try:
            item_header, problem = orjson.loads(line), "not an object"
        except orjson.JSONDecodeError as exc:
            item_header, problem = None, exc.msg
        if not isinstance(item_header, dict):
            yield f"line {number}", None, f"invalid item header: {problem}"
            return
        length = item_header.get("length")
        if isinstance(length, int):
            payload, position = data[position:position + length], position + length + 1
        else:
            payload, position = _line_at(data, position)
        number += 1
        if item_header.get("type") != "event":
            continue
        try:
            event = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            yield f"item at line {number}", None, f"invalid event payload: {exc.msg}"
            continue
        if isinstance(event, dict) and "event_id" not in event and isinstance(envelope, dict):
            event["event_id"] = envelope.get("event_id")
        yield f"item at line {number}", event, None


def _line_at(data: bytes, position: int) -> tuple[bytes, int]:
    """The line starting at ``position`` (without its newline), and where the next one starts."""
    end = data.find(b"\n", position)
    end = len(data) if end < 0 else end
    return data[position:end], end + 1


def issue_record(item: dict[str, Any], source: Source) -> Record | Skipped:
    """A Sentry issue: one group of identical errors."""
    title = as_text(item.get("title")) or _metadata_title(item.get("metadata"))
    if title is None:
        return Skipped(source=source, reason="a Sentry issue without a title")
    culprit = as_text(item.get("culprit"))
    filename = as_text(dig(item, "metadata", "filename"))
    count = item.get("count", item.get("count()"))
    level = as_text(item.get("level"))
    return Record(
        id=as_text(item.get("shortId")) or as_text(item.get("issue")) or as_text(item.get("id"))
        or as_text(item.get("issue.id")) or title,
        kind=Kind.log,
        source=source,
        title=title,
        description=culprit or "",
        severity=level_severity(level),
        severity_raw=level or as_text(item.get("priority")),
        status=as_status(as_text(item.get("status"))),
        created_at=as_datetime(item.get("firstSeen") or item.get("last_seen()")),
        resolved_at=None,
        category=None,
        component_hint=culprit if culprit and _ROUTE.match(culprit) else None,
        labels=tuple(t for t in (as_text(dig(item, "project", "slug")), as_text(item.get("platform"))) if t),
        paths=(filename,) if filename else (),
        frames=_culprit_frames(culprit, filename),
        occurrences=max(1, int(count)) if isinstance(count, int | str) and str(count).isdigit() else 1,
        excluded=issue_exclusion(as_text(item.get("issueCategory")), as_text(item.get("issueType"))),
        extra={**{k: item.get(k) for k in ("permalink", "lastSeen", "level", "priority", "issueType", "issueCategory",
                                           "userCount", "metadata") if item.get(k) is not None},
               **({"sentry_issue_id": str(item["id"])} if item.get("shortId") and item.get("id") else {})},
    )


def event_record(item: dict[str, Any], source: Source) -> Record | Skipped:
    """One Sentry event: the API's shape (``entries``) or an SDK's (``exception``)."""
    exceptions = _exceptions(item)
    message = event_message(item)
    title = as_text(item.get("title")) or exception_title(item, exceptions) or (
        truncate(message.strip().splitlines()[0], 100) if message and message.strip() else None)
    if title is None:
        return Skipped(source=source, reason="a Sentry event with no exception, message or title")
    has_exception = bool(exceptions)
    frames = tuple(frame for exception in exceptions for frame in _frames(exception))
    raw_tags = item.get("tags")
    tags: dict[Any, Any] = {}
    if isinstance(raw_tags, list):
        tags = {t.get("key"): t.get("value") for t in raw_tags if isinstance(t, dict)}
    elif isinstance(raw_tags, dict):
        tags = raw_tags
    level = as_text(item.get("level")) or as_text(tags.get("level"))
    event_type = as_text(item.get("type"))
    issue = as_text(item.get("issue")) or as_text(item.get("groupID")) or as_text(item.get("group_id"))
    return Record(
        id=issue or as_text(item.get("eventID")) or as_text(item.get("event_id")) or as_text(item.get("id")) or title,
        kind=Kind.log,
        source=source,
        title=title,
        description="\n".join(t for t in (message if has_exception else None, culprit(item, exceptions)) if t),
        severity=level_severity(level),
        severity_raw=level,
        excluded=event_exclusion(event_type, dig(item, "occurrence", "type")),
        created_at=as_datetime(item.get("dateCreated") or item.get("timestamp") or item.get("datetime")),
        labels=tuple(f"{k}:{v}" for k, v in sorted(tags.items()) if isinstance(k, str) and isinstance(v, str)
                     and k in ("environment", "release", "transaction", "handled", "mechanism")),
        frames=frames,
        extra={**{k: item.get(k) for k in ("groupID", "platform", "release", "transaction", "culprit")
                  if item.get(k) is not None},
               **({"event_id": as_text(item.get("eventID")) or as_text(item.get("event_id"))} if issue else {})},
    )


def _exceptions(item: dict[str, Any]) -> list[dict[str, Any]]:
    """An event's exceptions, innermost last: ``exception.values``, a bare list (older SDKs, sentry-elixir
    before 8), the legacy ``sentry.interfaces.Exception`` key, or the API's exception entry."""
    exception = item.get("exception", item.get("sentry.interfaces.Exception"))
    values = exception if isinstance(exception, list) else dig(exception, "values")
    if isinstance(exception, dict) and values is None and ("type" in exception or "value" in exception):
        values = [exception]  # a single exception object
    if values is None:
        for entry in items_of(item.get("entries")):
            if isinstance(entry, dict) and entry.get("type") == "exception":
                values = dig(entry, "data", "values")
                break
    return [v for v in items_of(values) if isinstance(v, dict)]


def _frames(exception: dict[str, Any]) -> list[Frame]:
    frames = []
    for frame in items_of(dig(exception, "stacktrace", "frames")):
        if not isinstance(frame, dict):
            continue
        file = as_text(frame.get("filename")) or as_text(frame.get("absPath")) or as_text(frame.get("abs_path")) \
            or as_text(frame.get("module"))
        if not file:
            continue
        line = frame.get("lineNo", frame.get("lineno"))
        in_app = frame.get("inApp", frame.get("in_app"))
        frames.append(Frame(file=file, function=as_text(frame.get("function")) or "",
                            line=line if isinstance(line, int) else None, in_app=in_app is not False))
    return frames


def _metadata_title(metadata: Any) -> str | None:
    kind, value = as_text(dig(metadata, "type")), as_text(dig(metadata, "value"))
    return (f"{kind}: {value}" if value else kind) if kind else as_text(dig(metadata, "title"))


#: A culprit that is an endpoint (``POST /oauth/token``, a transaction's name), not a file.
_ROUTE = re.compile(r"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


def _culprit_frames(culprit: str | None, filename: str | None) -> tuple[Frame, ...]:
    """Sentry's culprit (``app/services/x.py in handle``) as the frame it names; none for an endpoint
    (``POST /oauth/token``), which places the issue by that name instead."""
    if not culprit or (_ROUTE.match(culprit) and not filename):
        return ()
    where, _, function = culprit.partition(" in ")
    file = filename or (where if "/" in where or where.endswith((".py", ".js", ".ts")) else "")
    return (Frame(file=file, function=function or where, in_app=True),) if file else ()


#: Sentry's levels, most severe first, as riskmap's severities.
LEVELS = {"fatal": Severity.critical, "error": Severity.high, "warning": Severity.medium, "info": Severity.low,
          "debug": Severity.info, "sample": Severity.info}
#: Issue categories (and types) that are not crashes: Sentry finds them in performance data.
NOT_CRASHES = {"performance": "performance issue", "metric": "performance issue (metric regression)",
               "transaction": "transaction (performance data), not an error", "uptime": "uptime check",
               "cron": "cron monitor check"}
_TYPE_VALUE = re.compile(r"^(\w+):(.*)$", re.DOTALL)
_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcuo%]|\{(?P<index>\d*)\}")


def level_severity(level: str | None) -> Severity | None:
    """Sentry's level as a severity: fatal critical, error high, warning medium, info low, debug info."""
    return LEVELS.get((level or "").lower())


def issue_exclusion(category: str | None, issue_type: str | None) -> str | None:
    """Why a Sentry issue is not a crash: its category (performance, metric ...) or a performance type."""
    if category and category.lower() in NOT_CRASHES:
        return NOT_CRASHES[category.lower()]
    if issue_type and issue_type.lower().startswith(("performance_", "profile_")):
        return "performance issue"
    return None


def event_exclusion(event_type: str | None, occurrence_type: Any) -> str | None:
    """Why a Sentry event is not a crash: a transaction, or an occurrence of a performance or profiling
    issue (Sentry's group types 1000-2999)."""
    if event_type == "transaction":
        return NOT_CRASHES["transaction"]
    if isinstance(occurrence_type, int) and 1000 <= occurrence_type < 3000:
        return "performance issue"
    return None


def truncate(text: str, length: int) -> str:
    """Sentry's truncatechars: at most ``length`` characters, the last three an ellipsis when cut."""
    return text if len(text) <= length else text[: max(0, length - 3)] + "..."


def exception_title(item: dict[str, Any], exceptions: list[dict[str, Any]]) -> str | None:
    """The title Sentry gives an error event: the main exception's type, then the first line of its value
    (cut at 100 characters); a synthetic exception's is its crash function."""
    if not exceptions:
        return None
    main_id = item.get("main_exception_id")
    exception = next((e for e in exceptions if main_id and dig(e, "mechanism", "exception_id") == main_id),
                     exceptions[-1])
    kind, value = as_text(exception.get("type")), as_text(exception.get("value")) or ""
    if not kind and (split := _TYPE_VALUE.match(value.strip())):  # Relay splits "TypeError: x" without a type
        kind, value = split[1], split[2].strip()
    if dig(exception, "mechanism", "synthetic") is True:
        frames = [f for f in items_of(dig(exception, "stacktrace", "frames")) if isinstance(f, dict)]
        return as_text(frames[-1].get("function")) if frames else "<unknown>"
    kind = kind or "Error"
    first = value.strip().splitlines()[0] if value.strip() else ""
    return f"{kind}: {truncate(first, 100)}" if first else kind


def event_message(item: dict[str, Any]) -> str | None:
    """An event's message as Sentry shows it: ``logentry.formatted``, else its ``message`` with ``params``
    substituted (``%s``, ``%(name)s``, ``{}``), else a plain ``message``."""
    for entry in (item.get("logentry"), item.get("message"), item.get("sentry.interfaces.Message")):
        if isinstance(entry, dict):
            formatted = as_text(entry.get("formatted"))
            if formatted:
                return formatted
            template = as_text(entry.get("message"))
            if template:
                return format_params(template, entry.get("params"))
    for entry in items_of(item.get("entries")):
        if isinstance(entry, dict) and entry.get("type") == "message":
            data = entry.get("data") or {}
            formatted = as_text(dig(data, "formatted")) or as_text(dig(data, "message"))
            if formatted:
                return format_params(formatted, dig(data, "params")) if not dig(data, "formatted") else formatted
    return as_text(item.get("message"))


def format_params(template: str, params: Any) -> str:
    """A log message with its params substituted in order (or by name), as Sentry formats ``logentry``."""
    if not params:
        return template
    positional = list(params) if isinstance(params, list) else []
    named = params if isinstance(params, dict) else {}
    counter = iter(range(len(positional)))

    def value(match: re.Match[str]) -> str:
        if match[0] == "%%":
            return "%"
        if match["name"] is not None:
            return str(named.get(match["name"], match[0]))
        if match["index"]:
            index = int(match["index"])
            return str(positional[index]) if index < len(positional) else match[0]
        position = next(counter, None)
        return str(positional[position]) if position is not None else match[0]

    return _PLACEHOLDER.sub(value, template)


def culprit(item: dict[str, Any], exceptions: list[dict[str, Any]]) -> str | None:
    """Sentry's culprit: the event's own, its transaction, else the innermost in-app frame of the last
    stack trace (``module in function``; ``function(file)`` for JavaScript)."""
    given = as_text(item.get("culprit")) or as_text(item.get("transaction"))
    if given:
        return given
    traces = [e for e in exceptions if dig(e, "stacktrace", "frames")]
    if not traces:
        return None
    frames = [f for f in items_of(dig(traces[-1], "stacktrace", "frames")) if isinstance(f, dict)]
    chosen = next((f for f in reversed(frames) if f.get("in_app") or f.get("inApp")), frames[-1] if frames else None)
    if chosen is None:
        return None
    platform = as_text(chosen.get("platform")) or as_text(item.get("platform")) or ""
    function = as_text(chosen.get("function")) or "?"
    if platform in ("objc", "cocoa", "native"):
        return function
    where = as_text(chosen.get("module")) or as_text(chosen.get("filename"))
    if not where:
        return None
    return truncate(f"{function}({where})" if platform in ("javascript", "node") else f"{where} in {function}", 200)


def link_issue_ids(results: list[FileResult]) -> list[FileResult]:
    """Give every Sentry record of a run its issue's short id when another input names it.

    An event carries only its issue's numeric id (``groupID``); the issue export carries both. With
    the ids the same, the analysis merges an issue and its events into one record.
    """
    short = {r.extra["sentry_issue_id"]: r.id for result in results for r in result.records
             if r.source.format == "sentry" and isinstance(r.extra.get("sentry_issue_id"), str)}
    if not short:
        return results
    for result in results:
        linked = [replace(r, id=short[r.id]) if r.source.format == "sentry" and r.id in short else r
                  for r in result.records]
        if any(new is not old for new, old in zip(linked, result.records, strict=True)):
            result.records = linked
            result.judgements = None  # made for the records as read: the analysis judges these again
    return results
