"""Fingerprints: what identical evidence shares, across files and sources."""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"[^\W\d_]+")


def normalise_title(title: str) -> str:
    """A title's words, lower-case: case, punctuation, digits and spacing folded away.

    "Timeout after 30s (req 4411)" and "timeout after 45s: req 97" both give "timeout after s req".
    """
    return " ".join(_WORD.findall(title.lower()))


def fingerprint(kind: str, title: str) -> str:
    """A short stable hash of a record's kind and normalised title."""
    text = f"{kind}\x1f{normalise_title(title)}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
