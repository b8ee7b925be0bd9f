"""Log template mining: lines that differ only in their variable parts share one template.

A message is masked first (numbers, dates, IPs, hex, UUIDs, paths, URLs, quoted values ...
become ``<*>``), split into tokens, and then clustered the way Drain does it (He et al., ICWS
2017): messages of the same length (a run of like values counts once) whose first two constant
tokens agree are compared position by position; a message joins the most similar template when
at least three in five of its tokens match it, and the positions that differ become ``<*>``.
Rules of riskmap's own keep distinct events apart without tuning to any system: ``key=value``
is read as a constant key and a variable value, a key is never turned into ``<*>``, a unit after
a value belongs to it (``384.0 B``, ``<1 sec``), so does a month or weekday name next to one
(``Sun Jul 10 03:55:21``), and two messages that differ in a constant word are different events.
A message that finds no template of its length, or differs from them in a constant word, joins
one of any length when the two, aligned, differ only in variable parts (:func:`joined`:
``close, <*> bytes sent`` and ``close, <*> bytes (<*>) sent``). When the log has been read,
templates that differ only in the word at one place are merged when that place took at least
``VARIABLE_WORDS`` different words (:meth:`TemplateMiner.settle`: user names), so a word that
varies little stays a constant (``stored as bytes`` and ``stored as values``), and so does a word
in capitals (a state: ``LOOKING``, ``LEADING``). What is left of an id after the masks, a run of
letters and digits holding a digit (``core.2275``, ``R02-M1-N0-C:J12-U11``), is a variable; a
quoted value is one variable, except that a quoted HTTP request line keeps its method.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from riskmap.text import stable_hash

WILDCARD = "<*>"
#: A message joins a template when at least this share of its tokens match it.
SIMILARITY = 0.6
#: Templates alike but for the word at one place are one template with a variable there when that
#: place took at least this many different words (``user root``, ``user news``, ``user test``).
VARIABLE_WORDS = 3
#: How many leading tokens choose the group of templates a message is compared with.
PREFIX = 2
#: Two messages are aligned across lengths (:func:`joined`) only when the product of their lengths is
#: at most this: the alignment takes that much time and memory (two lines of 1,000 tokens: a second).
ALIGNED_CELLS = 1_000_000

# Quoted values are masked over a whole message (they may hold spaces) ...
_QUOTED = re.compile(r"(?<![\w'])'[^'\n]*'(?![\w'])" "|" r'(?<![\w"])"[^"\n]*"(?![\w"])')
# ... the other variable parts token by token, in this order (longer shapes before plain numbers).
_MASKS = re.compile(
    "|".join(
        (
            r"\b[A-Za-z][A-Za-z0-9+.-]*://\S+",  # URLs
            r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",  # UUIDs
            r"(?<![\w.:])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])",  # IPv4, with a port
            r"(?<![\w:])(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}(?![\w:])",  # MAC addresses
            # dates
            r"(?<![\w.])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w.])",
            r"\b0[xX][0-9a-fA-F]+\b",  # 0x hex
            r"(?<![A-Za-z0-9])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}(?![A-Za-z0-9])",  # ids in hex
            r"(?<![\w/.])(?:[A-Za-z]:\\|\.{0,2}/)[^\s:;,'\"()\[\]{}]*[/\\][^\s:;,'\"()\[\]{}]*",  # paths
            r"(?<![A-Za-z0-9.])-?\d+(?:[.,:]\d+)*(?![A-Za-z0-9])",  # numbers (not glued to letters)
        )
    )
)
#: A quoted HTTP request line: its method is what tells its events apart (``"GET /v2/servers HTTP/1.1"``).
_REQUEST_LINE = re.compile(
    r"(?P<method>GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE) \S+(?P<version> HTTP/[\d.]+)?$")
#: What is left of an id after the masks: a run of letters, digits and ``. _ - #`` holding a digit
#: (``core.2275``, ``R02-M1-N0-C:J12-U11``, ``dn228``, ``blk_-42``) is a variable part.
_ID = re.compile(r"[\w.#-]*\d[\w.#-]*(?::[\w.#-]*\d[\w.#-]*)*")
_DIGIT = re.compile(r"\d")
#: A bracketed group holding values (and keys of values) but no word, a variable part as a whole:
#: ``(<*>, <*>)``, ``(uid=<*>)``; not ``(bus <*>)``.
_IN_BRACKETS = r"(?:[^()\[\]{}A-Za-z]|[A-Za-z_][\w.]*=)*"
_BRACKETED_VALUE = re.compile(r"[(\[{]" + _IN_BRACKETS + r"<\*>" + _IN_BRACKETS + r"[)\]}]")
_BRACKET_CHARS = frozenset("()[]{}")
#: Units written after a value (sizes, durations), with the punctuation that may follow them.
_UNIT = re.compile(r"^(?:[KMGTP]i?B|kB|B|[mun]s|µs|s|secs?|seconds?|mins?|minutes?|hrs?|hours?)([,;.:)\]}]*)$")
#: Month and weekday names: part of a date when next to a value.
_DATE_WORD = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
                        r"|January|February|March|April|June|July|August|September|October|November|December"
                        r"|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)[,.]?$")
_KEY_VALUE = re.compile(r"^([(\[{]?[A-Za-z_][\w.\-\[\]()]*=)(.*)$")
#: A miner's memo of masked tokens is emptied when it grows past this (its placed messages never are:
#: they are what keeps the templates independent of how the log is split, one per distinct masked message).
MEMO_SIZE = 200_000


def _masked(match: re.Match[str]) -> str:
    """``<*>`` for a variable part; a quoted value keeps its quotes (``'<*>'``), a quoted HTTP
    request line its method too (``"GET <*> HTTP/<*>"``, as the request of an access log gives)."""
    text = match.group()
    if text[0] in "'\"" and text[-1] == text[0] and len(text) > 1:
        request = _REQUEST_LINE.match(text, 1, len(text) - 1)
        if request:
            version = f" HTTP/{WILDCARD}" if request["version"] else ""
            return f"{text[0]}{request['method']} {WILDCARD}{version}{text[0]}"
        return f"{text[0]}{WILDCARD}{text[0]}"
    return WILDCARD


class _Unit(NamedTuple):
    """A unit word (``KB,``): after a value it joins it, keeping what followed it (``,``)."""

    word: str
    rest: str


class _DateWord(NamedTuple):
    """A month or weekday name: next to a value it is part of a date."""

    word: str


#: A token as masked: a word or value, a key and its value, a unit, a month or weekday name.
Masked = str | tuple[str, str] | _Unit | _DateWord


def tokens(message: str, memo: dict[str, Masked] | None = None) -> tuple[str, ...]:
    """The masked message split into tokens; ``key=value`` gives the key and the value.

    Quoted values are masked over the whole message (they may hold spaces), everything else
    token by token; ``memo`` remembers the tokens already masked (words and values repeat). A
    unit after a value joins it (``384.0 KB,`` gives ``<*>,``), and month and weekday names next
    to a value are part of it (``at Sun Jul 10 03:55:21 2005`` gives ``at <*>``).
    """
    if "'" in message or '"' in message:
        message = _QUOTED.sub(_masked, message)
    out: list[str] = []
    append = out.append
    if memo is None:
        memo = {}
    last = ""
    dated = False
    for raw in message.split():
        part = memo.get(raw)
        if part is None:
            if raw.isdigit():
                part = WILDCARD
            else:
                part = _token(raw)
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[raw] = part
        kind = part.__class__
        if kind is str:
            if part == last and WILDCARD in part:
                continue  # a list of values ("blk_1 blk_2 blk_3") is one variable
            append(part)  # type: ignore[arg-type]
            last = part  # type: ignore[assignment]
        elif kind is tuple:
            out += part
            last = out[-1]
        elif kind is _Unit:
            if last.endswith(WILDCARD):
                last = out[-1] = last + part.rest  # type: ignore[union-attr]
            else:
                last = part.word  # type: ignore[union-attr]
                append(last)
        else:
            last = part.word  # type: ignore[union-attr]
            append(last)
            dated = True
    return _dates_masked(out) if dated else tuple(out)


def _dates_masked(toks: list[str]) -> tuple[str, ...]:
    """A run of month and weekday names next to a ``<*>`` becomes part of it (one ``<*>``)."""
    out: list[str] = []
    index, count = 0, len(toks)
    while index < count:
        end = index
        while end < count and _DATE_WORD.match(toks[end]):
            end += 1
        if end == index:
            if not (toks[index] == WILDCARD and out and out[-1] == WILDCARD):
                out.append(toks[index])
            index += 1
        elif (out and out[-1] == WILDCARD) or (end < count and toks[end] == WILDCARD):
            if not out or out[-1] != WILDCARD:
                out.append(WILDCARD)
            index = end
        else:
            out += toks[index:end]
            index = end
    return tuple(out)


def _token(raw: str) -> Masked:
    """One whitespace-separated token masked; ``key=value`` gives the key and the value (an
    empty value gives the key alone); a unit or a month or weekday name is marked as such."""
    word = raw.rstrip(",;.:)]}")
    if word.isalpha() and len(word) <= 9:  # the regular expressions only for short words
        if _DATE_WORD.match(raw):
            return _DateWord(raw)
        unit = _UNIT.match(raw)
        if unit:
            return _Unit(raw, unit[1])
    if raw.isalpha():
        return raw
    token = _MASKS.sub(_masked, raw)
    if _DIGIT.search(token):
        token = _ID.sub(WILDCARD, token)
    pair = _KEY_VALUE.match(token)
    if pair:
        return (pair[1], pair[2]) if pair[2] else pair[1]
    return token


def template_text(toks: Sequence[str]) -> str:
    """Tokens as text: spaces between them, except between a key and its value."""
    parts: list[str] = []
    for index, token in enumerate(toks):
        parts.append(token)
        if index + 1 < len(toks):
            joined = token[-1:] == "=" and toks[index + 1][-1:] != "="
            parts.append("" if joined else " ")
    return "".join(parts)


def template_fingerprint(template: str) -> str:
    """A template's id: a short hash of its text, the same in every run and every file."""
    return stable_hash("log", template)


