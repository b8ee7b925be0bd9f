"""How long work reports its progress: one object, passed in, that the caller draws as it likes."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Progress(Protocol):
    """What riskmap says while it works; the command line draws it as a bar, a library caller may ignore it."""

    def stage(self, text: str) -> None:
        """riskmap is now doing ``text`` (reading the code, analysing, writing a report)."""

    def start_file(self, path: Path) -> None:
        """riskmap starts reading the input ``path``."""

    def item(self) -> None:
        """One more record (or skipped item) was read from the current input."""

    def bytes_read(self, done: int, total: int) -> None:
        """``done`` of the current input's ``total`` bytes have been read (from the readers that stream)."""


class Silent:
    """A Progress that says nothing: the default for callers that draw no progress."""

    def stage(self, text: str) -> None:
        """Say nothing."""

    def start_file(self, path: Path) -> None:
        """Say nothing."""

    def item(self) -> None:
        """Say nothing."""

    def bytes_read(self, done: int, total: int) -> None:
        """Say nothing."""


SILENT = Silent()
