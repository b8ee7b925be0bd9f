"""report.json: the report data as the documented ``riskmap.report/1`` contract."""

from __future__ import annotations

from typing import Any

import orjson

#: Indented, datetimes as ``...Z``; dataclasses (the records) are written as objects.
OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z


class JsonRenderer:
    """Writes the report data as indented, key-ordered JSON."""

    name = "json"
    filename = "report.json"

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as JSON bytes, ending in a newline."""
        return orjson.dumps(report, option=OPTIONS)
