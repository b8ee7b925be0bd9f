"""Log template mining: lines that differ only in their variable parts share one template.

A message is masked first (numbers, dates, IPs, hex, UUIDs, paths, URLs, quoted values ...
become ``<*>``), split into tokens, and then clustered the way Drain does it (He et al., ICWS
2017): messages of the same length (a run of like values counts once) whose first two constant
tokens agree are compared position by position; a message joins the most similar template when
at least three in five of its tokens match it, and the positions that differ become ``<*>``.
Two rules of riskmap's own keep distinct events apart without tuning to any system: ``key=value``
is read as a constant key and a variable value, and a key is never turned into ``<*>``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from riskmap.text import stable_hash

WILDCARD = "<*>"
#: A message joins a template when at least this share of its tokens match it.
SIMILARITY = 0.6
#: How many leading tokens choose the group of templates a message is compared with.
PREFIX = 2

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
_KEY_VALUE = re.compile(r"^([(\[{]?[A-Za-z_][\w.\-\[\]()]*=)(.*)$")
#: A miner's memos of masked tokens and placed messages are emptied when they grow past this.
MEMO_SIZE = 200_000


def _masked(match: re.Match[str]) -> str:
    """``<*>`` for a variable part; a quoted value keeps its quotes (``'<*>'``)."""
    text = match.group()
    if text[0] in "'\"" and text[-1] == text[0] and len(text) > 1:
        return f"{text[0]}{WILDCARD}{text[0]}"
    return WILDCARD


def tokens(message: str, memo: dict[str, str | tuple[str, str]] | None = None) -> tuple[str, ...]:
    """The masked message split into tokens; ``key=value`` gives the key and the value.

    Quoted values are masked over the whole message (they may hold spaces), everything else
    token by token; ``memo`` remembers the tokens already masked (words and values repeat).
    """
    if "'" in message or '"' in message:
        message = _QUOTED.sub(_masked, message)
    out: list[str] = []
    append = out.append
    if memo is None:
        memo = {}
    last = ""
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
        if part.__class__ is str:
            if part == last and WILDCARD in part:
                continue  # a list of values ("blk_1 blk_2 blk_3") is one variable
            append(part)
            last = part
        else:
            out += part
            last = part[-1]
    return tuple(out)


def _token(raw: str) -> str | tuple[str, str]:
    """One whitespace-separated token masked; ``key=value`` gives the key and the value (an
    empty value gives the key alone)."""
    if raw.isalpha():
        return raw
    token = _MASKS.sub(_masked, raw)
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
    #: Masked messages already placed: the same masked message joins the same template again.
    _placed: dict[tuple[str, ...], Template] = field(default_factory=dict)
    _memo: dict[str, str | tuple[str, str]] = field(default_factory=dict)

    def add(self, message: str) -> Template:
        """Put a message into its template (a new one when none is similar enough)."""
        toks = tokens(message, self._memo)
        placed = self._placed.get(toks)
        if placed is not None:
            placed.size += 1
            return placed
        key = (len(toks), *(WILDCARD if _variable(t) else t for t in toks[:PREFIX]))
        group = self._groups.setdefault(key, [])
        best, best_score = None, -1.0
        for template in group:
            score = _similarity(template.tokens, toks)
            if score > best_score:
                best, best_score = template, score
        if best is None or best_score < self.similarity:
            best = Template(list(toks), number=len(self.templates))
            self.templates.append(best)
            group.append(best)
        else:
            best.tokens = [a if a == b else WILDCARD for a, b in zip(best.tokens, toks, strict=True)]
        best.size += 1
        if len(self._placed) >= MEMO_SIZE:
            self._placed.clear()
        self._placed[toks] = best
        return best


def _variable(token: str) -> bool:
    return WILDCARD in token or (not token.isalpha() and any(c.isdigit() for c in token))


def _similarity(template: list[str], toks: tuple[str, ...]) -> float:
    """Share of positions where the message matches the template; -1 when a key differs."""
    if not toks:
        return 1.0
    same = 0
    for a, b in zip(template, toks, strict=True):
        if a == b:
            same += 1
        elif a[-1:] == "=" or b[-1:] == "=":
            return -1.0
        elif a == WILDCARD:
            same += 1
    return same / len(toks)


def mine(messages: Iterable[str], similarity: float = SIMILARITY) -> tuple[list[int], list[str]]:
    """Each message's template number and every template's final text, in first-seen order."""
    miner = TemplateMiner(similarity)
    numbers = [miner.add(message).number for message in messages]
    return numbers, [template.text for template in miner.templates]


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
