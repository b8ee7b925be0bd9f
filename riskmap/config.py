"""riskmap's settings: ``[tool.riskmap]`` in pyproject.toml or riskmap.toml, over the defaults.

Every number that shapes a score lives here, in :class:`Weights` and :class:`Tiers`, so the
README, the config and the code agree on one set of values.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from riskmap.errors import ConfigError
from riskmap.models import Layer

CONFIG_NAMES = ("riskmap.toml", "pyproject.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weights(_Strict):
    """How much one record adds to its component's risk.

    A record contributes ``severity * status * recency * occurrences``:

    - ``severity``: critical 10, high 5, medium 2, low 1, info 0.2;
    - ``status``: open 1.0, unknown 0.75, resolved 0.25 (a fixed bug still says the code is fragile);
    - recency: ``0.5 ** (age_days / half_life_days)``, never below ``min_recency``; age is measured
      from the record's ``created_at`` to ``--as-of``; an undated record (a year-less syslog line, a
      test report without timestamps) weighs ``undated_recency`` (0.5, as if one half-life old: neither
      new nor old) when anything else in the run is dated, and 1 like every record when nothing is;
    - occurrences: ``1 + log2(occurrences)``, so a line seen 1,024 times weighs 11 times one seen once.
    """

    severity: dict[str, float] = Field(
        default_factory=lambda: {"critical": 10.0, "high": 5.0, "medium": 2.0, "low": 1.0, "info": 0.2}
    )
    status: dict[str, float] = Field(
        default_factory=lambda: {"open": 1.0, "unknown": 0.75, "resolved": 0.25}
    )
    half_life_days: float = Field(default=90.0, gt=0)
    min_recency: float = Field(default=0.1, ge=0, le=1)
    undated_recency: float = Field(default=0.5, ge=0, le=1)

    @field_validator("severity", "status")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in value.items() if v < 0]
        if bad:
            raise ValueError(f"weights must not be negative: {', '.join(bad)}")
        return value


class Tiers(_Strict):
    """Score thresholds of the component tiers (a score at or above a threshold reaches it).

    critical >= 20, high >= 8, medium >= 3, low below that. A component with an open
    critical record is at least high, whatever its score.
    """

    critical: float = 20.0
    high: float = 8.0
    medium: float = 3.0


class ComponentRule(_Strict):
    """A component the user names, with the globs (or ``re:`` regexes) that place records in it.

    ``paths`` match file paths and in-app stack frames, ``components`` the record's own component
    field, ``labels`` its labels. Matching is case-insensitive; the first rule that matches wins.
    """

    name: str = Field(min_length=1)
    layer: Layer
    paths: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)

    @field_validator("paths", "components", "labels")
    @classmethod
    def _regexes_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if pattern.startswith("re:"):
                try:
                    re.compile(pattern[3:])
                except re.error as exc:
                    raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
        return patterns


class Config(_Strict):
    """All of riskmap's settings."""

    fields: dict[str, list[str]] = Field(default_factory=dict)
    components: list[ComponentRule] = Field(default_factory=list)
    weights: Weights = Field(default_factory=Weights)
    tiers: Tiers = Field(default_factory=Tiers)
    #: Count the records that are no defect (feature requests, duplicates ...) in the scores anyway.
    count_excluded: bool = False
    #: How many components the HTML heat map draws, riskiest first; the others share one row.
    heatmap_top: int = Field(default=25, ge=1)
    source: str = ""

    @field_validator("fields", mode="before")
    @classmethod
    def _names_as_lists(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value


def find_config(start: Path) -> Path | None:
    """Return riskmap.toml, or a pyproject.toml with ``[tool.riskmap]``, in ``start``."""
    for name in CONFIG_NAMES:
        candidate = start / name
        if candidate.is_file() and (
            name == "riskmap.toml" or "riskmap" in _read_toml(candidate).get("tool", {})
        ):
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Load the settings from ``path`` (None: the defaults)."""
    if path is None:
        return Config()
    data = _read_toml(path)
    section = data.get("tool", {}).get("riskmap")
    if section is None:
        if path.name == "pyproject.toml":
            raise ConfigError(f"{path}: has no [tool.riskmap] section")
        section = data
    try:
        return Config.model_validate({**section, "source": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: [tool.riskmap] {where}: {first['msg']}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 at byte {exc.start}") from None
