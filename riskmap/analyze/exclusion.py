"""What counts as a defect: the decision order, from the tracker's own fields down to the text.

A bug record counts unless something says it is not a defect. What decides, strongest first:

1. The tracker's resolution (``extra["resolution"]``: Jira's Resolution, Bugzilla's resolution, a CSV
   ``resolution`` column), a resolution-like label (duplicate, invalid, wontfix, worksforme) and GitHub's
   ``state_reason: not_planned``: duplicate, invalid, won't fix, cannot reproduce, not a bug.
2. The tracker's type: the record's category field (Jira's Issue Type, a CSV ``type``/``kind``/``issue
   type`` column, a GitHub ``type: ...`` label), then its labels (bug, enhancement, feature, question,
   documentation ...), then Bugzilla's severity ``enhancement``.
3. A severity the export gives (``gives_severity``: trackers rate defects by severity, features by
   priority): such a record counts.
4. Only when none of those speaks: the reporter's own statement of type in the issue form
   (``issue_form_type``), then the text model (``defects.is_defect``), which is not asked when the
   body has fewer than ``MIN_BODY_WORDS`` words (a title alone is too little to overrule the
   export): such a record counts.

Logs and failing tests always count; an ingester that already set ``excluded`` is not overruled.
"""

from __future__ import annotations

import re
from functools import lru_cache

from riskmap.analyze.categories import given_category
from riskmap.analyze.defects import is_defect
from riskmap.models import Kind, Record

#: Reasons a record is not counted (``Record.excluded``); "duplicate of X" also names the original.
FEATURE, QUESTION, DOCUMENTATION, TASK = "feature request", "question", "documentation", "task"
DUPLICATE, INVALID, WONT_FIX, CANNOT_REPRODUCE, NOT_A_BUG = (
    "duplicate", "invalid", "won't fix", "cannot reproduce", "not a bug")
#: The reason the text model gives when it reads an issue as no defect.
NOT_A_DEFECT_TEXT = "not a defect (text)"

#: A tracker's resolution word (lower-case, spaces for separators) -> the reason; absent words count.
RESOLUTIONS: dict[str, str] = {
    "duplicate": DUPLICATE, "duplicated": DUPLICATE,
    "invalid": INVALID, "incomplete": INVALID, "spam": INVALID,
    "won't fix": WONT_FIX, "wontfix": WONT_FIX, "won't do": WONT_FIX, "wont fix": WONT_FIX,
    "wont do": WONT_FIX, "not planned": WONT_FIX, "not_planned": WONT_FIX, "declined": WONT_FIX,
    "rejected": WONT_FIX, "obsolete": WONT_FIX, "expired": WONT_FIX, "abandoned": WONT_FIX,
    "cannot reproduce": CANNOT_REPRODUCE, "can't reproduce": CANNOT_REPRODUCE,
    "cannot reproduce.": CANNOT_REPRODUCE, "worksforme": CANNOT_REPRODUCE, "works for me": CANNOT_REPRODUCE,
    "not reproducible": CANNOT_REPRODUCE,
    "not a problem": NOT_A_BUG, "not a bug": NOT_A_BUG, "works as designed": NOT_A_BUG,
    "working as intended": NOT_A_BUG, "as designed": NOT_A_BUG, "by design": NOT_A_BUG,
    "not an issue": NOT_A_BUG, "notabug": NOT_A_BUG,
}

#: A tracker's type word -> None for a defect, else the reason it is not one.
TYPES: dict[str, str | None] = {
    **dict.fromkeys(("bug", "defect", "incident", "problem", "crash", "regression", "fault", "error",
                     "failure", "hotfix", "security", "vulnerability", "type bug", "kind bug",
                     "confirmed bug", "bug report", "type: bug", "kind/bug"), None),
    **dict.fromkeys(("feature", "new feature", "feature request", "enhancement", "improvement", "story",
                     "user story", "epic", "wish", "wishlist", "new functionality", "proposal",
                     "suggestion", "idea", "type: feature", "type: enhancement", "kind/feature",
                     "feature-request", "enhancement request"), FEATURE),
    **dict.fromkeys(("question", "support", "help wanted question", "discussion", "how to", "how-to",
                     "type: question", "kind/question", "needs info", "usage"), QUESTION),
    **dict.fromkeys(("documentation", "docs", "doc", "type: docs", "kind/documentation",
                     "type: documentation"), DOCUMENTATION),
    **dict.fromkeys(("task", "sub-task", "subtask", "technical task", "chore", "refactor", "refactoring",
                     "maintenance", "test", "tests", "dependencies", "build", "ci", "release", "umbrella",
                     "type: chore", "kind/cleanup", "cleanup"), TASK),
}