@dataclass(slots=True)
class Template:
    """One template: its tokens (variable positions are ``<*>``) and how many messages it holds."""

    tokens: list[str]
    size: int = 0
    number: int = 0

    @property
    def text(self) -> str:
        """The template as text (a key and its value written together again: ``uid=<*>``)."""
        return template_text(self.tokens)


@dataclass(slots=True)
class TemplateMiner:
    """Groups messages by template as they come; ``add`` returns the template a message joined.

    A template's text only ever gains wildcards, so read every message before reading templates.
    """

    similarity: float = SIMILARITY
    templates: list[Template] = field(default_factory=list)
    _groups: dict[tuple[Any, ...], list[Template]] = field(default_factory=dict)
    #: Masked messages already placed: the same masked message joins the same template again (never emptied).
    _placed: dict[tuple[str, ...], Template] = field(default_factory=dict)
    _memo: dict[str, Masked] = field(default_factory=dict)
    #: Templates by their leading tokens alone, of every length: where a message of another length looks.
    _prefixes: dict[tuple[str, ...], list[Template]] = field(default_factory=dict)

    def add(self, message: str) -> Template:
        """Put a message into its template (a new one when none is similar enough)."""
        toks = tokens(message, self._memo)
        placed = self._placed.get(toks)
        if placed is not None:
            placed.size += 1
            return placed
        return self.place(toks)

    def masked(self, message: str) -> tuple[str, ...]:
        """The message's tokens, masked (:func:`tokens`, with this miner's memo)."""
        return tokens(message, self._memo)

    def place(self, toks: tuple[str, ...], count: int = 1) -> Template:
        """Put ``count`` messages of these masked tokens into their template.

        The same masked message always joins the template it joined first (``_placed`` is never
        emptied), so mining each distinct masked message once, in first-seen order, with its count,
        gives the templates that mining every message in order gives: what the Dask engine does.
        """
        placed = self._placed.get(toks)
        if placed is not None:
            placed.size += count
            return placed
        prefix = tuple(WILDCARD if _variable(t) else t for t in toks[:PREFIX])
        group = self._groups.setdefault((len(toks), *prefix), [])
        best, best_score = None, -1.0
        for template in group:
            score = _similarity(template.tokens, toks)
            if score > best_score:
                best, best_score = template, score
        if best is not None and best_score >= self.similarity:
            best.tokens = [a if a == b else WILDCARD for a, b in zip(best.tokens, toks, strict=True)]
        else:
            best = self._join_other_length(prefix, toks)
            if best is None:
                best = Template(list(toks), number=len(self.templates))
                self.templates.append(best)
                group.append(best)
                self._prefixes.setdefault(prefix, []).append(best)
        best.size += count
        self._placed[toks] = best
        return best


    def settle(self) -> list[int]:
        """Merge the templates that differ only in the word at one place (after the leading tokens
        that choose the templates compared) when that place took at least ``VARIABLE_WORDS``
        different words, until no more merge: ``session opened for user root``, ``... news`` and
        ``... test`` give ``session opened for user <*>``; ``stored as bytes`` and ``stored as
        values`` stay apart. A word in capitals never becomes a variable: it names a state or an
        event type (``LOOKING``, ``FOLLOWING``, ``LEADING``), not a user. Returns each template's
        new number (``settled[old]``); ``templates`` keeps the first-seen template of each merge,
        renumbered in first-seen order.
        """
        count = len(self.templates)
        into = list(range(count))
        merged = True
        while merged:
            merged = False
            # a family: the templates alike but at one place, keyed by hashes of what is before and
            # after that place (a whole copy per place would take the square of a long message's length)
            families: dict[tuple[int, int, int, int], list[Template]] = {}
            before: dict[int, tuple[str, ...]] = {}
            for template in self.templates:
                if into[template.number] != template.number:
                    continue
                toks = template.tokens
                before[template.number] = tuple(toks)
                heads, tails = _running_hashes(toks), _running_hashes(toks[::-1])
                for at in range(PREFIX, len(toks)):
                    word = toks[at]
                    if word[-1:] != "=" and not _variable(word) and not word.isupper():
                        key = (len(toks), at, heads[at], tails[len(toks) - at - 1])
                        families.setdefault(key, []).append(template)
            for (_, at, _, _), members in families.items():
                if len(members) < VARIABLE_WORDS or any(
                        into[m.number] != m.number or m.tokens[at] == WILDCARD for m in members):
                    continue  # too few words, or a member merged in this round already
                rest = _without(before[members[0].number], at)
                if any(_without(before[m.number], at) != rest for m in members[1:]):
                    continue  # hashes alike, tokens not (never seen)
                first = members[0]
                first.tokens[at] = WILDCARD
                for member in members[1:]:
                    into[member.number] = first.number
                    first.size += member.size
                merged = True
        if all(into[number] == number for number in range(count)):
            return into
        kept = [template for template in self.templates if into[template.number] == template.number]
        renumbered = {template.number: new for new, template in enumerate(kept)}
        settled = []
        for number in range(count):
            while into[number] != number and into[into[number]] != into[number]:
                into[number] = into[into[number]]
            settled.append(renumbered[into[number]])
        for template in kept:
            template.number = renumbered[template.number]
        self.templates = kept
        self._groups, self._prefixes, self._placed = {}, {}, {}
        for template in kept:
            prefix = tuple(WILDCARD if _variable(t) else t for t in template.tokens[:PREFIX])
            self._groups.setdefault((len(template.tokens), *prefix), []).append(template)
            self._prefixes.setdefault(prefix, []).append(template)
        return settled

    def _join_other_length(self, prefix: tuple[str, ...], toks: tuple[str, ...]) -> Template | None:
        """The template of another length the message joins (see :func:`joined`), its tokens widened
        and its place among the groups moved to its new length; None when there is none."""
        words = _words(toks)
        for template in self._prefixes.get(prefix, ()):
            if _words(template.tokens) != words:
                continue  # a quick no: constant words are never in a gap, so both must have the same
            merged = joined(template.tokens, toks, self.similarity)
            if merged is None:
                continue
            if len(merged) != len(template.tokens):
                self._groups[(len(template.tokens), *prefix)].remove(template)
                self._groups.setdefault((len(merged), *prefix), []).append(template)
            template.tokens = merged
            return template
        return None


