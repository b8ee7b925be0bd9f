"""The ``riskmap templates`` outputs: every log line with its template, and the most frequent templates."""

from __future__ import annotations

import csv
import io

from riskmap.ingest.logs import MinedLog
from riskmap.ingest.templates import template_fingerprint

#: Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def lines_csv(mined: MinedLog) -> bytes:
    """``line,template_id,template``: one row per input line, in order (a traceback's lines carry
    the template of the entry they belong to; a JSON log has one row per event)."""
    texts = [template.text for template in mined.miner.templates]
    ids = [template_fingerprint(text) for text in texts]
    cells = [_cell(text) for text in texts]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("line", "template_id", "template"))
    writer.writerows((number, ids[template], cells[template])
                     for number, template in enumerate(mined.line_templates, start=1))
    return buffer.getvalue().encode("utf-8")


def top_templates(mined: MinedLog, count: int) -> list[tuple[int, str, str, str]]:
    """The ``count`` most frequent templates: (entries, template id, level, template), most first,
    ties in first-seen order."""
    ranked = sorted(mined.groups, key=lambda group: -group.template.size)[:count]
    return [(group.template.size, template_fingerprint(group.template.text), group.level or "-", group.template.text)
            for group in ranked]
