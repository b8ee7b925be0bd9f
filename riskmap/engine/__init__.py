"""Engines that read the inputs: the default one in this process, and Dask across worker processes or a cluster.

The engine only decides where inputs are read. Every engine gives the same ``FileResult``s, in
input order, so the analysis and every report after it are the same; the Dask engine's are built
from partial aggregates that workers return (:mod:`riskmap.engine.dask`).
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskmap.analyze import judged
from riskmap.config import Config
from riskmap.models import FileResult
from riskmap.progress import SILENT, Progress

#: A log is split into parts of at most this size (at entry starts) ...
PART_BYTES = 64 << 20
#: ... and, when larger than this, into at least four parts per worker.
MIN_PART_BYTES = 4 << 20
#: How many times a failed task is tried again before the run fails naming its input.
RETRIES = 2

#: The cyclic collector's thresholds wherever Dask runs beside riskmap's work. ``riskmap`` itself runs with the
#: collector off (``cli.main``): its objects form no cycles. Dask's do (a scheduler's task states point at each
#: other), and a worker belongs to its cluster, so there the collector stays on, at thresholds that keep it from
#: scanning riskmap's hundreds of thousands of small objects over and over (the defaults, 700, 10, 10, took a
#: third of the time of pickling them).
COLLECTOR_THRESHOLDS = (100_000, 50, 100)


@contextmanager
def collecting() -> Iterator[None]:
    """The cyclic collector on, at :data:`COLLECTOR_THRESHOLDS`, for the block; on or off and at its own
    thresholds again after it."""
    was_on, thresholds = gc.isenabled(), gc.get_threshold()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    gc.enable()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not was_on:
            gc.disable()


def pickled_on_worker(function: Callable[..., Any], arguments: tuple[Any, ...], judge: bool) -> bytes:
    """``function(*arguments)``'s result, pickled: how a Dask worker runs riskmap's tasks; with ``judge``, a
    result of records comes judged (``riskmap.analyze.judged``). All of it runs ``collecting()``, and the worker's
    own settings are put back after (a worker of a shared cluster is left as it was); the driver unpickles the
    bytes under its own."""
    with collecting():
        result = function(*arguments)
        return pickle.dumps(judged(result) if judge and isinstance(result, FileResult) else result,
                            protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(frozen=True, slots=True)
class DaskEngine:
    """Read the inputs on a Dask cluster: the one at ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``), else a local cluster of ``workers`` worker processes."""

    scheduler: str | None = None
    workers: int = 2
    part_bytes: int = PART_BYTES
    retries: int = RETRIES

    def read(
        self, inputs: Sequence[Path | str], config: Config, format_name: str | None = None, progress: Progress = SILENT,
        *, judge: bool = False,
    ) -> tuple[list[FileResult], dict[str, Any]]:
        """Every input's result, in input order, and the report's ``engine`` entry; with ``judge``, the records
        read come judged (``riskmap.analyze.judged``), for an analysis to follow."""
        from riskmap.engine.dask import read_on_dask

        return read_on_dask(self, inputs, config, format_name, progress, judge)


def part_size(size: int, workers: int, part_bytes: int = PART_BYTES) -> int:
    """The size of the parts a log of ``size`` bytes is split into on ``workers`` workers: four parts
    per worker at least (so the workers finish together, whatever else they read), no part over
    ``part_bytes``, none under ``MIN_PART_BYTES`` (unless ``part_bytes`` is smaller)."""
    return min(part_bytes, max(MIN_PART_BYTES, -(-size // (4 * max(workers, 1)))))
