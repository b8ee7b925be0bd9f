"""CSV and TSV exports with a header row: any tracker's, and Jira's and Bugzilla's own columns."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import Head
from riskmap.ingest.fields import FIELD_ALIASES, FieldResolver
from riskmap.ingest.generic_json import to_record
from riskmap.models import Record, Skipped, Source
from riskmap.text import plural

DELIMITERS = ",;\t|"
# A tracker's description or a pasted log can exceed the csv module's default cell limit (131,072 characters).
csv.field_size_limit(2**31 - 1)
_KNOWN_COLUMNS = {alias.lower() for aliases in FIELD_ALIASES.values() for alias in aliases}
CSV_SUFFIXES = (".csv", ".tsv", ".tab")

#: Column names of Jira's CSV export, as canonical field -> names.
JIRA_COLUMNS = {
    "id": ["Issue key", "Issue id"], "title": ["Summary"], "description": ["Description"], "severity": ["Priority"],
    "category": ["Issue Type"], "status": ["Status"], "component": ["Component/s"], "labels": ["Labels"],
    "created_at": ["Created"], "resolved_at": ["Resolved"],
}
#: Column names of a Bugzilla buglist CSV (severity first, priority when severity is unset).
BUGZILLA_COLUMNS = {
    "id": ["bug_id"], "title": ["short_desc"], "severity": ["bug_severity", "priority"],
    "status": ["bug_status"], "component": ["component"], "labels": ["keywords"],
    "created_at": ["opendate", "creation_ts"], "resolved_at": ["cf_last_resolved"],
}


def decode_csv(path: Path, data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), UTF-16 with a BOM, else Latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (not valid UTF-8)"


def csv_dialect(text: str) -> type[csv.Dialect]:
    """Standard CSV quoting with the delimiter its header line uses most (comma, semicolon, tab, bar)."""
    header = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=header.count)
    base = csv.excel_tab if delimiter == "\t" else csv.excel
    return type("Sniffed", (base,), {"delimiter": delimiter})


#: Jira's CSV column of the issue a duplicate duplicates (its outward "Duplicate" link).
JIRA_DUPLICATE_LINK = "Outward issue link (Duplicate)"


def _jira_row(item: dict[str, Any]) -> dict[str, Any]:
    """Jira's Resolution is read as the record's resolution; its outward Duplicate link names the original."""
    if "Resolution" in item:
        item["resolution"] = item.pop("Resolution")
    link = item.pop(JIRA_DUPLICATE_LINK, None)
    original = link[0] if isinstance(link, list) and link else link
    if original:
        item["duplicate_of"] = original
    return item


def _bugzilla_row(item: dict[str, Any]) -> dict[str, Any]:
    """Bugzilla's severity falls back to its priority when unset; product and component go together;
    ``dupe_of`` names a duplicate's original."""
    if item.get("dupe_of"):
        item["duplicate_of"] = item.pop("dupe_of")
    if str(item.get("bug_severity", "")).strip().lower() in ("", "--", "---", "unspecified", "n/a"):
        item.pop("bug_severity", None)
    if item.get("product") and item.get("component"):
        item["component"] = f"{item.pop('product')}/{item['component']}"
    return item


#: Where a CSV file's first line ends: ``\n``, ``\r\n``, or the lone ``\r`` of an old Mac export.
_LINE_END = re.compile(r"\r\n?|\n")


def _header(head: Head) -> list[str] | None:
    text = head.text
    if not text or text[0] in "[{<":
        return None
    first = _LINE_END.split(text, maxsplit=1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    if first.count(delimiter) < 1:
        return None
    return [cell.strip().strip('"') for cell in next(csv.reader([first], delimiter=delimiter))]


class CsvIngester:
    """One CSV dialect: which columns it reads, and how it recognises its header."""

    reads_gzip = False

    def __init__(
        self, name: str, summary: str, columns: dict[str, list[str]], marker: set[str] | None,
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.summary = summary
        self._columns = columns
        self._marker = marker
        self._prepare = prepare

    def sniff(self, head: Head) -> str | None:
        """A header row; Jira's and Bugzilla's by their own column names."""
        header = _header(head)
        if header is None:
            return None
        if self._marker is None:
            suffix = head.path.suffix.lower()
            known = sorted({cell for cell in header if cell.lower() in _KNOWN_COLUMNS})
            if suffix in CSV_SUFFIXES:
                return f"a header row of {plural(len(header), 'column')} in a {suffix} file"
            return f"a header row with known columns ({', '.join(known[:4])})" if known else None
        found = self._marker & set(header)
        return f"a header row with {self.name.split('-')[0].capitalize()}'s columns ({', '.join(sorted(found))})" \
            if len(found) >= 2 else None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        """Yield one record per row; repeated columns (several Component/s, Labels) become lists."""
        text, _ = decode_csv(path, path.read_bytes())
        if not text.strip():
            raise InputError(str(path), "the file is empty")
        reader = csv.reader(io.StringIO(text, newline=""), csv_dialect(text))
        try:
            header = [cell.strip() for cell in next(reader)]
        except csv.Error as exc:
            raise InputError(str(path), f"unreadable header row: {exc}", "line 1") from None
        overrides = {k: [*config.fields.get(k, []), *v] for k, v in self._columns.items()}
        resolve, name = FieldResolver({**config.fields, **overrides}), str(path)
        try:
            for row in reader:
                locator = f"line {reader.line_num}"
                if not any(cell.strip() for cell in row):
                    continue
                source = Source(format=self.name, path=name, locator=locator)
                if len(row) > len(header):
                    reason = f"{plural(len(row), 'cell')} for {plural(len(header), 'column')}"
                    yield Skipped(source=source, reason=reason)
                    continue
                item: dict[str, object] = {}
                for column, cell in zip(header, row, strict=False):  # a short row leaves columns out
                    cell = cell.strip()
                    if column in item:  # a repeated column: Jira's Component/s, Labels ...
                        previous = item[column]
                        values = previous if isinstance(previous, list) else [previous]
                        item[column] = [*values, cell] if cell else values
                    else:
                        item[column] = cell
                item = {k: ([x for x in v if x] if isinstance(v, list) else v) for k, v in item.items()}
                for column in ("Component/s", "component"):
                    components = item.get(column)
                    if isinstance(components, list):
                        item[column] = components[0] if components else ""
                yield to_record(self._prepare(item) if self._prepare else item, source, resolve)
        except csv.Error as exc:
            raise InputError(str(path), f"malformed CSV: {exc}", f"line {reader.line_num}") from None


JIRA_CSV = CsvIngester(
    "jira-csv", "Jira's CSV export (Issue key, Summary, Priority, Component/s ...)", JIRA_COLUMNS,
    {"Issue key", "Summary", "Issue Type", "Priority", "Component/s", "Issue id"}, _jira_row,
)
BUGZILLA_CSV = CsvIngester(
    "bugzilla-csv", "Bugzilla buglist CSV (bug_id, short_desc, bug_severity ...)", BUGZILLA_COLUMNS,
    {"bug_id", "short_desc", "bug_severity", "bug_status", "product"}, _bugzilla_row,
)
GENERIC_CSV = CsvIngester(
    "csv", "CSV or TSV with a header row; delimiter and encoding sniffed; common column names", {}, None,
)