def _running_hashes(toks: Sequence[str]) -> list[int]:
    """``hashes[i]`` stands for ``toks[:i]``: equal tokens give equal hashes, in one pass."""
    hashes = [0]
    for token in toks:
        hashes.append(hash((hashes[-1], token)))
    return hashes


def _without(toks: tuple[str, ...], at: int) -> tuple[str, ...]:
    return toks[:at] + toks[at + 1:]


def joined(template: Sequence[str], toks: Sequence[str], similarity: float = SIMILARITY) -> list[str] | None:
    """The template widened to hold a message of another length, or None when they differ in more
    than variable parts.

    The two are aligned on their longest common subsequence of tokens (a ``<*>`` of the template
    matches any variable token). Every stretch between matched tokens must hold only variable tokens
    on each side, a bracketed group with a value counting as one (``(<*> KB)``), and not follow a
    key (``rhost=`` and ``rhost=<*>`` stay apart); at least
    ``similarity`` of the longer one's tokens must be matched. Each stretch
    becomes one ``<*>``: ``close, <*> bytes sent`` and ``close, <*> bytes (<*> KB) sent`` give
    ``close, <*> bytes <*> sent``; ``connection opened`` and ``connection not opened`` stay apart.
    Messages whose lengths multiply to more than ``ALIGNED_CELLS`` are not aligned (None).
    """
    rows, cols = len(template), len(toks)
    if not rows or not cols or rows * cols > ALIGNED_CELLS or min(rows, cols) < similarity * max(rows, cols):
        return None
    same = [[_same(a, b) for b in toks] for a in template]
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(cols - 1, -1, -1):
            row[j] = below[j + 1] + 1 if same[i][j] else max(below[j], row[j + 1])
    if table[0][0] < similarity * max(rows, cols):
        return None
    merged: list[str] = []
    i = j = 0
    gap_a: list[str] = []
    gap_b: list[str] = []
    while i < rows or j < cols:
        if i < rows and j < cols and same[i][j] and table[i][j] == table[i + 1][j + 1] + 1:
            if not _gap(merged, gap_a, gap_b):
                return None
            merged.append(template[i] if template[i] == toks[j] else WILDCARD)
            i, j = i + 1, j + 1
        elif j < cols and (i == rows or table[i][j + 1] >= table[i + 1][j]):
            gap_b.append(toks[j])
            j += 1
        else:
            gap_a.append(template[i])
            i += 1
    return merged if _gap(merged, gap_a, gap_b) else None


