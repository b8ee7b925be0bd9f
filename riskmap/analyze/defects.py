"""Defect or not: a small shipped linear model reads an issue's title and body when its fields say nothing.

Pure and offline: the model (``defect_model.json`` next to this module, built by
``benchmarks/train_defect_model.py`` from labelled GitHub issues) is a TF-IDF + logistic
regression whose vocabulary, document frequencies and coefficients are read once, lazily. The shipped
model reads the words and word pairs of the title (twice) and of the first 4,000 characters of the raw
body (``plain_tokens``: template headings and code included, as words), and a few signals of the report's
shape (a stack trace, steps to reproduce, a title that asks, a request for something new: ``SIGNALS``).
Models built with the other fields (words of the cleaned body, ``form:`` words, character n-grams) load
the same way. A score is a sum of weights over the issue's tokens and signals; only the standard library
is needed.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

#: Where the shipped model lives, inside the riskmap package.
MODEL_RESOURCE = "defect_model.json"

#: How much of a (cleaned) body is read; the rest of a very long report adds little but time.
BODY_CHARS = 6000

_FENCE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_DETAILS = re.compile(r"<details>.*?(?:</details>|\Z)", re.S | re.I)
_TRACE_LINE = re.compile(
    r"^\s*(?:at [\w$.<>\[\]/]+ ?\(.*\)|at .+:\d+(?::\d+)?\)?|File \".+\", line \d+.*"
    r"|Traceback \(most recent call last\):|#\d+\s+0x[0-9a-f]+ .*|\w+(?:\.\w+)*(?:Error|Exception)(?::.*)?)\s*$",
    re.M,
)
_TRACE_HINT = re.compile(
    r"Traceback \(most recent call last\)|^\s*at \S+ ?\(.*:\d+|File \".+\", line \d+|\bSegmentation fault\b"
    r"|\bcore dumped\b|^\s*#\d+\s+0x[0-9a-f]+|(?:Error|Exception):|\bpanicked at\b|\berror: \(-\d+",
    re.M,
)
_EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Fault)\b")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t].*$|^\*\*[^*\n]{1,80}\*\*:?[ \t]*$", re.M)
_CHECKLIST = re.compile(r"^[ \t]*[-*+][ \t]*\[[ xX]?\][^\n]*$", re.M)
_NO_RESPONSE = re.compile(r"^[ \t]*_?No response_?[ \t]*$", re.M | re.I)
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_URL = re.compile(r"(?:[Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp]|file)://\S+|www\.\S+")
_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_BLANKS = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

_VERSION = re.compile(r"\bv?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?\b")
_WORD = re.compile(r"[a-z][a-z0-9_']*[a-z0-9]|[a-z]")

#: The tokens clean_issue_text leaves in place of what it removes, kept as evidence.
STACKTRACE, CODEBLOCK, VERSION = "stacktrace", "codeblock", "versionnumber"


def _code_token(block: str) -> str:
    """What a fenced block becomes: ``stacktrace`` and the exception names in it, else ``codeblock``."""
    if _TRACE_HINT.search(block):
        names = sorted(set(_EXCEPTION_NAME.findall(block)))[:5]
        return " ".join([f" {STACKTRACE}", *names, ""])
    return f" {CODEBLOCK} "


def clean_issue_text(body: str) -> str:
    """The part of an issue body its reporter wrote, with code and traces reduced to marker words.

    Removes HTML comments, ``<details>`` sections, template headings (``### Steps to reproduce``,
    a line that is only ``**bold**``), checklists (``- [ ] I searched ...``), ``_No response_``,
    tables, images, URLs, link targets and HTML tags. A fenced block becomes ``stacktrace`` (plus the
    exception names in it) when it looks like an exception trace, else ``codeblock``; an unfenced
    run of trace lines becomes one ``stacktrace``. Whitespace is collapsed. Cleaning the result again
    changes nothing more than whitespace. The marker words can make a short text longer (six backticks
    become ``codeblock``), never more than three times as long.
    """
    # Each pattern runs only when the text holds a string every match of it needs (a cheap test first).
    text = _HTML_COMMENT.sub(" ", body) if "<!--" in body else body
    if "```" in text or "~~~" in text:
        text = _FENCE.sub(lambda m: _code_token(m.group()), text)
    if "`" in text:
        text = _INLINE_CODE.sub(lambda m: m.group()[1:-1], text)
    if "<" in text:
        text = _DETAILS.sub(" ", text)
    if "![" in text:
        text = _IMAGE.sub(" ", text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "<" in text:
        # removing a tag can leave the start of an outer one closed by what followed it (``<a<a>-->``)
        while (untagged := _TAG.sub(" ", text)) != text:
            text = untagged
    if "#" in text or "**" in text:
        text = _HEADING.sub("", text)
    if "[" in text:
        text = _CHECKLIST.sub("", text)
    text = _NO_RESPONSE.sub("", text)
    if "|" in text:
        text = _TABLE_ROW.sub("", text)
    text = _trace_runs(text)
    if "\t" in text or "  " in text:  # else every run of blanks is one space already
        text = _BLANKS.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def _trace_runs(text: str) -> str:
    """Each run of consecutive stack-trace lines becomes one ``stacktrace`` token and its exception names."""
    lines = text.split("\n")
    out: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line and _TRACE_LINE.match(line):
            run.append(line)
            continue
        if run:
            if len(run) >= 2 or _TRACE_HINT.search(run[0]):
                names = sorted(set(_EXCEPTION_NAME.findall("\n".join(run))))[:5]
                out.append(" ".join([STACKTRACE, *names]))
            else:
                out.extend(run)
            run = []
        out.append(line)
    return "\n".join(out[:-1])


def _words(text: str) -> list[str]:
    """Lower-case word tokens, with version numbers as one marker word."""
    return _WORD.findall(_VERSION.sub(f" {VERSION} ", text.lower()))


#: The word pairs a model's field knows, as ``(first, second)``: given to the tokenizers, they make only those pairs
#: (found in C), since a pair the model does not know adds nothing to a score. None: every pair.
Pairs = frozenset[tuple[str, ...]] | None


def _with_bigrams(words: list[str], pairs: Pairs = None) -> list[str]:
    """The words and every pair of neighbouring words (only those in ``pairs``, when given)."""
    found = pairwise(words) if pairs is None else filter(pairs.__contains__, pairwise(words))
    return [*words, *(f"{a} {b}" for a, b in found)]


def title_tokens(title: str, pairs: Pairs = None) -> list[str]:
    """The features of a title: its words and word pairs."""
    return _with_bigrams(_words(title), pairs)


#: A line of the issue form: a Markdown heading, a line that starts in bold, an ``Issue Type: <b>..</b>`` field.
_FORM_LINE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+([^\n]{1,120})$|^[ \t]*\*\*([^*\n]{1,100})\*\*"
                        r"|^[ \t]*(?:issue )?type:[ \t]*<b>([^<\n]{1,60})</b>", re.M | re.I)
#: The prefix that keeps the form's words apart from the reporter's words in the model.
FORM_PREFIX = "form:"


def form_tokens(body: str) -> list[str]:
    """The words of the issue form's own lines (headings, bold prompts, type fields), each prefixed ``form:``.

    The reporter's template says what kind of issue it is ("Describe the bug", "Is your feature
    request related to a problem?"); ``clean_issue_text`` drops these lines, so they are kept here
    as separate features, once each.
    """
    found = dict.fromkeys(
        f"{FORM_PREFIX}{word}"
        for match in _FORM_LINE.finditer(body[: BODY_CHARS])
        for word in _words(next(group for group in match.groups() if group is not None))
    )
    return list(found)


def body_tokens(body: str, cleaned: str | None = None, pairs: Pairs = None) -> list[str]:
    """The features of a body: words and word pairs of its cleaned text (the first BODY_CHARS characters),
    and the words of its issue form (``form_tokens``). ``cleaned`` is ``cleaned_body(body)`` when known."""
    text = cleaned_body(body) if cleaned is None else cleaned
    return [*_with_bigrams(_words(text), pairs), *form_tokens(body)]


def cleaned_body(body: str) -> str:
    """The first BODY_CHARS characters of the cleaned body (``clean_issue_text``): what the model reads of it."""
    return clean_issue_text(body[: BODY_CHARS * 4])[:BODY_CHARS]


#: The shortest and longest character n-gram of a word that the model reads.
CHAR_GRAMS = (3, 5)
#: How much of the cleaned body the model reads as character n-grams.
CHAR_BODY_CHARS = 1000
_SPACE_RUNS = re.compile(r"\s\s+")


def char_grams(text: str) -> list[str]:
    """The character n-grams (``CHAR_GRAMS``) of each lower-case word of a text, padded with one space each side;
    a padded word no longer than n gives itself once and no longer n-grams (scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    low, high = CHAR_GRAMS
    for word in _SPACE_RUNS.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
            if len(padded) <= n:
                break
    return grams


_SIGNAL = re.I | re.M
#: What a report's shape says beyond its words: signal name -> (where it is looked for, pattern). Each present
#: signal is one 0/1 feature of the model, weighed in training like a word (never a hard override).
#: Where: ``title``, ``body`` (the raw body, for its section headings, which cleaning removes), ``text``
#: (the cleaned body), ``title+text``.
SIGNALS: dict[str, tuple[str, re.Pattern[str]]] = {
    # a stack trace (the cleaning's marker word) in the body
    "trace": ("text", re.compile(rf"\b{STACKTRACE}\b")),
    # an error message or a failure in the reporter's words
    "error": ("text", re.compile(r"\b(?:error|exception|fail(?:ed|s|ure)?|crash(?:es|ed)?|segfault|abort)", _SIGNAL)),
    # "expected / actual behaviour" sections
    "expected": ("body", re.compile(r"expected (?:behaviou?r|result|output)|actual (?:behaviou?r|result|output)"
                                    r"|current behaviou?r", _SIGNAL)),
    # "steps to reproduce"
    "steps": ("body", re.compile(r"steps to reproduce|to reproduce|reproduction steps|repro steps"
                                 r"|minimal reproducible", _SIGNAL)),
    # a title that ends with a question mark
    "title asks": ("title", re.compile(r"\?\s*$")),
    # a title that opens as a question
    "title question": ("title", re.compile(r"^\W*(?:how (?:to|do|can|does|should)|is (?:it|there) (?:possible|a way)"
                                           r"|can (?:i|we|you)|why (?:does|is|do)|what (?:is|are)|does .* support)\b",
                                           _SIGNAL)),
    # a request for something new, in the title or the start of the body
    "asks for": ("title+text", re.compile(r"\b(?:add support|feature request|would be (?:nice|great|useful)"
                                          r"|allow\b.*\bto\b|add (?:an? )?(?:option|ability|support)|support for"
                                          r"|provide (?:an? )?(?:option|way))", _SIGNAL)),
    # a failure word in the title
    "title fails": ("title", re.compile(r"\b(?:crash\w*|error|fail\w*|broken|not work\w*|doesn'?t work|does not"
                                        r"|wrong|incorrect|exception|regression|segfault|hang\w*|freez\w*)\b",
                                        _SIGNAL)),
    # a reporter asking for help
    "asks help": ("text", re.compile(r"\b(?:how (?:can|do) i|is it possible|any (?:idea|help|suggestion)|please help"
                                     r"|thanks? (?:in advance|you)|i(?:'m| am) (?:new|trying))", _SIGNAL)),
}
#: How much of the cleaned body the ``title+text`` and ``text`` signals read.
SIGNAL_CHARS = 3000


#: For a signal read in a long text: strings (lower case) one of which every match of its pattern holds. A text
#: in ASCII holding none of them in lower case is not searched: on ASCII text, a case-insensitive pattern
#: matches just where it matches the text's lower case.
SIGNAL_NEEDS: dict[str, tuple[str, ...]] = {
    "trace": (STACKTRACE,),
    "error": ("error", "exception", "fail", "crash", "segfault", "abort"),
    "expected": ("expected ", "actual ", "current behavio"),
    "steps": ("repro",),
    "asks for": ("add ", "feature request", "would be ", "allow", "support for", "provide "),
    "asks help": ("how ", "is it possible", "any ", "please help", "thank", "i'm ", "i am "),
}


#: The case-insensitive ``SIGNALS`` without the flag, for the lower case of an ASCII text (where they match just
#: where the originals match the text: their words are in lower case), which Python's ``re`` searches faster.
_LOWER_SIGNALS = {name: re.compile(pattern.pattern, pattern.flags & ~re.I)
                  for name, (_, pattern) in SIGNALS.items() if pattern.flags & re.I}


def issue_signals(title: str, body: str, cleaned: str | None = None) -> list[str]:
    """The names of the ``SIGNALS`` an issue shows, in ``SIGNALS`` order (``cleaned``: ``cleaned_body(body)``
    when known). A signal's pattern is not searched in an ASCII text that lacks all its ``SIGNAL_NEEDS``, and in
    an ASCII text it is searched case-sensitively in the text's lower case (``_LOWER_SIGNALS``)."""
    text = (cleaned_body(body) if cleaned is None else cleaned)[:SIGNAL_CHARS]
    texts = {"title": title, "body": body[:BODY_CHARS], "text": text, "title+text": f"{title}\n{text}"}
    lowered = {where: value.lower() for where, value in texts.items() if value.isascii()}
    return [name for name, (where, pattern) in SIGNALS.items()
            if _shows(name, pattern, texts[where], lowered.get(where))]


def _shows(name: str, pattern: re.Pattern[str], text: str, lowered: str | None) -> bool:
    """Whether the signal ``name`` (its ``pattern``) shows in ``text``, whose lower case is ``lowered`` when the text
    is ASCII (else None)."""
    if lowered is None:
        return pattern.search(text) is not None
    if not _may_show(SIGNAL_NEEDS.get(name), lowered):
        return False
    lower = _LOWER_SIGNALS.get(name)
    return (pattern.search(text) if lower is None else lower.search(lowered)) is not None


def _may_show(needs: tuple[str, ...] | None, lowered: str) -> bool:
    """Whether a signal's pattern may match an ASCII text: it has no ``SIGNAL_NEEDS``, or the text's lower case
    (``lowered``) holds one of them."""
    return needs is None or any(need in lowered for need in needs)


#: How much of the raw body the ``words`` field reads.
WORDS_BODY_CHARS = 4000
_PLAIN_WORD = re.compile(r"(?u)\b\w\w+\b")


def plain_tokens(title: str, body: str, pairs: Pairs = None) -> list[str]:
    """The words (two or more word characters, lower case) and word pairs of the title twice and the first
    WORDS_BODY_CHARS characters of the raw body: what scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2))`` reads
    of ``"title title body"``. Nothing is cleaned: the template's headings and the code are words like any other."""
    return _with_bigrams(_PLAIN_WORD.findall(f"{title} {title} {body[:WORDS_BODY_CHARS]}".lower()), pairs)


#: The model's fields: name -> its tokens, from the title, the raw body, the cleaned body (``cleaned_body``) and
#: the word pairs the model knows (``Pairs``; the character n-gram fields and the signals have none).
FIELDS: dict[str, Callable[[str, str, str, Pairs], list[str]]] = {
    "title": lambda title, body, cleaned, pairs: title_tokens(title, pairs),
    "title_chars": lambda title, body, cleaned, pairs: char_grams(title),
    "body": lambda title, body, cleaned, pairs: body_tokens(body, cleaned, pairs),
    "body_chars": lambda title, body, cleaned, pairs: char_grams(cleaned[:CHAR_BODY_CHARS]),
    "words": lambda title, body, cleaned, pairs: plain_tokens(title, body, pairs),
    "signals": lambda title, body, cleaned, pairs: issue_signals(title, body, cleaned),
}


def issue_features(
    title: str, body: str, fields: Iterable[str] = FIELDS, pairs: Mapping[str, Pairs] | None = None,
) -> dict[str, list[str]]:
    """The tokens of each of the named model ``FIELDS``: ``title`` (words and pairs), ``title_chars`` (its
    character n-grams), ``body`` (words and pairs of the cleaned body, form words), ``body_chars`` (character
    n-grams of the first CHAR_BODY_CHARS characters of the cleaned body), ``words`` (``plain_tokens``: words and
    pairs of the title twice and the raw body) and ``signals`` (``issue_signals``). ``pairs``: per field, the
    only word pairs to make (a model's, for scoring); every pair without it."""
    cleaned = cleaned_body(body)
    return {name: FIELDS[name](title, body, cleaned, (pairs or {}).get(name)) for name in fields}


@cache
def load_model() -> dict[str, Any]:
    """The shipped model, read once: ``intercept``, ``threshold``, ``documents``, ``fields`` and ``signals``.

    Each field (``words``, or ``title``, ``body`` and optionally ``title_chars`` and ``body_chars``) holds
    ``sublinear`` and ``terms``: token -> [document frequency, coefficient]; the IDF is sklearn's smoothed one,
    ``ln((1 + documents) / (1 + df)) + 1``.
    ``signals`` (optional) maps a signal name (``SIGNALS``) to the weight it adds to the logit when present.
    """
    raw = json.loads(resources.files("riskmap.analyze").joinpath(MODEL_RESOURCE).read_text("utf-8"))
    documents = raw["documents"]
    for field in raw["fields"].values():
        field["weights"] = {
            term: (math.log((1 + documents) / (1 + df)) + 1.0, coef) for term, (df, coef) in field["terms"].items()
        }
        # A word pair is two words joined by one space (no word holds one).
        field["pairs"] = frozenset(
            parts for term in field["terms"] if len(parts := tuple(term.split(" "))) == 2 and all(parts))
    return dict(raw)


def _field_score(tokens: list[str], field: dict[str, Any]) -> float:
    """One field's share of the logit: the L2-normalised TF-IDF vector of its tokens dotted with the coefficients."""
    weights = field["weights"]
    sublinear = field["sublinear"]
    dot = norm = 0.0
    counts = Counter(tokens)
    # Most tokens (word pairs above all) are not in the vocabulary: they are passed over in C, in token order.
    for term in filter(weights.__contains__, counts):
        idf, coef = weights[term]
        count = counts[term]
        value = (1.0 + math.log(count) if sublinear else float(count)) * idf
        dot += value * coef
        norm += value * value
    return dot / math.sqrt(norm) if norm else 0.0


def defect_probability(title: str, body: str) -> float:
    """How likely, from 0 to 1, an issue with this title and body reports a defect (not a feature or a question)."""
    model = load_model()
    signals = model.get("signals", {})
    features = issue_features(title or "", body or "", [*model["fields"], *(["signals"] if signals else [])],
                              {name: field["pairs"] for name, field in model["fields"].items()})
    logit = (
        model["intercept"]
        + sum(_field_score(features[name], field) for name, field in model["fields"].items())
        + sum(signals.get(name, 0.0) for name in features.get("signals", []))
    )
    return 1.0 / (1.0 + math.exp(-logit)) if logit >= -700 else 0.0


def is_defect(title: str, body: str) -> bool:
    """Whether an issue reports a defect: ``defect_probability`` at or above the model's threshold.

    The threshold is stored in the model file (``threshold``); it is the one that gave the best defect F1 in
    cross-validation when the model was built (0.5 if absent).
    """
    return defect_probability(title, body) >= load_model().get("threshold", 0.5)
