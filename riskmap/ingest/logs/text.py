"""Plain-text logs: the header layout detected from the first lines, then every entry mined."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from riskmap.config import Config
from riskmap.ingest.base import Head
from riskmap.ingest.logs.entries import read_entries
from riskmap.ingest.logs.files import gzip_written, open_text
from riskmap.ingest.logs.layouts import PLAIN, SAMPLE_LINES
from riskmap.ingest.logs.learned import detect_layout
from riskmap.ingest.logs.mined import MinedLog, log_records, mine_entries
from riskmap.models import LogCounts, Record
from riskmap.text import article

#: File names that say "a log" when no header layout does.
LOG_SUFFIXES = (".log", ".out", ".err")


class TextLogIngester:
    """Plain-text logs: a known header layout (syslog, Apache, log4j, Python, HDFS ...) or one learned from the file."""

    name = "log"
    summary = ("text logs (syslog, Apache error/access, log4j/logback, Python logging, HDFS, glog, Lambda, "
               "ISO-timestamped; any other header is learned from the file's first lines), also .gz")
    reads_gzip = True

    def sniff(self, head: Head) -> str | None:
        """Most of the first lines start with one known header layout (or the file is named .log)."""
        lines = head.text.splitlines()
        lines = lines[:-1] or lines  # the head may end in the middle of a line
        if not lines or lines[0].startswith(("{", "[{", "<")) or lines[0].strip() == "[" or _is_json(lines[0]):
            return None
        layout = detect_layout(lines)
        if layout is not PLAIN:
            return f"log lines with {article(layout.title)} header"
        name = head.path.name.lower()
        if name.removesuffix(".gz").endswith(LOG_SUFFIXES) or head.path.suffix == ".gz":
            return "a .log file without a known header layout: one entry per line"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | LogCounts]:
        """Yield a record per template at warning level or above, then the file's counts."""
        yield from self.records(mine_text(path), path)

    def records(self, mined: MinedLog, path: Path) -> Iterator[Record | LogCounts]:
        """The records and counts of a mined text log, read whole or in parts; a ``.gz`` log's header
        date gives year-less times (syslog) their year."""
        yield from log_records(mined, self.name, str(path), gzip_written(path))


def _is_json(line: str) -> bool:
    """A line that is a JSON array or object as a whole (``[0]``), not a log line starting with a bracket."""
    if not line.startswith(("[", "{")):
        return False
    try:
        json.loads(line)
    except RecursionError:
        return True  # nested too deep for Python to read: JSON all the same
    except ValueError:
        return False
    return True


def mine_text(path: Path, keep_lines: bool = False) -> MinedLog:
    """Read and mine a text log in one pass: its layout from the first lines, then every entry."""
    lines = open_text(path)
    sample = [line for _, line in zip(range(SAMPLE_LINES), lines, strict=False)]
    layout = detect_layout(sample)
    return mine_entries(read_entries(chain(sample, lines), layout), layout, keep_lines)
