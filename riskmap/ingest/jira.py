"""Jira: the REST search response, a plain list of issues, or one issue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from riskmap.config import Config
from riskmap.errors import InputError
from riskmap.ingest.base import HEAD_BYTES, Head
from riskmap.ingest.fields import as_datetime, as_status, as_text, as_texts, keep_extra, stack_frames
from riskmap.ingest.jsondoc import dig, items_of, json_records, type_name
from riskmap.models import Record, Skipped, Source, Status

_ISSUE = re.compile(r'"key"\s*:\s*"[A-Z][A-Z0-9_]*-\d+"')
_FIELDS = re.compile(r'"fields"\s*:\s*\{')
_METADATA = re.compile(r'"self"\s*:\s*"[^"]*/rest/api/[^"]*/'
                       r'(priority|resolution|status|component|issuetype|project|transitions?)/')
_READ_FIELDS = {"summary", "description", "priority", "status", "issuetype", "components", "labels",
                "created", "resolutiondate", "resolution", "issuelinks"}


def duplicated_issue(fields: dict[str, Any]) -> str | None:
    """The key of the issue this one duplicates: its outward link of type Duplicate, if any."""
    for link in items_of(fields.get("issuelinks")):
        if isinstance(link, dict) and str(dig(link, "type", "name") or "").lower().startswith("duplicate"):
            original = as_text(dig(link, "outwardIssue", "key"))
            if original:
                return original
    return None


class JiraIngester:
    """Jira issues as the REST API gives them (``{"issues": [{"key": ..., "fields": {...}}]}``)."""

    name = "jira"
    summary = "Jira REST: search results {\"issues\": [...]}, a list of issues, or one issue"
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """Issue keys such as PROJ-12 next to a "fields" object."""
        text = head.text
        if text[:1] in "[{" and _ISSUE.search(text) and _FIELDS.search(text):
            return "issue objects with a key like PROJ-12 and a \"fields\" object"
        if text[:1] in "[{" and (_METADATA.search(text) or '"transitions"' in text[:200]):
            return "Jira REST objects (priorities, statuses, components, transitions)"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        """Yield one record per issue."""
        name = str(path)
        with path.open("rb") as handle:
            head = Head(path, handle.read(HEAD_BYTES)).text
        kind = _METADATA.search(head)
        is_metadata = kind is not None or '"transitions"' in head[:200]
        if is_metadata and not (_ISSUE.search(head) and _FIELDS.search(head)):
            what = kind.group(1) if kind else "transition"
            raise InputError(name, f"Jira REST {what} definitions, not issues: nothing to analyse; "
                             "export issues with the search API (/rest/api/2/search)")
        single = lambda document: "fields" in document and "key" in document  # noqa: E731
        return json_records(path, self.name, issue_record, wrapper_keys=("issues",), single=single)


def adf_text(value: Any) -> str:
    """Plain text of a description: a string, or Atlassian Document Format's text nodes."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        text = value.get("text")
        own = text if isinstance(text, str) else ""
        inner = [adf_text(child) for child in items_of(value.get("content")) if child is not None]
        separator = "\n" if value.get("type") in ("doc", "paragraph", "codeBlock", "listItem") else ""
        return own + separator.join(part for part in inner if part)
    return ""


def issue_record(item: Any, source: Source) -> Record | Skipped:
    """One Jira issue as a Record."""
    if not isinstance(item, dict) or not isinstance(item.get("fields"), dict):
        return Skipped(source=source, reason=f"expected a Jira issue with \"fields\", found {type_name(item)}")
    fields = item["fields"]
    key = as_text(item.get("key")) or as_text(item.get("id"))
    kind = as_text(fields.get("issuetype"))
    description = adf_text(fields.get("description")).strip()
    title = as_text(fields.get("summary")) or (f"{kind or 'Issue'} {key}" if key else None)
    if title is None:
        return Skipped(source=source, reason="a Jira issue with neither a summary nor a key")
    status = as_status(as_text(fields.get("status")))
    if status == Status.unknown:
        category = as_text(dig(fields, "status", "statusCategory", "key"))
        status = {"done": Status.resolved, "new": Status.open, "indeterminate": Status.open}.get(category or "", status)
    return Record(
        id=key or title,
        source=source,
        title=title,
        description=description,
        severity_raw=as_text(fields.get("priority")),
        status=status,
        created_at=as_datetime(fields.get("created")),
        resolved_at=as_datetime(fields.get("resolutiondate")),
        category=kind,
        component_hint=next(iter(as_texts(fields.get("components"))), None),
        labels=as_texts(fields.get("labels")),
        frames=stack_frames(description),
        extra=keep_extra(item, ("key", "fields")) | keep_extra(fields, _READ_FIELDS) | {
            name: value for name, value in (("resolution", as_text(fields.get("resolution"))),
                                            ("duplicate_of", duplicated_issue(fields))) if value},
    )
