"""Fingerprints: what identical evidence shares, across files and sources."""

from __future__ import annotations

import hashlib
import re

_VARIABLE = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8,}|\d+")
_SPACE = re.compile(r"\W+")


def normalise_title(title: str) -> str:
    """A title with case, punctuation and variable parts (numbers, hex ids) folded away."""
    masked = _VARIABLE.sub("#", title.lower())
    return _SPACE.sub(" ", masked).strip()


def fingerprint(kind: str, title: str) -> str:
    """A short stable hash of a record's kind and normalised title."""
    text = f"{kind}\x1f{normalise_title(title)}"
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
