"""Log files: plain-text logs with a detected header layout, JSON Lines logs, and their ``.gz``.

A file is read into entries (a header line and the lines that continue it: tracebacks, Java
traces with "Caused by", Go panics; :mod:`.entries`, with the header layouts of :mod:`.layouts`),
each entry's message is put into its template (:mod:`.mining`), and every template seen at
warning level or above becomes one record (:mod:`.mined`): the template as its title, its entries
at warning or above as occurrences, first and last seen, and the frames of its stack trace.
Entries below warning are counted, not kept. ``riskmap templates`` shows the mining itself
through :func:`template_rows` and :func:`top_templates`, which return plain rows.
"""

from __future__ import annotations

from pathlib import Path

from riskmap.ingest.base import reading
from riskmap.ingest.logs.files import GZIP_MAGIC, open_head
from riskmap.ingest.logs.jsonlines import JsonLogIngester, is_json_log, mine_json
from riskmap.ingest.logs.mined import MinedLog, template_rows, top_templates
from riskmap.ingest.logs.text import TextLogIngester, mine_text
from riskmap.progress import SILENT, Progress

__all__ = [
    "GZIP_MAGIC",
    "JsonLogIngester",
    "MinedLog",
    "TextLogIngester",
    "mine_file",
    "open_head",
    "template_rows",
    "top_templates",
]


def mine_file(path: Path, keep_lines: bool = False, progress: Progress = SILENT) -> MinedLog:
    """Read and mine a log file, text or JSON, telling ``progress`` how far it is; ``keep_lines`` keeps
    every line's template (for ``template_rows``)."""
    token = reading.set(progress)
    try:
        return mine_json(path, keep_lines) if is_json_log(path) else mine_text(path, keep_lines)
    finally:
        reading.reset(token)