def _words(toks: Sequence[str]) -> list[str]:
    """The constant tokens that no gap of :func:`joined` can hold (none of a bracketed group either)."""
    return [t for t in toks if not (WILDCARD in t or "=" in t or _BRACKET_CHARS.intersection(t)) and (
        t.isalpha() or not any(c.isdigit() for c in t))]


def _same(a: str, b: str) -> bool:
    return a == b or (a == WILDCARD and _variable(b)) or (b == WILDCARD and _variable(a))


def _gap(merged: list[str], gap_a: list[str], gap_b: list[str]) -> bool:
    """Close a stretch of unmatched tokens: False when it differs in more than variable parts, else
    write it as one ``<*>`` (not twice in a row) and empty it."""
    if not gap_a and not gap_b:
        return True
    if merged and merged[-1][-1:] == "=":
        return False  # a key with a value and the same key without one
    for gap in (gap_a, gap_b):
        text, previous = " ".join(gap), ""
        while text != previous:  # ((<*>)) too
            text, previous = _BRACKETED_VALUE.sub(WILDCARD, text), text
        if gap and not all(_variable(token) for token in text.split()):
            return False
    if not merged or merged[-1] != WILDCARD:
        merged.append(WILDCARD)
    gap_a.clear()
    gap_b.clear()
    return True


