"""Reading the inputs on Dask (the optional extra ``riskmap[dask]``).

What goes to a worker: a task per whole input (every format but logs: the path, the config and the
format asked for) and a task per part of a log (the path, its byte range and the header layout
read from its first lines). A worker opens the file itself (so it must see the same paths, or read
the same object store), reads, masks, and returns either a ``FileResult`` or, for a log part, per
distinct masked message its count, first and last seen, worst level and first entry. The driver
merges the parts of each log in file order and mines their messages (:func:`riskmap.ingest.finish_input`),
so template ids and records do not depend on the number or order of parts. Beside a local cluster the
driver reads the whole inputs that fall to it itself (:func:`driver_share`), and it judges the records of
each input as they arrive (:func:`riskmap.analyze.judged`), while the workers still read; the workers of an
existing cluster judge the records they read.

A task that fails (a worker lost, killed for memory) is tried again up to ``retries`` times; after
that the run fails, naming the input. An input that cannot be read gives its error as in the
default engine.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from riskmap.analyze import judged
from riskmap.config import Config
from riskmap.engine import DaskEngine, collecting, part_size, pickled_on_worker
from riskmap.errors import RiskmapError, UsageError
from riskmap.ingest import PartedInput, finish_input, plan_input, read_input, read_input_part
from riskmap.models import FileResult
from riskmap.progress import Progress

#: What to install when Dask is missing.
EXTRA = 'the Dask engine needs the optional extra: pip install "riskmap[dask]"'


@contextmanager
def _client(engine: DaskEngine) -> Iterator[Any]:
    """A Dask client: of the scheduler named, else of a local cluster of worker processes (closed after). While
    it lives, the cyclic collector is on (``collecting``): the client, and a local cluster's scheduler, run in
    this process and build reference cycles."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(EXTRA) from None
    with collecting():
        if engine.scheduler:
            try:
                client = Client(engine.scheduler, timeout="30s")
            except OSError as exc:
                raise UsageError(f"--scheduler {engine.scheduler}: cannot reach the Dask scheduler ({exc})") from None
            with client:
                yield client
            return
        with LocalCluster(n_workers=engine.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client


def driver_share(inputs: Sequence[Path | str], plans: Sequence[PartedInput | None], workers: int) -> set[int]:
    """The inputs the driver reads itself beside a local cluster (their indices).

    A local cluster shares the driver's machine, and the driver would only wait while the workers read;
    what it reads itself never travels between processes (pickling records costs about what reading them
    does). So each local input read whole goes, the largest first, to whichever of the driver and the workers
    has the fewest bytes to read so far (the driver on a tie; the workers start with the parts of the logs,
    shared evenly), and the driver reads those it got. An input at a URL is always a worker's.
    """
    sizes = [None if isinstance(path, str) else path.stat().st_size for path in inputs]
    logs = sum(size or 0 for size, parted in zip(sizes, plans, strict=True) if parted is not None)
    loads = [0.0] + [logs / max(workers, 1)] * workers  # the driver first
    whole = [number for number, (size, parted) in enumerate(zip(sizes, plans, strict=True))
             if parted is None and size is not None]
    taken: set[int] = set()
    for number in sorted(whole, key=lambda number: (-(sizes[number] or 0), number)):
        least = min(range(len(loads)), key=lambda index: (loads[index], index))
        loads[least] += sizes[number] or 0
        if least == 0:
            taken.add(number)
    return taken


def read_on_dask(
    engine: DaskEngine, inputs: Sequence[Path | str], config: Config, format_name: str | None, progress: Progress,
    judge: bool,
) -> tuple[list[FileResult], dict[str, Any]]:
    """Every input read on Dask, in input order, and the report's ``engine`` entry; with ``judge``, the
    records read come judged (what the analysis decides of each record alone).

    Beside a local cluster the driver reads the inputs read whole that fall to it itself (``driver_share``).
    The workers' inputs read whole go first (a higher priority), so their records travel back to the driver
    while the workers still read the parts of the logs; results are fetched, and judged, as they are done.
    """
    with _client(engine) as client:
        from distributed import as_completed  # importable: _client checked it

        workers = len(client.scheduler_info().get("workers", {}))
        plans: list[PartedInput | None] = []
        for path in inputs:
            progress.start_file(Path(path))
            # A URL is read whole on a worker, which fetches it. A JSON Lines export is split on an existing cluster
            # only: beside a local one it is read whole, by the driver when it falls to it (driver_share).
            plans.append(None if isinstance(path, str)
                         else plan_input(path, format_name, part_size(path.stat().st_size, workers, engine.part_bytes),
                                         split_lines=engine.scheduler is not None))
        on_driver = set() if engine.scheduler else driver_share(inputs, plans, workers)
        # On an existing cluster the workers judge what they read, so the driver does not judge every record
        # alone; beside a local one the driver judges as results arrive (the workers share its machine, and
        # judging there was measured no faster while costing the judgements' pickling).
        judge_on_workers = judge and engine.scheduler is not None
        futures: list[list[Any]] = [[] for _ in inputs]
        for number, (path, parted) in enumerate(zip(inputs, plans, strict=True)):
            if parted is None and number not in on_driver:
                futures[number].append(client.submit(pickled_on_worker, read_input, (path, config, format_name),
                                                     judge_on_workers, retries=engine.retries, pure=False,
                                                     priority=1))
        for number, parted in enumerate(plans):
            if parted is not None:
                futures[number] = [client.submit(pickled_on_worker, read_input_part, (parted, index, config),
                                                 judge_on_workers, retries=engine.retries, pure=False)
                                   for index in range(parted.parts)]
        partitions = sum(len(tasks) for tasks in futures) + len(on_driver)
        progress.stage(f"reading {len(inputs)} inputs in {partitions} partitions on Dask")
        done: list[list[Any]] = [[None] * len(tasks) for tasks in futures]
        for number in sorted(on_driver):  # while the workers read the parts of the logs
            result = read_input(inputs[number], config, format_name)
            done[number] = [judged(result) if judge else result]
        where = {future.key: (number, index) for number, tasks in enumerate(futures)
                 for index, future in enumerate(tasks)}
        for future in as_completed([future for tasks in futures for future in tasks]):
            number, index = where[future.key]
            try:
                pickled = future.result()
            except Exception as exc:  # a task that failed after its retries: the run fails, naming the input
                raise RiskmapError(f"{inputs[number]}: the Dask workers could not read it ({type(exc).__name__}: "
                                   f"{exc}); tried {engine.retries + 1} times") from exc
            done[number][index] = part = pickle.loads(pickled)  # the bytes our own task pickled
            if judge and isinstance(part, FileResult) and part.judgements is None:  # judged while the workers read
                done[number][index] = judged(part)
            future.release()
        results = [parts[0] if parted is None else finish_input(parted, parts)
                   for parted, parts in zip(plans, done, strict=True)]
    return results, {"name": "dask", "workers": workers, "partitions": partitions}
