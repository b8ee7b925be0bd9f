"""The interface every input format implements, and the helpers they share."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeAlias

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.models import CaseCounts, LogCounts, Record, Skipped
from riskmap.progress import SILENT, Progress

HEAD_BYTES = 65536

#: The Progress of the input being read: ``read_input`` sets it to its caller's for the length of
#: one read, so the streaming helpers deep inside a reader can say how far into the file they are.
reading: ContextVar[Progress] = ContextVar("reading", default=SILENT)
NUL = b"\x00"
BINARY = "binary data (NUL bytes), not a text export"

#: What a reader yields: a Record per readable item, a Skipped per unreadable one, and, last, a
#: test report's CaseCounts or a log's LogCounts.
IngestItem: TypeAlias = Record | Skipped | CaseCounts | LogCounts


@dataclass(frozen=True, slots=True)
class Head:
    """The first bytes of a file, for detection, with the file's name."""

    path: Path
    data: bytes

    @property
    def text(self) -> str:
        """The head as text with any BOM removed (undecodable bytes replaced)."""
        if self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return self.data[: len(self.data) // 2 * 2].decode("utf-16", errors="replace").lstrip()
        return strip_bom(self.data).decode("utf-8", errors="replace").lstrip()

    @property
    def is_binary(self) -> bool:
        """Whether the head holds NUL bytes that no text encoding riskmap reads explains. An XML document
        (a test report quoting a crashed program's output) may hold a few: its reader drops them."""
        return (NUL in self.data and not self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                and not strip_bom(self.data).lstrip().startswith(b"<?xml"))


class Ingester(Protocol):
    """One input format: knows how to recognise and read its files, nothing about scoring.

    ``reads_gzip`` says whether the format also reads its files gzip-compressed (the logs);
    detection offers a ``.gz`` file's uncompressed head to those formats only.
    """

    name: str
    summary: str
    reads_gzip: bool

    def sniff(self, head: Head) -> str | None:
        """Return why this format fits the file, or None when it does not."""

    def read(self, path: Path, config: Config) -> Iterator[IngestItem]:
        """Yield a Record for every readable item and a Skipped for every unreadable one.

        Test reports yield their CaseCounts last, logs their LogCounts. Raise InputError when
        the file as a whole cannot be read.
        """


def strip_bom(data: bytes) -> bytes:
    """Remove a UTF-8 byte-order mark."""
    return data[3:] if data.startswith(codecs.BOM_UTF8) else data


def decode_text(path: Path, data: bytes) -> str:
    """Decode a whole file as UTF-8 (or UTF-16 with a BOM), naming the offending byte if it isn't."""
    if not data.strip():
        raise InputError(str(path), "the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(str(path), f"invalid UTF-16: {exc.reason}", f"byte {exc.start}") from None
    if Head(path, data[:HEAD_BYTES]).is_binary:
        raise InputError(str(path), BINARY, f"byte {data.index(NUL)}")
    try:
        return strip_bom(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            str(path),
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; save the export as UTF-8",
            f"line {line}, byte {exc.start}",
        ) from None