#: Labels that state a resolution rather than a type.
RESOLUTION_LABELS: dict[str, str] = {
    "duplicate": DUPLICATE, "invalid": INVALID, "wontfix": WONT_FIX, "won't fix": WONT_FIX,
    "wont fix": WONT_FIX, "worksforme": CANNOT_REPRODUCE, "works for me": CANNOT_REPRODUCE,
    "cannot reproduce": CANNOT_REPRODUCE, "can't reproduce": CANNOT_REPRODUCE, "not a bug": NOT_A_BUG,
    "notabug": NOT_A_BUG, "as designed": NOT_A_BUG, "by design": NOT_A_BUG, "not planned": WONT_FIX,
    "resolution: duplicate": DUPLICATE, "resolution: invalid": INVALID, "resolution: wontfix": WONT_FIX,
}

_LABEL_PREFIX = re.compile(r"^(?:type|kind|category|issue[ -]?type|t|status|resolution)\s*[:/\-]\s*", re.I)
_SPACES = re.compile(r"[\s_]+")

#: The issue form's own statement of type (checked in the title and the first part of the body).
_FORM_TYPE = re.compile(
    r"^[ \t]*#{1,6}[ \t]*(?:issue[ \t]+type|type[ \t]+of[ \t]+issue)[ \t]*\n+[ \t]*(?P<form>[A-Za-z /]+?)[ \t]*$"
    r"|issue[ \t]+type:[ \t]*(?:<b>)?[ \t]*(?P<inline>[A-Za-z /]+?)[ \t]*(?:</b>|$)",
    re.I | re.M,
)
_TITLE_TAG = re.compile(r"^\W{0,3}(?P<tag>bug|feature request|feature|enhancement|question|docs?|documentation"
                        r"|proposal|rfc)\b\W", re.I)
#: Fewer words than this in the body (the first 400 characters): a title alone is too little text for the
#: model to overrule the export, and the record counts.
MIN_BODY_WORDS = 8
_ANY_WORD = re.compile(r"\w+")
#: How much of a body the issue-form rules read: forms put their type at the top.
FORM_CHARS = 3000


@lru_cache(maxsize=4096)
def normal_word(value: str) -> str:
    """A type, label or resolution as a lower-case phrase with single spaces."""
    return _SPACES.sub(" ", value.strip().lower().replace("\u2019", "'"))


#: A label's decoration: emoji shortcodes (``:bug:``), and anything but ASCII letters, digits, spaces and ``'``.
_DECORATION = re.compile(r":[a-z0-9_+-]+:|[^a-z0-9' ]+")
#: What a decorated label may put before its type word (rollup's ``t¹ 🐞 bug``, Gutenberg's ``[Type] Bug``).
_PLAIN_PREFIX = re.compile(r"^(?:type|kind|category|issue type|t|status|resolution) ")


def plain_label(word: str) -> str:
    """A ``normal_word`` without its decoration (``🐛 bug`` -> ``bug``, ``[type] bug`` -> ``type bug``,
    ``:sparkles: enhancement`` -> ``enhancement``), for labels that dress their type word up."""
    return " ".join(_DECORATION.sub(" ", word).split())


@lru_cache(maxsize=4096)
def type_reason(value: str | None) -> tuple[bool, str | None]:
    """Whether a type word speaks, and if so the reason it is no defect (None: it is one).

    A type that names a failure category (``security``, ``performance`` ...) speaks for a defect.
    """
    if not value:
        return False, None
    word = normal_word(value)
    if word in TYPES:
        return True, TYPES[word]
    bare = _LABEL_PREFIX.sub("", word)
    if bare != word and bare in TYPES:
        return True, TYPES[bare]
    plain = plain_label(word)
    for candidate in (plain, _PLAIN_PREFIX.sub("", plain)):
        if candidate != word and candidate in TYPES:
            return True, TYPES[candidate]
    if given_category(word) is not None:
        return True, None
    return False, None


