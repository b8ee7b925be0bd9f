"""Engines that read the inputs: the default one in this process, and Dask across worker processes or a cluster.

The engine only decides where inputs are read. Every engine gives the same ``FileResult``s, in
input order, so the analysis and every report after it are the same; the Dask engine's are built
from partial aggregates that workers return (:mod:`riskmap.engine.dask`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskmap.config import Config
from riskmap.models import FileResult
from riskmap.progress import SILENT, Progress

#: A log is split into parts of at most this size (at entry starts) ...
PART_BYTES = 64 << 20
#: ... and, when larger than this, into at least four parts per worker.
MIN_PART_BYTES = 4 << 20
#: How many times a failed task is tried again before the run fails naming its input.
RETRIES = 2


@dataclass(frozen=True, slots=True)
class DaskEngine:
    """Read the inputs on a Dask cluster: the one at ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``), else a local cluster of ``workers`` worker processes."""

    scheduler: str | None = None
    workers: int = 2
    part_bytes: int = PART_BYTES
    retries: int = RETRIES

    def read(
        self, inputs: Sequence[Path | str], config: Config, format_name: str | None = None, progress: Progress = SILENT
    ) -> tuple[list[FileResult], dict[str, Any]]:
        """Every input's result, in input order, and the report's ``engine`` entry."""
        from riskmap.engine.dask import read_on_dask

        return read_on_dask(self, inputs, config, format_name, progress)


def part_size(size: int, workers: int, part_bytes: int = PART_BYTES) -> int:
    """The size of the parts a log of ``size`` bytes is split into on ``workers`` workers: four parts
    per worker at least (so the workers finish together, whatever else they read), no part over
    ``part_bytes``, none under ``MIN_PART_BYTES`` (unless ``part_bytes`` is smaller)."""
    return min(part_bytes, max(MIN_PART_BYTES, -(-size // (4 * max(workers, 1)))))
