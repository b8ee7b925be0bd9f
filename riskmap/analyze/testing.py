"""Testing gaps: the level of test that would have caught each record, and targets to aim for."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from riskmap.models import (
    ComponentRisk,
    Layer,
    LevelCount,
    ScoredRecord,
    Severity,
    StatedGap,
    Status,
    Target,
    TestingGaps,
    Tier,
)

LEVELS = ("unit", "integration", "contract", "end-to-end")

#: Fields of a record (as its source names them) that say which test was missing, and why it broke.
GAP_FIELDS = ("testing_gap", "test_gap", "missing_test", "testing gap")
CAUSE_FIELDS = ("root_cause", "rootcause", "cause", "root cause")

_STATED = re.compile(r"^\s*(unit|integration|contract|end[- ]to[- ]end|e2e)\b\s*(?:tests?)?\s*[:\-\u2013]\s*", re.I)
_MENTIONED = re.compile(r"\b(unit|integration|contract|end[- ]to[- ]end|e2e)\b", re.I)
#: Categories whose failures live at a boundary: events and APIs are caught by contract tests.
CONTRACT_CATEGORIES = frozenset({"api contract", "serialization"})


def field_text(extra: Mapping[str, Any], names: Sequence[str]) -> str | None:
    """The first of ``names`` that a record's extra fields hold as non-empty text."""
    for name in names:
        value = extra.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _level_word(word: str) -> str:
    word = word.lower().replace(" ", "-")
    return "end-to-end" if word in ("e2e", "end-to-end") else word


@lru_cache(maxsize=4096)
def catching_level(layer: Layer, category: str, gap: str | None) -> tuple[str, str]:
    """The test level that would have caught a record, and why.

    The export's testing gap decides when it names a level (``Integration: no test ran ...``, or
    the word in its text); otherwise the record's place does: events and API boundaries
    (categories api contract and serialization) need contract tests, domain logic unit tests,
    adapters integration tests, handlers contract tests, and unplaced records end-to-end tests.
    """
    if gap:
        stated = _STATED.match(gap) or _MENTIONED.search(gap)
        if stated:
            return _level_word(stated.group(1)), "named by the export's testing gap"
    if category in CONTRACT_CATEGORIES:
        return "contract", f"a {category} failure at a boundary"
    level = {Layer.domain: "unit", Layer.integration: "integration", Layer.handler: "contract"}.get(layer, "end-to-end")
    return level, f"{layer.value} layer"


@lru_cache(maxsize=1 << 16)
def gap_text(gap: str) -> str:
    """A testing gap without its leading level (``Integration: no test ...`` -> ``no test ...``); cached, as an
    export states the same gaps for many records."""
    return _STATED.sub("", gap, count=1)


def targets(records: Sequence[ScoredRecord], components: Sequence[ComponentRisk]) -> list[Target]:
    """Measurable targets for the next iteration.

    Open critical records to zero, open high records halved (rounded down), no component tiered
    critical, and for each test level the open records it would have caught covered by a test.
    """
    open_records = [r for r in records if r.status != Status.resolved]
    open_critical = sum(1 for r in open_records if r.severity == Severity.critical)
    open_high = sum(1 for r in open_records if r.severity == Severity.high)
    critical_components = sum(1 for c in components if c.tier == Tier.critical)
    rows = [
        Target(metric="open critical records", current=open_critical, target=0),
        Target(metric="open high records", current=open_high, target=math.floor(open_high / 2)),
        Target(metric="components tiered critical", current=critical_components, target=0),
    ]
    for level in LEVELS:
        missing = sum(1 for r in open_records if r.test_level == level)
        if missing:
            rows.append(Target(metric=f"open records needing a new {level} test", current=missing, target=0))
    return rows


def testing_gaps(records: Sequence[ScoredRecord], gaps: Sequence[str | None], ranking: Sequence[int]) -> TestingGaps:
    """Records per test level (all, and open), and the gaps the exports state, riskiest record first.

    ``gaps[i]`` is the testing gap stated for ``records[i]`` (None when there is none); ``ranking``
    the record indices riskiest first.
    """
    every = Counter(r.test_level for r in records)
    still_open = Counter(r.test_level for r in records if r.status != Status.resolved)
    levels = [LevelCount(level=level, records=every[level], open=still_open[level]) for level in LEVELS]
    stated = []
    for index in ranking:
        gap = gaps[index]
        if gap:
            scored = records[index]
            stated.append(StatedGap(id=scored.id, component=scored.component, layer=scored.layer,
                                    status=scored.status, level=scored.test_level, gap=gap_text(gap)))
    return TestingGaps(levels=levels, stated=stated)
