"""Field aliases and value coercion shared by the formats that read loosely shaped records."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from riskmap.ingest.frames import stack_frames
from riskmap.models import Status

__all__ = ["stack_frames"]  # the trace parsers' entry point, kept here for the readers

#: Canonical field -> the source names that fill it, first match wins (case-insensitive).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "key", "number"),
    "title": ("title", "summary", "name"),
    "description": ("description", "body"),
    "severity": ("severity", "priority", "level", "sev"),
    "component": ("component", "module"),
    "path": ("file", "path", "location"),
    "category": ("type", "category", "kind", "issue type", "issue_type", "issuetype"),
    "status": ("status", "state"),
    "created_at": ("created_at", "created", "date", "opened", "createdAt", "creation_time", "created_on", "opened_at"),
    "resolved_at": ("resolved_at", "closed_at", "resolved", "closed", "closedAt", "resolution_date", "resolutiondate"),
    "labels": ("labels", "tags", "label"),
    "repository": ("repository", "repo", "repository_url"),
}

_OPEN = {
    "open", "opened", "new", "reopened", "in progress", "in_progress", "in-progress", "todo",
    "to do", "triage", "triaged", "assigned", "confirmed", "unconfirmed", "active", "backlog",
    "in review", "review", "accepted", "started", "blocked", "unresolved", "firing",
}
_RESOLVED = {
    "resolved", "closed", "done", "fixed", "verified", "wontfix", "won't fix", "duplicate",
    "invalid", "released", "completed", "complete", "rejected", "cancelled", "canceled",
    "ignored", "muted", "archived",
}

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Shape:
    """How one shape of record maps to the canonical fields: the key of each (None where absent), and the
    keys left over (``unread``, in the record's order), which ``kept_extra`` looks at."""

    keys: dict[str, str]
    read: frozenset[str]
    unread: tuple[str, ...] = ()


class FieldResolver:
    """Finds, for each shape of record, the key that fills each canonical field.

    Records of one export share a handful of shapes, so each shape is resolved once.
    """

    def __init__(self, overrides: Mapping[str, list[str]]) -> None:
        self._names = {
            canonical: (*overrides.get(canonical, ()), *aliases) for canonical, aliases in FIELD_ALIASES.items()
        }
        self._cache: dict[tuple[str, ...], Shape] = {}

    def __call__(self, keys: tuple[str, ...]) -> Shape:
        """The shape of a record with these keys (config names first, case-insensitive)."""
        shape = self._cache.get(keys)
        if shape is None:
            shape = self._cache[keys] = self._resolve(keys)
        return shape

    def _resolve(self, keys: tuple[str, ...]) -> Shape:
        by_lower: dict[str, str] = {}
        for key in keys:
            by_lower.setdefault(key.lower(), key)
        chosen: dict[str, str] = {}
        for canonical, names in self._names.items():
            for name in names:
                found = by_lower.get(name.lower())
                if found is not None and found not in chosen.values():
                    chosen[canonical] = found
                    break
        read = frozenset(chosen.values())
        return Shape(chosen, read, tuple(key for key in keys if key not in read))


#: How big a nested value may be and still be kept in a record's extra fields.
EXTRA_ITEMS = 8
_SCALARS = (str, int, float, bool, type(None))


def keep_extra(item: Mapping[str, Any], read: Any) -> dict[str, Any]:
    """A record's other fields, for templates: scalars, and short lists or objects of scalars.

    Nested structures (user objects, comment threads, change histories) are left out: they are
    what makes a large export large, and riskmap holds every record while it works.
    """
    return {key: value for key, value in item.items() if key not in read and _plain(value)}


def kept_extra(item: Mapping[str, Any], unread: tuple[str, ...]) -> dict[str, Any]:
    """``keep_extra`` for a record whose other keys are known (a ``Shape``'s ``unread``): the same fields,
    without testing every key of every record."""
    return {key: value for key in unread if type(value := item[key]) is str or _plain(value)}


def _plain(value: Any) -> bool:
    """A scalar, or a short list or object of scalars."""
    if isinstance(value, _SCALARS):
        return True
    values = value if isinstance(value, list) else value.values() if isinstance(value, dict) else None
    return values is not None and len(value) <= EXTRA_ITEMS and all(isinstance(v, _SCALARS) for v in values)


def as_text(value: Any) -> str | None:
    """A scalar as stripped text; a tracker's ``{"name": ...}`` object as its name; else None."""
    if type(value) is str:
        return value.strip() or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        for key in ("name", "value", "key", "id"):
            if key in value:
                return as_text(value[key])
    return None


def as_texts(value: Any) -> tuple[str, ...]:
    """A list of labels (strings or ``{"name": ...}`` objects) or a comma-separated string."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple):
        return tuple(text for text in (as_text(item) for item in value) if text)
    text = as_text(value)
    return (text,) if text else ()


def as_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 string or a Unix timestamp (seconds or milliseconds), as UTC."""
    if type(value) is str:
        return _iso_datetime(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


#: Date layouts trackers write besides ISO 8601 (Jira's CSV export: "02/Oct/26 9:15 AM").
DATE_FORMATS = ("%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %H:%M",
                "%d/%b/%y", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def _iso_datetime(value: str) -> datetime | None:
    try:  # the usual case first: ISO 8601 in UTC, nothing around it
        parsed: datetime | None = datetime.fromisoformat(value)
    except ValueError:
        parsed = _other_datetime(value)
    if parsed is None or parsed.tzinfo is UTC:
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed if parsed.utcoffset() == _ZERO else parsed.astimezone(UTC)


def _other_datetime(value: str) -> datetime | None:
    """A date and time that ``fromisoformat`` did not read as it stands: ISO 8601 with blanks around it, or
    one of the DATE_FORMATS; else None."""
    text = value.strip()
    if text != value:  # without them, fromisoformat has just said no
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    return None


@lru_cache(maxsize=1024)
def as_status(value: str | None) -> Status:
    """Normalise a tracker's status word to open, resolved or unknown (cached: an export has a few)."""
    if value is None:
        return Status.unknown
    word = value.strip().lower()
    if word in _OPEN:
        return Status.open
    if word in _RESOLVED:
        return Status.resolved
    return Status.unknown


def derived_id(prefix: str, *parts: str) -> str:
    """A stable id for a record its source gave none: a short hash of its text."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}-{digest[:10]}"
