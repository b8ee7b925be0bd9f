"""Bug exports as plain JSON: an array, an object wrapping one, or JSON Lines."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head, decode_text, strip_bom
from riskmap.ingest.fields import (
    FieldResolver,
    as_datetime,
    as_status,
    as_text,
    as_texts,
    derived_id,
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
        resolve, name = FieldResolver(config.fields), str(path)
        for index, item in enumerate(items, start=1):
            yield to_record(item, Source(format=self.name, path=name, locator=f"{where}[{index}]"), resolve)

    def _read_lines(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        resolve = FieldResolver(config.fields)
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
                yield to_record(item, source, resolve)


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


def to_record(item: Any, source: Source, resolve: FieldResolver) -> Record | Skipped:
    """Turn one loosely shaped object into a Record, or a Skipped saying why it can't be."""
    if type(item) is not dict:
        return Skipped(source=source, reason=f"expected an object, found {_type_name(item)}")
    shape = resolve(tuple(item))
    keys = shape.keys
    get = item.get
    title = as_text(get(keys.get("title")))
    description = as_text(get(keys.get("description"))) or ""
    if title is None:
        raw_title = get(keys.get("title"))
        if raw_title not in (None, ""):
            return Skipped(source=source, reason=f"field '{keys['title']}' is {_type_name(raw_title)}, not text")
        if not description:
            return Skipped(source=source, reason="no title, summary or name, and no description")
        title = description.splitlines()[0][:120]
    # Source fields riskmap does not read stay in extra, and so does a date that does not parse.
    extra = {key: item[key] for key in shape.extra}
    dates = []
    for canonical in ("created_at", "resolved_at"):
        key = keys.get(canonical)
        parsed = as_datetime(item[key]) if key else None
        if key and parsed is None:
            extra[key] = item[key]
        dates.append(parsed)
    path = as_text(get(keys.get("path")))
    labels = keys.get("labels")
    return Record(
        id=as_text(get(keys.get("id"))) or derived_id("rec", title, description),
        source=source,
        title=title,
        description=description,
        severity_raw=as_text(get(keys.get("severity"))),
        status=as_status(as_text(get(keys.get("status")))),
        created_at=dates[0],
        resolved_at=dates[1],
        category=as_text(get(keys.get("category"))),
        component_hint=as_text(get(keys.get("component"))),
        labels=as_texts(item[labels]) if labels else (),
        paths=(path,) if path else (),
        frames=traceback_frames(description),
        extra=extra,
    )


def _type_name(value: Any) -> str:
    return {
        dict: "an object", list: "an array", str: "a string", bool: "a boolean",
        int: "a number", float: "a number", type(None): "null",
    }.get(type(value), type(value).__name__)
