"""Time ``riskmap analyze`` against a bare ``orjson.loads`` of the same file, in the same run.

    python benchmarks/bench_analyze.py [--records 200000] [--repeat 3] [--seed 0] [--jsonl]
                                       [--lean] [--keep DIR] [--profile]

Generates the input with ``generate.py`` (into a temporary folder unless ``--keep``), then:

(a) parse:   ``orjson.loads(path.read_bytes())`` in this process, best of ``--repeat`` (with
             ``--jsonl``: one ``orjson.loads`` per line);
(b) analyze: ``python -m riskmap analyze FILE --out DIR -q`` as a child process with this same
             interpreter, best of ``--repeat``, wall clock including interpreter start-up and
             imports, with the child's peak RSS taken from ``os.wait4``.

The target: analyze (all three reports) at most 5x the bare parse. This is a measurement, not a
test: it prints PASS or FAIL and exits 0 either way (2 only when it could not measure at all).

``--profile`` instead runs the analyze once in this process under cProfile (``riskmap.cli.main``
with ``sys.argv`` patched) and prints the top 25 entries by cumulative time, then by own time.

``--against REV`` instead compares this checkout with a git revision (a commit, a tag, ``main``): the
revision is exported with ``git archive``, and the two run ``riskmap analyze`` one after the other,
``--repeat`` times each, alternating (each from its own code through ``PYTHONPATH``, with this
interpreter and its packages). On a shared machine whose speed drifts from minute to minute, only runs
taken side by side compare. It prints each pair's wall and CPU times, the median speed-ups, the peak
RSS of both, and whether the three reports are byte-identical.
"""

from __future__ import annotations

import argparse
import cProfile
import filecmp
import gc
import io
import os
import pstats
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

TARGET_RATIO = 5.0


def _maxrss_bytes(ru_maxrss: int) -> int:
    """ru_maxrss is kilobytes on Linux and the BSDs, bytes on macOS."""
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def bare_parse(path: Path) -> object:
    """The file parsed with nothing else: one ``orjson.loads``, or one per line for JSON Lines."""
    if path.suffix == ".jsonl":
        return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return orjson.loads(path.read_bytes())


def time_parse(path: Path, repeat: int) -> float:
    """Best wall time of a bare parse (reading the file included), in seconds."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        document = bare_parse(path)
        elapsed = time.perf_counter() - start
        del document
        best = min(best, elapsed)
    return best


class Child(NamedTuple):
    """What a child process took and gave."""

    wall: float
    #: User and system CPU seconds (None without ``os.wait4``): unlike the wall time, without the time the
    #: child waited (for the disk, or for other processes on the machine).
    cpu: float | None
    #: Peak RSS in bytes (None without ``os.wait4``).
    peak: int | None
    code: int
    errors: str


def run_child(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Child:
    """Run a child process and measure it."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=errors)
        cpu = peak = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - start
            child.returncode = os.waitstatus_to_exitcode(status)
            cpu, peak = usage.ru_utime + usage.ru_stime, _maxrss_bytes(usage.ru_maxrss)
        else:  # no wait4 (Windows): no CPU time, no peak RSS
            child.wait()
            elapsed = time.perf_counter() - start
        errors.seek(0)
        return Child(elapsed, cpu, peak, child.returncode, errors.read().decode("utf-8", "replace"))


def analyze_command(path: Path, out_dir: Path) -> list[str]:
    return [sys.executable, "-m", "riskmap", "analyze", str(path), "--out", str(out_dir), "-q"]


