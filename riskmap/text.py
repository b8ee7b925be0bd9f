"""Small text rules every stage shares: stable hashes, control characters, plurals and articles."""

from __future__ import annotations

import hashlib
import re

#: ASCII control characters (and DEL): never shown as they are in a report or a message.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")


def stable_hash(kind: str, text: str) -> str:
    """A short hash of ``text`` within ``kind`` that is the same in every run and on every machine.

    16 hex digits of blake2b over ``kind``, a unit separator and the text; the fingerprints of
    bugs, tests and log templates are all made this way.
    """
    data = f"{kind}\x1f{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def one_line(text: str) -> str:
    """Text on one line: every run of control characters (newlines included) becomes a space."""
    return CONTROL_CHARS.sub(" ", text)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and the word in the right number: ``1 error``, ``2 errors``, ``3 entries`` (with ``many``)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def article(word: str) -> str:
    """The word with ``a`` or ``an`` by its sound, as far as a first letter tells: ``an HDFS``, ``a syslog``."""
    spelled = word[:1].lower() in "aeio" or (word.isupper() and word[:1] in "AEFHILMNORSX") or (
        word[:1].lower() == "u" and not word.lower().startswith(("uni", "use", "usu", "uti")))
    return f"{'an' if spelled else 'a'} {word}"


def ascii_table(kept: str) -> bytes:
    """A ``bytes.translate`` table that keeps the ASCII characters in ``kept`` and turns every other byte
    into a space: with :func:`ascii_words`, the runs of those characters in a text."""
    keep = kept.encode("ascii")
    return bytes(byte if byte in keep else 0x20 for byte in range(256))


def ascii_words(text: str, table: bytes) -> list[bytes] | None:
    """The maximal runs of the characters ``table`` keeps (:func:`ascii_table`), in order, as bytes; None
    when the text is not all ASCII. The same runs a regex ``[kept]+`` finds, several times faster: a
    caller falls back to its regex for other text."""
    if not text.isascii():
        return None
    return text.encode("ascii").translate(table).split()
