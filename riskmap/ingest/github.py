"""GitHub Issues: REST API JSON (arrays, search results), `gh issue list --json`, and JSON Lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from riskmap.config import Config
from riskmap.ingest.base import Head
from riskmap.ingest.fields import as_datetime, as_status, as_text, as_texts, keep_extra
from riskmap.ingest.frames import quoted_frames
from riskmap.ingest.jsondoc import json_records, type_name
from riskmap.models import Record, Skipped, Source

_GITHUB = re.compile(r'"(?:html_url|url|repository_url)"\s*:\s*"https://(?:api\.)?github\.com/')
_NUMBER = re.compile(r'"number"\s*:\s*\d')
#: Labels that state a severity: priority-high, severity: major, P1, sev:2, critical ...
SEVERITY_LABEL = re.compile(
    r"^(?:(?:priority|severity|prio|sev|pri)\s*[-:/_ ]\s*\S.*|p[0-4]|s[0-4]|sev[0-4]|"
    r"critical|blocker|urgent|major|minor|trivial|high|medium|low)$",
    re.IGNORECASE,
)
#: Labels that name a component: area/api, component: billing, module:auth ...
COMPONENT_LABEL = re.compile(r"^(?:area|component|comp|module|service|pkg|package)\s*[/:]\s*(\S.*)$", re.IGNORECASE)
#: Labels that name a category: type: bug, kind/performance, category:security ...
CATEGORY_LABEL = re.compile(r"^(?:type|kind|category)\s*[/:]\s*(\S.*)$", re.IGNORECASE)
#: GitHub's own marker of a duplicate, written in the body or a comment: "Duplicate of #12".
_DUPLICATE_OF = re.compile(r"^\s*duplicate of\s+((?:[\w.-]+/[\w.-]+)?#\d+)\b", re.I | re.M)
_REPOSITORY = re.compile(r"github\.com/(?:repos/)?([\w.-]+/[\w.-]+?)(?:/issues|/pull|$)")
_READ = {"number", "title", "body", "state", "created_at", "createdAt", "closed_at", "closedAt", "labels"}


class GitHubIngester:
    """Issues exported from GitHub; pull requests are skipped."""

    name = "github"
    summary = "GitHub Issues: REST API JSON, search results {\"items\": [...]}, gh issue list --json, JSON Lines"
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """GitHub URLs next to issue numbers."""
        text = head.text
        if text[:1] in "[{" and _GITHUB.search(text) and _NUMBER.search(text):
            return "issue objects with a number and github.com URLs"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped]:
        """Yield one record per issue."""
        return json_records(path, self.name, issue_record, wrapper_keys=("items", "issues"))


def issue_record(item: Any, source: Source) -> Record | Skipped:
    """One GitHub issue as a Record."""
    if not isinstance(item, dict):
        return Skipped(source=source, reason=f"expected an issue object, found {type_name(item)}")
    if item.get("pull_request") or item.get("isPullRequest"):
        return Skipped(source=source, reason="a pull request, not an issue")
    title = as_text(item.get("title"))
    if title is None:
        return Skipped(source=source, reason="an issue without a title")
    number = as_text(item.get("number"))
    body = as_text(item.get("body")) or ""
    labels = as_texts(item.get("labels"))
    severity = severity_label(labels)
    component = next((m.group(1) for m in map(COMPONENT_LABEL.match, labels) if m), None)
    category = next((m.group(1) for m in map(CATEGORY_LABEL.match, labels) if m), None)
    repository = repository_name(item)
    duplicate = _DUPLICATE_OF.search(body)
    original = duplicate.group(1) if duplicate else None
    if original and original.startswith("#") and repository:
        original = f"{repository}{original}"
    extra = keep_extra(item, _READ)
    if original:
        extra["duplicate_of"] = original
    return Record(
        id=(f"{repository}#{number}" if repository else f"#{number}") if number else as_text(item.get("id")) or title,
        source=source,
        title=title,
        description=body,
        severity_raw=severity,
        severity_field=None if severity is None else
        "priority label" if severity.lower().startswith("p") else "severity label",
        status=as_status(as_text(item.get("state"))),
        created_at=as_datetime(item.get("created_at") or item.get("createdAt")),
        resolved_at=as_datetime(item.get("closed_at") or item.get("closedAt")),
        category=category,
        component_hint=component,
        labels=labels,
        frames=quoted_frames(body, repository),
        extra=extra,
    )


def severity_label(labels: tuple[str, ...]) -> str | None:
    """The label that states the severity: a severity label (``severity-critical``, ``S1``) before a
    priority label (``priority-important``, ``P2``), before a plain word (``critical``)."""
    stated = [label for label in labels if SEVERITY_LABEL.match(label)]
    for prefixes in (("sev", "s"), ("pri", "p")):
        chosen = next((label for label in stated if label.lower().startswith(prefixes)), None)
        if chosen:
            return chosen
    return stated[0] if stated else None


def repository_name(item: dict[str, Any]) -> str | None:
    """``owner/repo`` of an issue, from its repository_url or html_url (None when neither names one)."""
    for key in ("repository_url", "html_url", "url"):
        value = item.get(key)
        if isinstance(value, str):
            found = _REPOSITORY.search(value)
            if found:
                return found.group(1)
    return None
