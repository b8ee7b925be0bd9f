"""Fingerprints: what identical evidence shares, across files and sources."""

from __future__ import annotations

import hashlib
import string

#: Case, punctuation and digits folded away: "Timeout after 30s (req 4411)" ~ "timeout after ##s req ####".
_FOLD = str.maketrans(
    {**{c: " " for c in string.punctuation + "\t\r\n"}, **{d: "#" for d in string.digits}}
)


def normalise_title(title: str) -> str:
    """A title with case, punctuation, digits and runs of spaces folded away."""
    return " ".join(title.lower().translate(_FOLD).split())


def fingerprint(kind: str, title: str) -> str:
    """A short stable hash of a record's kind and normalised title."""
    text = f"{kind}\x1f{normalise_title(title)}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
