"""Fingerprints: what identical evidence shares, across files and sources."""

from __future__ import annotations

import re
from functools import lru_cache

from riskmap.text import ascii_table, ascii_words, stable_hash

_WORD = re.compile(r"[^\W\d_]+")
#: _WORD's characters in ASCII text (the fast path, ``ascii_words``).
_LETTERS = ascii_table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normalise_title(title: str) -> str:
    """A title's words, lower-case: case, punctuation, digits and spacing folded away.

    "Timeout after 30s (req 4411)" and "timeout after 45s: req 97" both give "timeout after s req".
    """
    lowered = title.lower()
    words = ascii_words(lowered, _LETTERS)
    return " ".join(_WORD.findall(lowered)) if words is None else b" ".join(words).decode("ascii")


@lru_cache(maxsize=1 << 17)
def fingerprint(kind: str, title: str) -> str:
    """A short stable hash of a record's kind and normalised title (cached: an export repeats its titles)."""
    return stable_hash(kind, normalise_title(title))
