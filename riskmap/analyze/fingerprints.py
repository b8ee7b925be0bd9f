"""Fingerprints: what identical evidence shares, across files and sources."""

from __future__ import annotations

import re

from riskmap.text import stable_hash

_WORD = re.compile(r"[^\W\d_]+")


def normalise_title(title: str) -> str:
    """A title's words, lower-case: case, punctuation, digits and spacing folded away.

    "Timeout after 30s (req 4411)" and "timeout after 45s: req 97" both give "timeout after s req".
    """
    return " ".join(_WORD.findall(title.lower()))


def fingerprint(kind: str, title: str) -> str:
    """A short stable hash of a record's kind and normalised title."""
    return stable_hash(kind, normalise_title(title))
