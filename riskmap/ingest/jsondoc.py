"""Reading JSON exports: a document (array, wrapped array or single object) or JSON Lines."""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import ijson
import orjson

from riskmap.errors import InputError
from riskmap.ingest.base import decode_text, reading, strip_bom
from riskmap.models import Record, Skipped, Source
from riskmap.progress import Progress

#: Keys under which an export object may hold its list of records, tried in this order.
WRAPPER_KEYS = ("bugs", "issues", "items", "data", "records", "results")

#: JSON documents larger than this are streamed record by record instead of parsed whole: a whole parse
#: holds the file's bytes and every parsed record at once, several times the file's size, while the
#: records are built (streaming costs about the same time).
STREAM_BYTES = 32 * 1024 * 1024
#: The same for a document that may be one record on its own (``single``), which only a whole parse tells.
SINGLE_STREAM_BYTES = 256 * 1024 * 1024
#: How often (in records) a streamed read reports its position.
PROGRESS_EVERY = 1000
#: How much of a JSON Lines file is read at a time while its lines are counted for a plan.
COUNT_BYTES = 8 << 20


@dataclass(frozen=True, slots=True)
class LineSpan:
    """A part of a JSON Lines file: bytes ``start`` to ``end`` (both at line starts), its first line ``first_line``."""

    start: int
    end: int
    first_line: int


#: The part of a JSON Lines file the current read covers (None: all of it); ``json_items`` reads only that part.
line_span: ContextVar[LineSpan | None] = ContextVar("line_span", default=None)


def plan_lines(path: Path, offsets: Iterable[int]) -> tuple[LineSpan, ...]:
    """A JSON Lines file in parts split near ``offsets``: each moves forward to the start of the next line.
    Every part knows the number of its first line, so its records carry the locators of a whole read."""
    size = path.stat().st_size
    points = [0]
    with path.open("rb") as handle:
        for offset in sorted(offsets):
            if points[-1] < offset < size:
                handle.seek(offset - 1)
                if handle.read(1) != b"\n":
                    handle.readline()  # the rest of the line ``offset`` falls in
                if points[-1] < handle.tell() < size:
                    points.append(handle.tell())
        points.append(size)
        spans, first_line = [], 1
        for start, end in pairwise(points):
            spans.append(LineSpan(start, end, first_line))
            handle.seek(start)
            for left in range(end - start, 0, -COUNT_BYTES):
                first_line += handle.read(min(left, COUNT_BYTES)).count(b"\n")
    return tuple(spans)



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


