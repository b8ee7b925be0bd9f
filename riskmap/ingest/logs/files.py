"""Opening a log file, plain or gzip-compressed, as lines of text."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from riskmap.errors import InputError
from riskmap.ingest.base import reading

#: The first bytes of every gzip file.
GZIP_MAGIC = b"\x1f\x8b"
#: How often (in lines) reading a log reports its position.
PROGRESS_LINES = 20_000


def open_text(path: Path) -> Iterator[str]:
    """The file's lines (without line ends), gunzipped when it is a ``.gz``; undecodable bytes
    replaced. Tells the reading Progress how far into the file it is."""
    progress = reading.get()
    try:
        with path.open("rb") as raw:
            total = path.stat().st_size
            binary = gzip.GzipFile(fileobj=raw) if raw.read(2) == GZIP_MAGIC else raw
            raw.seek(0)
            with io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    if number % PROGRESS_LINES == 0:
                        progress.bytes_read(raw.tell(), total)
                    yield line.rstrip("\n")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"a damaged .gz file: {exc}") from None


def gzip_written(path: Path) -> datetime | None:
    """When a ``.gz`` log was compressed, from its own header (MTIME; logrotate writes it): the one date a
    year-less syslog file carries. None for a plain file or a header without one (``gzip -n``)."""
    try:
        with path.open("rb") as raw:
            header = raw.read(8)
    except OSError:
        return None
    if len(header) < 8 or not header.startswith(GZIP_MAGIC):
        return None
    stamp = int.from_bytes(header[4:8], "little")
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


def open_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a gzip-compressed file, uncompressed."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"a damaged .gz file: {exc}") from None
