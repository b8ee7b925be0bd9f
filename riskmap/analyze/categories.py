"""What kind of failure a record is: the category its source gives, or one read from its text.

The taxonomy below is the documented one: each category with the words that suggest it. A text
gets the category whose words it uses most (ties go to the earlier category); a text using none
of them is ``other``. The title is read first, the description only when the title says nothing.
Words match in their common forms, so ``serialised`` meets ``serialise``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from riskmap.analyze.defects import clean_issue_text
from riskmap.text import ascii_table, ascii_words

OTHER = "other"

#: Category -> the words (lower-case, whole tokens) and phrases (substrings) that suggest it.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "security": (
        "security", "xss", "csrf", "ssrf", "injection", "vulnerability", "cve", "unauthorized",
        "unauthorised", "unauthenticated", "permission", "privilege", "leak", "exposed",
        "secret", "credential", "escaping", "unescaped", "sanitize", "sanitise", "forbidden",
        "token", "auth", "authz", "signature", "encrypt", "encryption", "password", "tls",
        "impersonate", "spoof", "authenticate", "login", "authentication failure",
    ),
    "concurrency": (
        "race", "concurrent", "concurrency", "concurrently", "deadlock", "lock", "locking",
        "mutex", "thread", "atomic", "parallel", "idempotent", "idempotency", "simultaneous",
        "conditional", "lost update", "race condition", "at the same time",
    ),
    "data integrity": (
        "corrupt", "corruption", "duplicate", "lost", "lose", "missing", "inconsistent",
        "inconsistency", "overwrite", "overwritten", "orphan", "truncate", "drop", "integrity",
        "stale", "shared", "data loss", "mutable default",
    ),
    "validation": (
        "validation", "validate", "invalid", "malformed", "schema", "required", "accept",
        "reject", "constraint", "negative", "empty", "boundary", "range", "input", "allow",
        "outside",
    ),
    "business logic": (
        "rule", "transition", "workflow", "calculation", "calculate", "incorrect", "wrong",
        "skip", "count", "recurring", "reopen", "state", "status", "logic", "business",
    ),
    "api contract": (
        "endpoint", "parameter", "response", "request", "contract", "header", "query string",
        "query parameter", "breaking change", "status code", "returns 200", "returns 404",
    ),
    "error handling": (
        "exception", "unhandled", "uncaught", "traceback", "crash", "retry", "fallback",
        "swallow", "500", "panic", "keyerror", "typeerror", "valueerror", "attributeerror",
        "nullpointerexception", "ignore", "failure", "unchecked", "backoff", "error handling",
        "null pointer",
    ),
    "performance": (
        "slow", "slowness", "latency", "timeout", "performance", "memory", "cpu", "throttle",
        "throttling", "n+1", "pagination", "paginate", "scan", "bottleneck", "load",
        "throughput", "oom", "connection", "pool", "exhaust", "quota", "cold start", "n+1 query", "memory leak",
    ),
    "date and time": (
        "timezone", "utc", "dst", "daylight", "midnight", "calendar", "leap", "clock",
        "time zone", "date",
    ),
    "configuration": (
        "config", "configuration", "misconfigured", "environment", "env", "setting", "variable",
        "iam", "deploy", "deployment", "region", "feature flag",
    ),
    "serialization": (
        "serialize", "serialise", "serialization", "serialisation", "deserialize",
        "deserialization", "json", "encoding", "decode", "encode", "utf", "unicode",
        "datetime", "marshal", "unmarshal", "parse", "parsing", "format",
    ),
    "observability": (
        "log", "logging", "metric", "tracing", "trace", "alert", "alarm", "monitoring",
        "dashboard", "observability", "correlation",
    ),
}

#: What trackers call these categories, and issue types that are no category at all (None).
SYNONYMS: dict[str, str | None] = {
    "race condition": "concurrency",
    "race": "concurrency",
    "data": "data integrity",
    "data loss": "data integrity",
    "data-integrity": "data integrity",
    "data_integrity": "data integrity",
    "input validation": "validation",
    "error-handling": "error handling",
    "error_handling": "error handling",
    "exception handling": "error handling",
    "reliability": "error handling",
    "perf": "performance",
    "config": "configuration",
    "serialisation": "serialization",
    "logging": "observability",
    "monitoring": "observability",
    **dict.fromkeys(
        ("bug", "defect", "issue", "task", "story", "feature", "enhancement", "improvement",
         "epic", "sub-task", "subtask", "incident", "problem", "error", "regression"),
        None,
    ),
}

#: How much of a description is classified when the title says nothing: its opening, where
#: reporters say what went wrong (and a bound on the work a long description costs).
CLASSIFY_CHARS = 400

_ENDINGS = ("s", "es", "ed", "d", "ing", "ion", "ions", "ation", "ations", "er", "ers", "ly", "ity")


def inflections(word: str) -> set[str]:
    """A keyword and the forms it takes in text ('serialise', 'serialised', 'serialising', ...)."""
    roots = {word}
    if word.endswith("e"):
        roots.add(word[:-1])
    if word.endswith("y"):
        roots.add(word[:-1] + "i")
    if word.endswith(("ion", "ise", "ize")):
        roots.add(word[:-3])
    return {word} | {root + ending for root in roots for ending in _ENDINGS}


_WORD_CATEGORY = {
    form: category
    for category, words in reversed(TAXONOMY.items())
    for word in words
    if " " not in word
    for form in inflections(word)
}
_WORDS = frozenset(_WORD_CATEGORY)
_PHRASES = tuple(
    (phrase, category) for category, words in TAXONOMY.items() for phrase in words if " " in phrase
)
_ORDER = {category: index for index, category in enumerate(TAXONOMY)}
#: Every word form and phrase -> its category (each phrase belongs to one category).
_TERM_CATEGORY = {**_WORD_CATEGORY, **dict(_PHRASES)}
_TOKEN = re.compile(r"[a-z0-9+]+")
#: _TOKEN's characters, for the fast path of ASCII text (``ascii_words``), and the words as bytes.
_TOKEN_TABLE = ascii_table("abcdefghijklmnopqrstuvwxyz0123456789+")
_ASCII_WORDS = frozenset(word.encode("ascii") for word in _WORDS)


_LABEL_PREFIX = re.compile(r"^(?:type|kind|category|area|t)\s*[:/\-]\s*")
#: A template's field label at the start of a line (``**Browser / Version**:``, ``Steps:``): not the reporter's words.
_FIELD_LABEL = re.compile(r"^[ \t]*(?:\*\*[^*\n]{1,80}\*\*|__[^_\n]{1,80}__)[ \t]*:?", re.M)


@lru_cache(maxsize=4096)
def given_category(raw: str | None) -> str | None:
    """The category a source states, normalised; None when it names none of the taxonomy's categories.

    A tracker's type (bug, feature, task ...) or a label such as ``duplicate``, ``question``,
    ``docs`` or ``chore`` names no category: the text decides instead.
    """
    if raw is None:
        return None
    word = " ".join(raw.strip().lower().replace("_", " ").split())
    bare = _LABEL_PREFIX.sub("", word)
    for candidate in (word, bare, bare.replace("-", " ")):
        if candidate in TAXONOMY:
            return candidate
        if candidate in SYNONYMS:
            return SYNONYMS[candidate]
    return None


def reporter_text(description: str) -> str:
    """The words a reporter wrote in a description: issue-template comments, headings, checklists,
    field labels (``**Browser / Version**:``), tables, links and code taken out (see ``clean_issue_text``)."""
    cleaned = clean_issue_text(description[: CLASSIFY_CHARS * 10])
    return _FIELD_LABEL.sub(" ", cleaned) if "**" in cleaned or "__" in cleaned else cleaned


def classify_text(text: str) -> tuple[str, str]:
    """The category a text suggests and the words that suggest it.

    The category whose words (in any of their forms) appear most, each distinct word counted
    once; ties go to the earlier category of the taxonomy.
    """
    lowered = text[:CLASSIFY_CHARS].lower()
    terms = taxonomy_words(lowered)
    terms.update(phrase for phrase, _ in _PHRASES if phrase in lowered)
    return _verdict(frozenset(terms))


@lru_cache(maxsize=1 << 17)
def classify_title(title: str) -> tuple[str, str]:
    """``classify_text`` of a title, cached: the records of an export repeat their titles (a generated
    200,000-record export has 74,000 distinct ones)."""
    return classify_text(title)


@lru_cache(maxsize=65536)
def _verdict(terms: frozenset[str]) -> tuple[str, str]:
    """``classify_text``'s answer for the taxonomy's words and phrases found in a text (texts share a few
    such sets, so each is decided once)."""
    hits: dict[str, list[str]] = {}
    for term in terms:
        hits.setdefault(_TERM_CATEGORY[term], []).append(term)
    if not hits:
        return OTHER, "no category keyword in the text"
    best = min(hits, key=lambda c: (-len(hits[c]), _ORDER[c]))
    words = sorted(hits[best])
    return best, "keywords " + ", ".join(f"'{w}'" for w in words[:5])


def taxonomy_words(lowered: str) -> set[str]:
    """The taxonomy's words (in any of their forms) among a lower-case text's tokens (``[a-z0-9+]+``)."""
    tokens = ascii_words(lowered, _TOKEN_TABLE)
    if tokens is None:
        return set(_WORDS.intersection(_TOKEN.findall(lowered)))
    return {word.decode("ascii") for word in _ASCII_WORDS.intersection(tokens)}


def categorise(raw: str | None, title: str, description: str, labels: Iterable[str] = ()) -> tuple[str, str]:
    """The record's category and the evidence for it.

    The category the source gives, when it names one; else the first label that names one; else
    the one its title suggests; else the one the opening (``CLASSIFY_CHARS`` characters) of the
    reporter's own words in the description suggests (``reporter_text``); else ``other``.
    """
    given = _stated(raw, "given as")
    if given is not None:
        return given
    for label in labels:
        named = _stated(label, "labelled")
        if named is not None:
            return named
    category, why = classify_title(title)
    if category == OTHER and description:
        category, why = classify_text(reporter_text(description))
        if category != OTHER:
            return _in_description(category, why)
    return category, why


@lru_cache(maxsize=4096)
def _stated(raw: str | None, how: str) -> tuple[str, str] | None:
    """The category a field or label names and the evidence (``given as 'X'``), once per distinct value: the
    records of an export share them, and so share the text."""
    named = given_category(raw)
    return None if named is None else (named, f"{how} '{raw}'")


@lru_cache(maxsize=4096)
def _in_description(category: str, why: str) -> tuple[str, str]:
    """The answer of the description's words, saying so (once per distinct answer, shared by the records)."""
    return category, f"{why} in the description"
