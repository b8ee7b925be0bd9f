"""Scoring invariants: scores add up, weigh what they should, and tiers follow the thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.roadmap import horizon
from riskmap.analyze.scoring import record_scores, tier
from riskmap.config import Tiers, Weights
from riskmap.models import Severity, Tier

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
SEVERITIES = st.sampled_from([s.value for s in Severity])
STATUSES = st.sampled_from(["open", "resolved", "unknown"])
AGES = st.one_of(st.none(), st.integers(min_value=-30, max_value=3000))
ROWS = st.lists(st.tuples(SEVERITIES, STATUSES, AGES, st.integers(min_value=1, max_value=10**6)),
                min_size=1, max_size=30)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "severity": [r[0] for r in rows],
        "status": [r[1] for r in rows],
        "created_at": pd.to_datetime([None if r[2] is None else AS_OF - timedelta(days=r[2]) for r in rows], utc=True),
        "occurrences": [r[3] for r in rows],
    })


def _reference(severity, status, age, occurrences, w: Weights) -> float:
    """The README's formula, written out plainly."""
    import math
    recency = w.undated_recency if age is None else max(w.min_recency, 0.5 ** (max(age, 0) / w.half_life_days))
    return w.severity[severity] * w.status[status] * recency * (1 + math.log2(occurrences))


@given(ROWS)
def test_scores_match_the_documented_formula(rows):
    weights = Weights()
    scores = record_scores(_frame(rows), weights, AS_OF)
    for row, score in zip(rows, scores, strict=True):
        assert abs(score - _reference(*row, weights)) < 1e-5
        assert score >= 0


@given(ROWS)
def test_a_more_severe_record_never_weighs_less(rows):
    order = [s.value for s in Severity]
    frame = _frame(rows)
    scores = record_scores(frame, Weights(), AS_OF)
    worse = frame.assign(severity=[order[max(order.index(s) - 1, 0)] for s in frame["severity"]])
    assert all(record_scores(worse, Weights(), AS_OF) >= scores - 1e-9)


@given(st.floats(min_value=0, max_value=500), st.floats(min_value=0, max_value=500), st.integers(0, 2))
def test_tiers_are_monotonic_in_score(a, b, open_critical):
    order = [Tier.low, Tier.medium, Tier.high, Tier.critical]
    low, high = sorted((a, b))
    assert order.index(tier(low, open_critical, Tiers())) <= order.index(tier(high, open_critical, Tiers()))


def test_tier_thresholds_and_the_open_critical_floor():
    t = Tiers()
    assert [tier(s, 0, t) for s in (0, 2.99, 3, 7.99, 8, 19.99, 20)] == [
        Tier.low, Tier.low, Tier.medium, Tier.medium, Tier.high, Tier.high, Tier.critical]
    assert tier(0.5, 1, t) == Tier.high


@given(st.sampled_from(list(Tier)), st.sampled_from(list(Severity)))
def test_now_is_exactly_urgent_records_of_urgent_components(component_tier, severity):
    urgent = component_tier in (Tier.critical, Tier.high) and severity in (Severity.critical, Severity.high)
    assert (horizon(component_tier, severity) == "now") == urgent


@given(ROWS)
def test_without_any_date_in_the_run_every_record_weighs_as_new(rows):
    weights = Weights()
    scores = record_scores(_frame(rows), weights, None)
    for (severity, status, _, occurrences), score in zip(rows, scores, strict=True):
        assert abs(score - _reference(severity, status, 0, occurrences, weights)) < 1e-5