def resolution_reason(value: object) -> str | None:
    """The reason a resolution word gives (None for fixed, done or an unknown word)."""
    if not isinstance(value, str):
        return None
    word = normal_word(value)
    return RESOLUTIONS.get(word) or RESOLUTIONS.get(_LABEL_PREFIX.sub("", word))


@lru_cache(maxsize=4096)
def label_reason(labels: tuple[str, ...]) -> tuple[bool, str | None]:
    """What the labels say: a resolution label first, then a defect label, then a non-defect type label.

    Cached: a tracker's records share a few sets of labels, and every record asks twice.
    """
    words = [normal_word(label) for label in labels]
    for word in words:
        reason = RESOLUTION_LABELS.get(word) or RESOLUTION_LABELS.get(plain_label(word))
        if reason:
            return True, reason
    spoken = [type_reason(word) for word in words]
    if any(speaks and reason is None for speaks, reason in spoken):
        return True, None
    return next(((True, reason) for speaks, reason in spoken if speaks), (False, None))


def issue_form_type(title: str, body: str) -> tuple[bool, str | None]:
    """The reporter's own statement of type in the issue form, if any.

    Read: an ``### Issue Type`` heading followed by its answer, an ``Issue Type: <b>Bug</b>`` line,
    and a title that opens with a tag (``[Bug]``, ``Feature request:``, ``[Question]``). Only the
    first ``FORM_CHARS`` characters of the body are read.
    """
    head = body[:FORM_CHARS]
    form = _FORM_TYPE.search(head) if "type" in head.lower() else None
    if form:
        speaks, reason = type_reason(form["form"] or form["inline"])
        if speaks:
            return speaks, reason
    tag = _TITLE_TAG.match(title)
    if tag:
        return type_reason(tag["tag"])
    return False, None


def duplicate_reason(record: Record) -> str:
    """``duplicate of X`` when the record names its original, else ``duplicate``."""
    original = record.extra.get("duplicate_of") if record.extra else None
    return f"{DUPLICATE} of {original}" if original else DUPLICATE


def exclusion(record: Record) -> str | None:
    """Why a record is not a defect, or None when it counts (the decision order of this module)."""
    if record.kind != Kind.bug:
        return None
    if record.excluded is not None:
        return record.excluded
    extra = record.extra or {}
    resolution = extra.get("resolution")
    decided, reason = fields_verdict(
        resolution if isinstance(resolution, str) else None, record.labels, str(extra.get("state_reason") or ""),
        bool(extra.get("duplicate_of")), record.category, record.severity_raw, record.severity_field)
    if decided:
        return duplicate_reason(record) if reason == DUPLICATE else reason
    speaks, reason = issue_form_type(record.title, record.description)
    if speaks:
        return reason
    if short_body(record.description):
        return None
    return None if is_defect(record.title, record.description) else NOT_A_DEFECT_TEXT


def short_body(description: str) -> bool:
    """Whether a body is too short for the text model: fewer than MIN_BODY_WORDS words in its first 400
    characters."""
    return len(_ANY_WORD.findall(description[:400])) < MIN_BODY_WORDS


@lru_cache(maxsize=65536)
def fields_verdict(
    resolution: str | None, labels: tuple[str, ...], state_reason: str, names_original: bool, category: str | None,
    severity_raw: str | None, severity_field: str | None,
) -> tuple[bool, str | None]:
    """What a bug record's fields decide (steps 1 to 3 of this module): whether they decide, and the reason
    (None: a defect; ``duplicate`` when it is one, which the caller names with its original).

    Cached: the records of an export share a few combinations of these fields.
    """
    reason = resolution_reason(resolution)
    if reason is None:
        speaks, reason = label_reason(labels)
        reason = reason if speaks and reason in RESOLUTION_LABELS.values() else None
    if reason is None and normal_word(state_reason) in ("not planned", "not_planned"):
        reason = WONT_FIX
    if reason is not None:
        return True, reason
    if names_original:
        return True, DUPLICATE
    for speaks, reason in (type_reason(category), label_reason(labels)):
        if speaks:
            return True, reason
    if normal_word(severity_raw or "") == "enhancement":
        return True, FEATURE
    if gives_severity(severity_field):
        return True, None
    return False, None


def gives_severity(severity_field: str | None) -> bool:
    """Whether the export gives the record a severity (its ``severity_field`` is a ``severity`` field or label,
    not a priority): trackers rate defects by severity, so such a record is a defect report and the text is not
    asked."""
    return "sev" in (severity_field or "").lower()
