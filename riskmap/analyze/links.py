"""Where a person reads a record in the tool it came from: the link back to its issue, when the export gives one."""

from __future__ import annotations

import re

from riskmap.models import Record

#: The fields that hold an issue's own web page, in order: GitHub's ``html_url``, GitLab's ``web_url``,
#: Sentry's ``permalink``.
WEB_FIELDS = ("html_url", "web_url", "permalink")
_WEB = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
#: A Jira issue's REST address (``self``): its browse page is ``<site>/browse/<key>``.
_JIRA_REST = re.compile(r"^(https?://[^\s\"'<>]+?)/rest/(?:api|agile)/[^\s\"'<>]*$", re.IGNORECASE)
_JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]+-\d+")


def record_link(record: Record) -> str | None:
    """The web page of a record's issue: GitHub ``html_url``, GitLab ``web_url``, Sentry ``permalink``, or a
    Jira browse link built from the issue's REST ``self`` and key. Only http(s) addresses; None otherwise."""
    extra = record.extra
    if not extra:
        return None
    for name in WEB_FIELDS:
        value = extra.get(name)
        if isinstance(value, str) and _WEB.fullmatch(value):
            return value
    rest = extra.get("self")
    if isinstance(rest, str) and record.source.format == "jira" and _JIRA_KEY.fullmatch(record.id):
        found = _JIRA_REST.match(rest)
        if found:
            return f"{found.group(1)}/browse/{record.id}"
    return None
