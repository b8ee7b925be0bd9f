"""Scores and tiers: how much each record weighs, and how risky each component is."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from riskmap.config import Tiers, Weights
from riskmap.models import Tier


def record_scores(frame: pd.DataFrame, weights: Weights, as_of: datetime | None) -> np.ndarray:
    """Each record's score: ``severity * status * recency * occurrences`` (see :class:`Weights`).

    ``frame`` has the columns severity, status, created_at (UTC or NaT) and occurrences. An undated
    record (NaT) weighs ``weights.undated_recency`` (0.5) for its age when ``as_of`` is known; without
    any date (``as_of`` None) no record's age is known and all weigh 1.
    """
    severity = _weigh(frame["severity"], weights.severity)
    status = _weigh(frame["status"], weights.status)
    occurrences = 1.0 + np.log2(frame["occurrences"].to_numpy(dtype=float))
    recency = np.ones(len(frame))
    if as_of is not None and len(frame):
        created = pd.to_datetime(frame["created_at"], utc=True)
        age_days = ((pd.Timestamp(as_of) - created).dt.total_seconds() / 86400.0).to_numpy()
        undated = np.isnan(age_days)
        age_days = np.clip(age_days, 0.0, None)  # an undated record's NaN age is replaced just below
        recency = np.where(undated, weights.undated_recency,
                           np.maximum(weights.min_recency, 0.5 ** (age_days / weights.half_life_days)))
    return np.round(severity * status * recency * occurrences, 6)


def _weigh(column: pd.Series, weights: dict[str, float]) -> np.ndarray:
    """Each value's weight (0 for values without one), vectorised over a plain or categorical column."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.array([weights.get(str(c), 0.0) for c in column.cat.categories] + [0.0])
        return lookup[column.cat.codes.to_numpy()]  # code -1 (missing) takes the trailing 0
    return column.map(weights).fillna(0.0).to_numpy(dtype=float)


def tier(score: float, open_critical: int, thresholds: Tiers) -> Tier:
    """The tier of a component.

    critical at ``score >= thresholds.critical`` (20), high at ``>= thresholds.high`` (8),
    medium at ``>= thresholds.medium`` (3), else low; a component with an open critical
    record is at least high.
    """
    if score >= thresholds.critical:
        return Tier.critical
    if score >= thresholds.high or open_critical > 0:
        return Tier.high
    if score >= thresholds.medium:
        return Tier.medium
    return Tier.low
