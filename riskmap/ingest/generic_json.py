"""Bug exports as plain JSON: an array, an object wrapping one, or JSON Lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from riskmap.config import Config
from riskmap.ingest.base import Head
from riskmap.ingest.fields import (
    FieldResolver,
    as_datetime,
    as_status,
    as_text,
    as_texts,
    derived_id,
    kept_extra,
)
from riskmap.ingest.frames import quoted_frames
from riskmap.ingest.jsondoc import is_json_lines, json_records, type_name
from riskmap.models import Record, Skipped, Source

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


class GenericJsonIngester:
    """Any JSON or JSON Lines export whose records use common field names (or configured ones)."""

    name = "json"
    summary = "JSON array, {\"bugs\"|\"issues\"|\"items\"|\"data\": [...]}, or JSON Lines; common field names"
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """Claim any file that starts like JSON, or is named like it."""
        text = head.text
        if text.startswith("["):
            return "starts with '[': a JSON array"
        if text.startswith("{"):
            if is_json_lines(head.path):
                return "one JSON object per line: JSON Lines"
            return "starts with '{': a JSON object"
        if head.path.suffix.lower() in JSON_SUFFIXES:
            return f"file name ends in {head.path.suffix}"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        """Yield the records of a JSON document or a JSON Lines file."""
        resolve = FieldResolver(config.fields)
        return json_records(path, self.name, lambda item, source: to_record(item, source, resolve))


def to_record(item: Any, source: Source, resolve: FieldResolver) -> Record | Skipped:
    """Turn one loosely shaped object into a Record, or a Skipped saying why it can't be."""
    if type(item) is not dict:
        return Skipped(source=source, reason=f"expected an object, found {type_name(item)}")
    shape = resolve(tuple(item))
    keys = shape.keys
    get = item.get
    title = as_text(get(keys.get("title")))
    description = as_text(get(keys.get("description"))) or ""
    if title is None:
        raw_title = get(keys.get("title"))
        if raw_title not in (None, ""):
            return Skipped(source=source, reason=f"field '{keys['title']}' is {type_name(raw_title)}, not text")
        if not description:
            return Skipped(source=source, reason="no title, summary or name, and no description")
        title = description.splitlines()[0][:120]
    # Source fields riskmap does not read stay in extra (see keep_extra), and so does a date that does not parse.
    extra = kept_extra(item, shape.unread)
    dates = []
    for canonical in ("created_at", "resolved_at"):
        key = keys.get(canonical)
        parsed = as_datetime(item[key]) if key else None
        if key and parsed is None:
            extra[key] = item[key]
        dates.append(parsed)
    path = as_text(get(keys.get("path")))
    labels = keys.get("labels")
    severity = as_text(get(keys.get("severity")))
    return Record(
        id=as_text(get(keys.get("id"))) or derived_id("rec", title, description),
        source=source,
        title=title,
        description=description,
        severity_raw=severity,
        severity_field=keys.get("severity") if severity else None,
        status=as_status(as_text(get(keys.get("status")))),
        created_at=dates[0],
        resolved_at=dates[1],
        category=as_text(get(keys.get("category"))),
        component_hint=as_text(get(keys.get("component"))),
        labels=as_texts(item[labels]) if labels else (),
        paths=(path,) if path else (),
        frames=quoted_frames(description, as_text(get(keys.get("repository")))),
        extra=extra,
    )
