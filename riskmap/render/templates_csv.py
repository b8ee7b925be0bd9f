"""The ``riskmap templates`` CSV: rows of (line, template id, template), as text a spreadsheet never runs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

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