def _variable(token: str) -> bool:
    return WILDCARD in token or (not token.isalpha() and any(c.isdigit() for c in token))


def _similarity(template: list[str], toks: tuple[str, ...]) -> float:
    """Share of positions where the message matches the template; -1 when a key or a constant word differs."""
    if not toks:
        return 1.0
    same = 0
    for a, b in zip(template, toks, strict=True):
        if a in (b, WILDCARD):
            same += 1
        elif a[-1:] == "=" or b[-1:] == "=" or not _variable(b):
            return -1.0
    return same / len(toks)


def mine(messages: Iterable[str], similarity: float = SIMILARITY) -> tuple[list[int], list[str]]:
    """Each message's template number and every template's final text, in first-seen order."""
    miner = TemplateMiner(similarity)
    numbers = [miner.add(message).number for message in messages]
    settled = miner.settle()
    return [settled[number] for number in numbers], [template.text for template in miner.templates]


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Grouping accuracy (Zhu et al., ICSE-SEIP 2019): the share of messages whose predicted
    group holds exactly the messages of their true group."""
    if len(predicted) != len(truth):
        raise ValueError("one predicted group per message, please")
    if not truth:
        return 1.0
    predicted_groups: dict[Hashable, list[int]] = {}
    true_groups: dict[Hashable, list[int]] = {}
    for index, (guess, actual) in enumerate(zip(predicted, truth, strict=True)):
        predicted_groups.setdefault(guess, []).append(index)
        true_groups.setdefault(actual, []).append(index)
    right = 0
    for members in predicted_groups.values():
        actual = truth[members[0]]
        if true_groups[actual] == members:
            right += len(members)
    return right / len(truth)
