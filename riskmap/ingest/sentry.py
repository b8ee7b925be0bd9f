"""Sentry: issues and events as its web API returns them, raw SDK events, and envelopes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head, strip_bom
from riskmap.ingest.fields import as_datetime, as_status, as_text
from riskmap.ingest.jsondoc import dig, items_of, json_items, type_name
from riskmap.models import Frame, Kind, Record, Skipped, Source

_ISSUE = re.compile(r'"(?:shortId|culprit|issue\.id)"\s*:')
_EVENT = re.compile(r'"(?:eventID|event_id)"\s*:')
_STACK = re.compile(r'"(?:entries|exception|logentry)"\s*:')
_ENVELOPE_ITEM = re.compile(rb'^\{\s*"type"\s*:\s*"[a-z_]+"')


def is_issue(item: dict[str, Any]) -> bool:
    """An issue (an error group) of Sentry's web API, or a Discover row about one."""
    return "shortId" in item or "issue.id" in item or ("culprit" in item and ("count" in item or "firstSeen" in item))


def is_event(item: dict[str, Any]) -> bool:
    """An event, as the web API returns it or as an SDK sends it."""
    return ("eventID" in item or "event_id" in item or "exception" in item or "entries" in item) and any(
        key in item for key in ("entries", "exception", "message", "logentry", "title"))


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
    return Record(
        id=as_text(item.get("shortId")) or as_text(item.get("issue")) or as_text(item.get("id")) or title,
        kind=Kind.log,
        source=source,
        title=title,
        description=culprit or "",
        severity_raw=as_text(item.get("priority")) or as_text(item.get("level")),
        status=as_status(as_text(item.get("status"))),
        created_at=as_datetime(item.get("firstSeen") or item.get("last_seen()")),
        resolved_at=None,
        category=None,
        component_hint=None,
        labels=tuple(t for t in (as_text(dig(item, "project", "slug")), as_text(item.get("platform"))) if t),
        paths=(filename,) if filename else (),
        frames=_culprit_frames(culprit, filename),
        occurrences=max(1, int(count)) if isinstance(count, int | str) and str(count).isdigit() else 1,
        extra={k: item.get(k) for k in ("permalink", "lastSeen", "level", "priority", "issueType", "issueCategory",
                                         "userCount", "metadata") if item.get(k) is not None},
    )


def event_record(item: dict[str, Any], source: Source) -> Record | Skipped:
    """One Sentry event: the API's shape (``entries``) or an SDK's (``exception``)."""
    exceptions = _exceptions(item)
    last = exceptions[-1] if exceptions else {}
    kind, value = as_text(last.get("type")), as_text(last.get("value"))
    message = as_text(item.get("message")) or as_text(dig(item, "logentry", "formatted")) or as_text(
        dig(item, "logentry", "message"))
    exception_title = (f"{kind}: {value}" if value else kind) if kind else None
    title = exception_title or message or as_text(item.get("title"))
    if title is None:
        return Skipped(source=source, reason="a Sentry event with no exception, message or title")
    frames = tuple(frame for exception in exceptions for frame in _frames(exception))
    raw_tags = item.get("tags")
    tags: dict[Any, Any] = {}
    if isinstance(raw_tags, list):
        tags = {t.get("key"): t.get("value") for t in raw_tags if isinstance(t, dict)}
    elif isinstance(raw_tags, dict):
        tags = raw_tags
    return Record(
        id=as_text(item.get("eventID")) or as_text(item.get("event_id")) or as_text(item.get("id")) or title,
        kind=Kind.log,
        source=source,
        title=title,
        description="\n".join(t for t in (message if kind else None, as_text(item.get("culprit"))) if t),
        severity_raw=as_text(item.get("level")) or as_text(tags.get("level")),
        created_at=as_datetime(item.get("dateCreated") or item.get("timestamp") or item.get("datetime")),
        labels=tuple(f"{k}:{v}" for k, v in sorted(tags.items()) if isinstance(k, str) and isinstance(v, str)
                     and k in ("environment", "release", "transaction", "handled", "mechanism")),
        frames=frames,
        extra={k: item.get(k) for k in ("groupID", "platform", "release", "transaction", "culprit")
               if item.get(k) is not None},
    )


def _exceptions(item: dict[str, Any]) -> list[dict[str, Any]]:
    values = dig(item, "exception", "values")
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


def _culprit_frames(culprit: str | None, filename: str | None) -> tuple[Frame, ...]:
    """Sentry's culprit (``app/services/x.py in handle``) as the frame it names."""
    if not culprit:
        return ()
    where, _, function = culprit.partition(" in ")
    file = filename or (where if "/" in where or where.endswith((".py", ".js", ".ts")) else "")
    return (Frame(file=file, function=function or where, in_app=True),) if file else ()
