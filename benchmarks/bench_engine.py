"""The Dask engine's acceptance run: the same report.json as the default engine, and faster.

    pip install ".[dask]"
    python benchmarks/bench_engine.py [--lines 2000000] [--records 100000] [--workers 2] [--repeat 3] [--keep DIR]

Generates a log4j service log of ``--lines`` lines (``generate_logs.py``, traces included) and
``--records`` lean bug records (``generate.py --lean``), then runs ``riskmap analyze LOG BUGS -r json``
as a fresh process: with the default engine, and with ``--engine dask --workers N`` (a local
cluster, started and stopped inside the timed run), ``--repeat`` times each, alternating; the best
run of each counts (other work on the machine only ever slows a run down). It compares the two
report.json files (all but the Dask one's ``engine`` entry) and prints the wall-clock times and the
speed-up.

The target: the same report, and a speed-up of at least 1.3 on 2 cores. A measurement, not a test:
it prints PASS or FAIL and exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 1.3


def _run(args: list[str]) -> float:
    """Wall-clock seconds of one ``riskmap`` run in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "riskmap", *args], check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2_000_000, help="log lines to generate (default 2000000)")
    parser.add_argument("--records", type=int, default=100_000, help="bug records to generate (default 100000)")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each engine; the best counts (default 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep inputs and reports in DIR (inputs reused)")
    args = parser.parse_args(argv)
    temp = None if args.keep else tempfile.TemporaryDirectory(prefix="riskmap-engine-")
    work = args.keep.resolve() if args.keep else Path(temp.name)  # type: ignore[union-attr]
    work.mkdir(parents=True, exist_ok=True)
    log = work / f"service-{args.lines}.log"
    bugs = work / f"bugs-{args.records}-lean.json"
    if not log.exists():
        subprocess.run([sys.executable, str(HERE / "generate_logs.py"), str(args.lines), str(log)], check=True)
    if not bugs.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.records), str(bugs), "--lean"],
                       check=True)
    common = ["analyze", str(log), str(bugs), "-r", "json", "--as-of", "2026-11-01", "-q"]
    local = on_dask = float("inf")
    for _ in range(max(args.repeat, 1)):
        local = min(local, _run([*common, "-o", str(work / "local")]))
        on_dask = min(on_dask, _run([*common, "-o", str(work / "dask"), "--engine", "dask",
                                     "--workers", str(args.workers)]))
    report_local = json.loads((work / "local" / "report.json").read_bytes())
    report_dask = json.loads((work / "dask" / "report.json").read_bytes())
    engine = report_dask.pop("engine", None)
    same = report_local == report_dask
    speedup = local / on_dask
    size = log.stat().st_size / 1e6
    print(f"inputs: {args.lines:,} log lines ({size:,.0f} MB) + {args.records:,} bug records")
    print(f"default engine:       {local:6.1f} s (best of {args.repeat})")
    print(f"--engine dask --workers {args.workers}: {on_dask:6.1f} s  {engine}")
    print(f"speed-up: {speedup:.2f}x (target >= {TARGET}x); same report.json: {'yes' if same else 'NO'}")
    print("PASS" if same and speedup >= TARGET else "FAIL")
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