@contextmanager
def _workdir(path: Path):
    """Run from the data folder, so no riskmap.toml of the caller's folder changes the work."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def bench(path: Path, work: Path, repeat: int) -> int:
    size = path.stat().st_size
    print(f"startup: python -m riskmap --version, best of {repeat} ...", file=sys.stderr)
    startup = min(run_child([sys.executable, "-m", "riskmap", "--version"], work).wall for _ in range(repeat))

    runs = []
    for index in range(1, repeat + 1):
        out_dir = work / "report"
        shutil.rmtree(out_dir, ignore_errors=True)
        print(f"analyze: run {index}/{repeat} ...", file=sys.stderr)
        elapsed, _, peak, code, errors = run_child(analyze_command(path, out_dir), work)
        if code != 0:
            print(f"riskmap analyze exited {code}:\n{errors.strip()}", file=sys.stderr)
            if code not in (1, 3):  # 1: some input failed, 3: --fail-on; reports were still written
                return 2
        runs.append((elapsed, peak))
        print(f"         {elapsed:.2f} s, peak RSS {_mb(peak)}", file=sys.stderr)
    analyze, _ = min(runs, key=lambda run: run[0])

    # The parse runs after the children: on Linux a child's peak RSS starts at its parent's RSS
    # when it forks, so a parent holding a parsed document would inflate the child's figure.
    print(f"parse:   orjson.loads(read_bytes()) in-process, best of {repeat} ...", file=sys.stderr)
    parse = time_parse(path, repeat)
    peak_rss = max((p for _, p in runs if p is not None), default=None)

    report = orjson.loads((work / "report" / "report.json").read_bytes())
    summary = report["summary"]
    sizes = {name: (work / "report" / name).stat().st_size for name in ("report.html", "report.md", "report.json")
             if (work / "report" / name).exists()}

    ratio = analyze / parse if parse else float("inf")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    rows = [
        ("records", f"{summary['records']:,} analysed, {summary['skipped']:,} skipped"),
        ("file size", f"{size / 1e6:.1f} MB"),
        ("parse (orjson.loads)", f"{parse:.3f} s"),
        ("analyze (3 reports)", f"{analyze:.3f} s  (of which interpreter start-up + imports ~{startup:.2f} s)"),
        ("ratio analyze/parse", f"{ratio:.1f}x"),
        ("target", f"<= {TARGET_RATIO:g}x  -> {verdict}"),
        ("peak RSS of analyze", _mb(peak_rss)),
        ("reports", ", ".join(f"{name} {_size(n)}" for name, n in sizes.items())),
        ("python", f"{sys.version.split()[0]}, orjson {orjson.__version__}"),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


#: The reports ``--against`` compares byte for byte.
REPORTS = ("report.json", "report.html", "report.md")


def export_revision(revision: str, into: Path) -> str | None:
    """The repository's files at ``revision`` (``git archive``), in a fresh folder ``into``; or why not."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", revision], capture_output=True)
    if archive.returncode != 0:
        return archive.stderr.decode("utf-8", "replace").strip() or f"git archive exited {archive.returncode}"
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return None


def compare(path: Path, work: Path, repeat: int, revision: str) -> int:
    """``riskmap analyze`` of ``revision`` and of this checkout, alternated ``repeat`` times: each pair's wall
    and CPU times, the median speed-ups, the peak RSS of both, and whether their reports are byte-identical."""
    this = Path(__file__).resolve().parent.parent
    base = work / "against"
    print(f"against: exporting {revision} to {base} ...", file=sys.stderr)
    problem = export_revision(revision, base)
    if problem is not None:
        print(f"--against {revision}: {problem}", file=sys.stderr)
        return 2
    sides = {revision: base, "this checkout": this}
    runs: dict[str, list[Child]] = {side: [] for side in sides}
    for index in range(1, repeat + 1):
        for side, code in sides.items():
            out_dir = work / f"report-{'against' if code == base else 'this'}"
            shutil.rmtree(out_dir, ignore_errors=True)
            print(f"analyze: {side}, run {index}/{repeat} ...", file=sys.stderr)
            run = run_child(analyze_command(path, out_dir), work, {**os.environ, "PYTHONPATH": str(code)})
            if run.code not in (0, 1, 3):
                print(f"riskmap analyze ({side}) exited {run.code}:\n{run.errors.strip()}", file=sys.stderr)
                return 2
            runs[side].append(run)
    before, after = runs[revision], runs["this checkout"]
    pairs = list(zip(before, after, strict=True))
    print(f"\n{'run':<4} {'wall: ' + revision:>22} {'this checkout':>14} {'speed-up':>9}   "
          f"{'CPU: ' + revision:>21} {'this checkout':>14} {'speed-up':>9}")
    for index, (old, new) in enumerate(pairs, start=1):
        print(f"{index:<4} {old.wall:>20.2f} s {new.wall:>12.2f} s {old.wall / new.wall:>8.2f}x   "
              f"{_seconds(old.cpu):>21} {_seconds(new.cpu):>14} {_ratio(old.cpu, new.cpu):>9}")
    wall = _median([old.wall / new.wall for old, new in pairs])
    cpu = _median([old.cpu / new.cpu for old, new in pairs if old.cpu and new.cpu])
    peaks = [_mb(max((run.peak for run in side if run.peak), default=None)) for side in (before, after)]
    differ = [name for name in REPORTS
              if not filecmp.cmp(work / "report-against" / name, work / "report-this" / name, shallow=False)]
    print(f"\nmedian speed-up: wall {wall:.2f}x, CPU {'n/a' if cpu is None else f'{cpu:.2f}x'}; best wall "
          f"{min(run.wall for run in before):.2f} s -> {min(run.wall for run in after):.2f} s")
    print(f"peak RSS {peaks[0]} -> {peaks[1]}")
    print("reports: " + ("byte-identical" if not differ else f"{', '.join(differ)} differ"))
    return 0


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _ratio(old: float | None, new: float | None) -> str:
    return "n/a" if not old or not new else f"{old / new:.2f}x"


