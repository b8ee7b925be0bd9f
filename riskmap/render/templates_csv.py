"""The ``riskmap templates`` CSV: given rows of (line, template id, template), written as CSV a spreadsheet shows as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

#: Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def template_lines_csv(rows: Iterable[tuple[int, str, str]]) -> bytes:
    """``line,template_id,template``: one row per (line, template id, template) given, in the order given."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("line", "template_id", "template"))
    writer.writerows((line, template_id, _cell(template)) for line, template_id, template in rows)
    return buffer.getvalue().encode("utf-8")


# TRANSITIONAL, for today's riskmap/cli.py only: delete these two once cli.py calls
# ``template_lines_csv(template_rows(mined))`` and ``riskmap.ingest.logs.top_templates(mined, count)``.
# They are the only place render reaches into ingest.
def lines_csv(mined: Any) -> bytes:
    """Transitional: ``template_lines_csv(riskmap.ingest.logs.template_rows(mined))``."""
    from riskmap.ingest.logs import template_rows

    return template_lines_csv(template_rows(mined))


def top_templates(mined: Any, count: int) -> list[tuple[int, str, str, str]]:
    """Transitional: ``riskmap.ingest.logs.top_templates(mined, count)``."""
    from riskmap.ingest.logs import top_templates as ranked

    return ranked(mined, count)
