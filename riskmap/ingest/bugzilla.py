"""Bugzilla: the REST API's bug objects (``{"bugs": [...]}`` or JSON Lines)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from riskmap.config import Config
from riskmap.ingest.base import Head
from riskmap.ingest.fields import as_datetime, as_status, as_text, as_texts, keep_extra, stack_frames
from riskmap.ingest.jsondoc import items_of, json_records, type_name
from riskmap.models import Frame, Record, Skipped, Source

_PRODUCT = re.compile(r'"product"\s*:\s*"')
_BUGZILLA = re.compile(r'"(?:cf_[a-z_]+|creation_time|is_confirmed|op_sys)"\s*:')
_SIGNATURE = re.compile(r"\[@\s*([^\]]+?)\s*\]")
_UNSET = {"", "--", "---", "unspecified", "n/a"}
_READ = {"id", "summary", "severity", "priority", "product", "component", "status", "resolution",
         "creation_time", "cf_last_resolved", "keywords", "comments", "cf_crash_signature", "type"}


class BugzillaIngester:
    """Bugs as Bugzilla's REST API returns them."""

    name = "bugzilla"
    summary = "Bugzilla REST: {\"bugs\": [...]} or JSON Lines of bug objects"
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """A product next to Bugzilla's own fields (cf_*, creation_time, op_sys ...)."""
        text = head.text
        if text[:1] in "[{" and _PRODUCT.search(text) and _BUGZILLA.search(text):
            return "bug objects with a product and Bugzilla fields (cf_*, creation_time)"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        """Yield one record per bug."""
        return json_records(path, self.name, bug_record, wrapper_keys=("bugs",))


def bug_record(item: Any, source: Source) -> Record | Skipped:
    """One Bugzilla bug as a Record."""
    if not isinstance(item, dict):
        return Skipped(source=source, reason=f"expected a bug object, found {type_name(item)}")
    title = as_text(item.get("summary"))
    if title is None:
        return Skipped(source=source, reason="a bug without a summary")
    severity, severity_field = as_text(item.get("severity")), "severity"
    if severity is None or severity.lower() in _UNSET:
        severity, severity_field = as_text(item.get("priority")), "priority"
        severity = None if severity is None or severity.lower() in _UNSET else severity
    comments: list[str] = [c["text"] for c in items_of(item.get("comments"))
                           if isinstance(c, dict) and isinstance(c.get("text"), str)]
    description = comments[0] if comments else ""
    product, component = as_text(item.get("product")), as_text(item.get("component"))
    status = as_text(item.get("status"))
    signatures = _SIGNATURE.findall(as_text(item.get("cf_crash_signature")) or "")
    frames = tuple(frame for text in comments for frame in stack_frames(text))
    # A crash signature names a function, not a file: kept as a frame, never used for placing.
    frames += tuple(Frame(file="", function=signature, in_app=False) for signature in signatures)
    return Record(
        id=as_text(item.get("id")) or title,
        source=source,
        title=title,
        description=description,
        severity_raw=severity,
        severity_field=severity_field if severity else None,
        status=as_status(status),
        created_at=as_datetime(item.get("creation_time")),
        resolved_at=as_datetime(item.get("cf_last_resolved")),
        category=as_text(item.get("type")),
        component_hint="/".join(part for part in (product, component) if part) or None,
        labels=as_texts(item.get("keywords")),
        frames=frames,
        extra=keep_extra(item, _READ) | {"resolution": item.get("resolution"), "comment_count": len(comments)}
        | ({"duplicate_of": str(item["dupe_of"])} if item.get("dupe_of") else {}),
    )