def profile(path: Path, work: Path, top: int = 25) -> int:
    import riskmap.cli  # imported first, so the profile shows the work rather than the imports

    out_dir = work / "report-profile"
    argv = ["riskmap", "analyze", str(path), "--out", str(out_dir), "-q"]
    saved = sys.argv
    profiler = cProfile.Profile()
    code: object = 0
    print("profile: riskmap.cli.main() in-process under cProfile ...", file=sys.stderr)
    start = time.perf_counter()
    with _workdir(work):
        sys.argv = argv
        profiler.enable()
        try:
            riskmap.cli.main()
        except SystemExit as exc:
            code = exc.code
        finally:
            profiler.disable()
            sys.argv = saved
    elapsed = time.perf_counter() - start
    print(f"analyze under cProfile: {elapsed:.2f} s wall (profiling overhead included), exit {code}")
    for key in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats(key).print_stats(top)
        print(f"\n=== top {top} by {key} ===")
        print(_trim(buffer.getvalue()))
    return 0


def _trim(text: str) -> str:
    """pstats output from the column header on, without the long preamble."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(line for line in lines[start:] if line.strip())


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def _mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000, help="records to generate (default 200000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed for generate.py (default 0)")
    parser.add_argument("--jsonl", action="store_true", help="generate JSON Lines instead of {\"bugs\": [...]}")
    parser.add_argument("--lean", action="store_true",
                        help="records with the sample's fields only, without a tracker's metadata (see generate.py)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the input and reports in DIR (the input is reused when it matches)")
    parser.add_argument("--profile", action="store_true",
                        help="profile one in-process analyze with cProfile instead of timing")
    parser.add_argument("--against", metavar="REV",
                        help="compare with a git revision instead: the two alternated, --repeat runs each")
    args = parser.parse_args(argv)
    if args.records < 1 or args.repeat < 1:
        parser.error("--records and --repeat must be at least 1")

    temp = None
    if args.keep:
        work = args.keep.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.TemporaryDirectory(prefix="riskmap-bench-")
        work = Path(temp.name)
    try:
        suffix = "jsonl" if args.jsonl else "json"
        path = work / f"bugs-{args.records}-seed{args.seed}{'-lean' if args.lean else ''}.{suffix}"
        if path.exists():
            print(f"input: reusing {path}", file=sys.stderr)
        else:
            print(f"input: generating {args.records:,} records ...", file=sys.stderr)
            start = time.perf_counter()
            partial = path.with_suffix(".partial")
            generate.write(args.records, partial, args.seed, args.jsonl, args.lean)
            partial.replace(path)
            print(f"       {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        if args.profile:
            return profile(path, work)
        return compare(path, work, args.repeat, args.against) if args.against else bench(path, work, args.repeat)
    finally:
        if temp is not None:
            temp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
