"""Normalise the many ways trackers spell severity to critical, high, medium, low and info.

The table (``SEVERITY_WORDS``), which the README repeats:

========  ===================================================================================
critical  blocker, critical, highest, urgent, fatal, emergency, P0, S0, S1
high      major, high, important, error, P1, S2
medium    normal, medium, moderate, warning, P2, S3
low       minor, low, lowest, trivial, P3, P4, P5, S4
info      enhancement, info, informational, debug, trace, notice
========  ===================================================================================

A bare number reads as a priority (``1`` as ``P1``), and after ``sev``/``severity`` as a severity
(``Sev 1`` as ``S1``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from riskmap.models import Severity

#: Every word riskmap understands, lower-case, and the severity it means.
SEVERITY_WORDS: dict[str, Severity] = {
    **dict.fromkeys(
        ("blocker", "critical", "highest", "urgent", "fatal", "emergency", "p0", "s0", "s1"),
        Severity.critical,
    ),
    **dict.fromkeys(("major", "high", "important", "error", "err", "p1", "s2"), Severity.high),
    **dict.fromkeys(("normal", "medium", "moderate", "warning", "warn", "p2", "s3"), Severity.medium),
    **dict.fromkeys(("minor", "low", "lowest", "trivial", "p3", "p4", "p5", "s4"), Severity.low),
    **dict.fromkeys(("enhancement", "info", "information", "informational", "debug", "trace", "notice"), Severity.info),
}

_PREFIXED = re.compile(r"^(?P<prefix>sev(?:erity)?|pri(?:ority)?|prio)\s*[-:_/=. ]?\s*(?P<rest>.+)$")
_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def normalise_severity(raw: str | None) -> tuple[Severity, bool]:
    """Map a raw severity to a Severity; the flag says whether the value was understood.

    Case-insensitive. Plain words (``Blocker``, ``major``), codes (``P0``-``P4``, ``S1``-``S4``)
    and label or prefix forms (``Sev 1``, ``sev:high``, ``priority-critical``,
    ``severity: major``, ``P1 - High``) are understood. A missing or unknown value is medium.
    """
    if raw is None:
        return Severity.medium, False
    word = raw.strip().lower()
    if word.isdigit():
        word = f"p{word}"
    if word in SEVERITY_WORDS:
        return SEVERITY_WORDS[word], True
    prefixed = _PREFIXED.match(word)
    if prefixed:
        rest = prefixed["rest"].strip()
        if rest.isdigit():
            rest = ("s" if prefixed["prefix"].startswith("sev") else "p") + rest
        if rest in SEVERITY_WORDS:
            return SEVERITY_WORDS[rest], True
    for token in _TOKEN.findall(word):
        if token in SEVERITY_WORDS:
            return SEVERITY_WORDS[token], True
    return Severity.medium, False
