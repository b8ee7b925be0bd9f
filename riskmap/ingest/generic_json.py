"""Bug exports as plain JSON: an array, an object wrapping one, or JSON Lines."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head, decode_text, strip_bom
from riskmap.ingest.fields import (
    as_datetime,
    derived_id,
    as_status,
    as_text,
    as_texts,
    resolve_fields,
    traceback_frames,
)
from riskmap.models import Record, Skipped, Source

#: Keys under which an export object may hold its list of records, tried in this order.
WRAPPER_KEYS = ("bugs", "issues", "items", "data", "records", "results")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


class GenericJsonIngester:
    """Any JSON or JSON Lines export whose records use common field names (or configured ones)."""

    name = "json"
    summary = "JSON array, {\"bugs\"|\"issues\"|\"items\"|\"data\": [...]}, or JSON Lines; common field names"

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
        if is_json_lines(path):
            yield from self._read_lines(path, config)
        else:
            yield from self._read_document(path, config)

    def _read_document(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        data = path.read_bytes()
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not data.strip():
            data = decode_text(path, data).encode("utf-8")
        try:
            document = orjson.loads(strip_bom(data))
        except orjson.JSONDecodeError as exc:
            if "utf-8" in str(exc).lower():
                decode_text(path, data)
            raise InputError(
                str(path), f"invalid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}"
            ) from None
        items, where = _record_list(path, document)
        for index, item in enumerate(items, start=1):
            yield to_record(item, Source(format=self.name, path=str(path), locator=f"{where}[{index}]"), config)

    def _read_lines(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                line = strip_bom(raw) if number == 1 else raw
                if not line.strip():
                    continue
                source = Source(format=self.name, path=str(path), locator=f"line {number}")
                try:
                    item = orjson.loads(line.rstrip())
                except orjson.JSONDecodeError as exc:
                    yield Skipped(source=source, reason=f"invalid JSON at column {exc.colno}: {exc.msg}")
                    continue
                yield to_record(item, source, config)


def is_json_lines(path: Path) -> bool:
    """Whether a file holds one JSON object per line: its first line is a whole object, and more follow."""
    with path.open("rb") as handle:
        first_line = strip_bom(handle.readline()).strip()
        rest = handle.read(64).lstrip()
    if not (first_line.startswith(b"{") and rest.startswith(b"{")):
        return False
    try:
        return isinstance(orjson.loads(first_line), dict)
    except orjson.JSONDecodeError:
        return False


def _record_list(path: Path, document: Any) -> tuple[list[Any], str]:
    """The list of records in a JSON document, and where it was found."""
    if isinstance(document, list):
        return document, "record"
    if isinstance(document, dict):
        for key in WRAPPER_KEYS:
            if isinstance(document.get(key), list):
                return document[key], f"{key}"
        keys = ", ".join(sorted(document)[:8]) or "none"
        raise InputError(
            str(path),
            "expected a JSON array of records, or an object holding one under "
            f"{', '.join(WRAPPER_KEYS)}; found an object with keys: {keys}",
        )
    raise InputError(str(path), f"expected a JSON array or object; found {_type_name(document)}")


def to_record(item: Any, source: Source, config: Config) -> Record | Skipped:
    """Turn one loosely shaped object into a Record, or a Skipped saying why it can't be."""
    if not isinstance(item, dict):
        return Skipped(source=source, reason=f"expected an object, found {_type_name(item)}")
    keys = resolve_fields(tuple(item), config.fields)
    title_key = keys.get("title")
    title = as_text(item[title_key]) if title_key else None
    description = _text(item, keys, "description") or ""
    if title is None:
        if title_key and item[title_key] not in (None, ""):
            return Skipped(source=source, reason=f"field '{title_key}' is {_type_name(item[title_key])}, not text")
        if not description:
            return Skipped(source=source, reason="no title, summary or name, and no description")
        title = description.splitlines()[0][:120]
    record_id = _text(item, keys, "id") or derived_id("rec", title, description)
    path = _text(item, keys, "path")
    created_at, resolved_at = _date(item, keys, "created_at"), _date(item, keys, "resolved_at")
    # A date that does not parse stays in extra, under its own name, with everything unmapped.
    used = {key for canonical, key in keys.items()
            if not (canonical == "created_at" and created_at is None or canonical == "resolved_at" and resolved_at is None)}
    try:
        return Record(
            id=record_id,
            source=source,
            title=title,
            description=description,
            severity_raw=_text(item, keys, "severity"),
            status=as_status(_text(item, keys, "status")),
            created_at=created_at,
            resolved_at=resolved_at,
            category=_text(item, keys, "category"),
            component_hint=_text(item, keys, "component"),
            labels=as_texts(item.get(keys["labels"])) if "labels" in keys else (),
            paths=(path,) if path else (),
            frames=traceback_frames(description),
            extra={k: v for k, v in item.items() if k not in used},
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return Skipped(source=source, reason=f"{field}: {first['msg']}")


def _text(item: dict, keys: dict[str, str], canonical: str) -> str | None:
    key = keys.get(canonical)
    return as_text(item[key]) if key else None


def _date(item: dict, keys: dict[str, str], canonical: str) -> datetime | None:
    key = keys.get(canonical)
    return as_datetime(item[key]) if key else None


def _type_name(value: Any) -> str:
    return {
        dict: "an object", list: "an array", str: "a string", bool: "a boolean",
        int: "a number", float: "a number", type(None): "null",
    }.get(type(value), type(value).__name__)
