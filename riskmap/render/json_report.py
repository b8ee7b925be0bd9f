"""report.json: the report data as the documented ``riskmap.report/1`` contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

#: Indented, datetimes as ``...Z``; dataclasses (the records) are written as objects.
OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z
#: How many records ``JsonRenderer.chunks`` writes at a time.
RECORDS_PER_CHUNK = 2000
#: Where the records go in the report written without them: the top-level key, at its indentation.
_NO_RECORDS = b'\n  "records": [],\n'


class JsonRenderer:
    """Writes the report data as indented, key-ordered JSON."""

    name = "json"
    filename = "report.json"

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as JSON bytes, ending in a newline."""
        return orjson.dumps(report, option=OPTIONS)

    def chunks(self, report: dict[str, Any], per_chunk: int = RECORDS_PER_CHUNK) -> Iterator[bytes]:
        """The same bytes as ``render``, in parts: the records ``per_chunk`` at a time, so that a large
        report never sits in memory whole as JSON.

        The report is written without its records, and they are written into the place of the empty list,
        indented one level deeper: each part is written as the one item of a list, which orjson indents so.
        """
        records = report.get("records")
        if not records:
            yield self.render(report)
            return
        head, tail = orjson.dumps({**report, "records": []}, option=OPTIONS).split(_NO_RECORDS)
        yield head + b'\n  "records": ['
        for start in range(0, len(records), per_chunk):
            part = orjson.dumps([records[start:start + per_chunk]], option=OPTIONS & ~orjson.OPT_APPEND_NEWLINE)
            # "[\n  [\n    {...},\n    {...}\n  ]\n]" without the outer lists: "\n    {...},\n    {...}"
            yield (b"," if start else b"") + part[5:-6]
        yield b"\n  ],\n" + tail