def load_document(path: Path) -> Any:
    """Parse a whole JSON file, naming the position of the first error."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not data.strip():
        data = decode_text(path, data).encode("utf-8")
    try:
        return orjson.loads(strip_bom(data))
    except orjson.JSONDecodeError as exc:
        if "utf-8" in str(exc).lower():
            decode_text(path, data)
        raise InputError(str(path), f"invalid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}") from None


def json_items(
    path: Path,
    wrapper_keys: tuple[str, ...] = WRAPPER_KEYS,
    single: Callable[[dict[str, Any]], bool] | None = None,
    stream_bytes: int | None = None,
) -> Iterator[tuple[str, Any, str | None]]:
    """Yield ``(locator, item, error)`` for every record of a JSON export.

    A JSON Lines file is read line by line (so a large one never sits in memory whole); a bad
    line gives its error instead of an item; with ``line_span`` set, only that part of it is read. A
    document is an array, an object holding one under one of ``wrapper_keys``, or, where ``single``
    accepts it, one record on its own; one larger
    than ``stream_bytes`` (default ``STREAM_BYTES``, or ``SINGLE_STREAM_BYTES`` with ``single``) is parsed
    a record at a time.
    """
    progress = reading.get()
    total = path.stat().st_size
    if is_json_lines(path):
        span = line_span.get()
        with path.open("rb") as handle:
            if span is not None:  # a part of the file: its own lines, numbered as in the whole file
                handle.seek(span.start)
                lines = enumerate(io.BytesIO(handle.read(span.end - span.start)), start=span.first_line)
            else:
                lines = enumerate(handle, start=1)
            for number, raw in lines:
                line = strip_bom(raw) if number == 1 else raw
                if number % PROGRESS_EVERY == 0:
                    progress.bytes_read(handle.tell(), total)
                if not line.strip():
                    continue
                try:
                    yield f"line {number}", orjson.loads(line.rstrip()), None
                except orjson.JSONDecodeError as exc:
                    yield f"line {number}", None, f"invalid JSON at column {exc.colno}: {exc.msg}"
        return
    if stream_bytes is None:
        stream_bytes = STREAM_BYTES if single is None else SINGLE_STREAM_BYTES
    if total > stream_bytes:
        yield from _streamed_items(path, wrapper_keys, progress, total)
        return
    document = load_document(path)
    if isinstance(document, list):
        items, where = document, "record"
    elif isinstance(document, dict):
        key = next((k for k in wrapper_keys if isinstance(document.get(k), list)), None)
        if key is not None:
            items, where = document[key], key
        elif single is not None and single(document):
            items, where = [document], "record"
        else:
            keys = ", ".join(sorted(document)[:8]) or "none"
            raise InputError(
                str(path),
                "expected a JSON array of records, or an object holding one under "
                f"{', '.join(wrapper_keys)}; found an object with keys: {keys}",
            )
    else:
        raise InputError(str(path), f"expected a JSON array or object; found {type_name(document)}")
    del document
    # Each item is let go once it is handed on, so the parsed document shrinks as the records grow.
    for index in range(len(items)):
        item, items[index] = items[index], None
        yield f"{where}[{index + 1}]", item, None
        del item


def _streamed_items(
    path: Path, wrapper_keys: tuple[str, ...], progress: Progress, total: int
) -> Iterator[tuple[str, Any, str | None]]:
    """The records of a large JSON array (or wrapped array), parsed one at a time."""
    with path.open("rb") as handle:
        start = strip_bom(handle.read(65536)).lstrip()[:1]
    if start == b"[":
        prefix, where = "item", "record"
    else:
        with path.open("rb") as handle:
            # The first top-level key of wrapper_keys whose value is an array (reading stops there).
            key = next((prefix for prefix, event, _ in ijson.parse(handle)
                        if event == "start_array" and prefix in wrapper_keys), None)
        if key is None:
            raise InputError(str(path), "expected a JSON array of records, or an object holding one under "
                             f"{', '.join(wrapper_keys)}")
        prefix, where = f"{key}.item", key
    with path.open("rb") as handle:
        if handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)
        try:
            for index, item in enumerate(ijson.items(handle, prefix, use_float=True), start=1):
                if index % PROGRESS_EVERY == 0:
                    progress.bytes_read(handle.tell(), total)
                yield f"{where}[{index}]", item, None
        except ijson.JSONError as exc:
            message = " ".join(str(exc).split("\n", 1)[0].split())
            raise InputError(str(path), f"invalid JSON: {message}", f"near byte {handle.tell()}") from None


def json_records(
    path: Path,
    format_name: str,
    convert: Callable[[Any, Source], Record | Skipped],
    wrapper_keys: tuple[str, ...] = WRAPPER_KEYS,
    single: Callable[[dict[str, Any]], bool] | None = None,
) -> Iterator[Record | Skipped]:
    """``convert`` every item of a JSON export into a Record (or Skipped), each with its source."""
    name = str(path)
    for locator, item, error in json_items(path, wrapper_keys, single):
        source = Source(format=format_name, path=name, locator=locator)
        yield Skipped(source=source, reason=error) if error else convert(item, source)


def type_name(value: Any) -> str:
    """How a JSON value's type reads in a message."""
    return {
        dict: "an object", list: "an array", str: "a string", bool: "a boolean",
        int: "a number", float: "a number", type(None): "null",
    }.get(type(value), type(value).__name__)


def items_of(value: Any) -> list[Any]:
    """A JSON value that should be a list, as one (anything else holds no items)."""
    return value if isinstance(value, list) else []


def dig(value: Any, *keys: str | int) -> Any:
    """``value[k1][k2]...``, or None where any step is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(value, list) or not -len(value) <= key < len(value):
                return None
        elif not isinstance(value, dict):
            return None
        value = value[key] if isinstance(key, int) else value.get(key)
    return value
