"""Template mining: riskmap against Drain3 (default settings) on the same lines, speed and accuracy.

    pip install ".[bench]"
    python benchmarks/bench_logs.py [--lines 500000] [--repeat 3] [--seed 0] [--layout log4j learned]
                                    [--corpus DIR]

(a) speed: a log of ``--lines`` lines from ``generate_logs.py`` (traces included) for each of
    ``--layout`` (default both: log4j headers, a known layout; and a header riskmap learns from
    the file), read and mined in this process, best of ``--repeat``. riskmap: ``mine_file`` (header
    detection, multi-line entries, masking, templates). Drain3: ``TemplateMiner().add_log_message``
    on every raw line, as Drain3's README feeds it. Both include reading the file.
(b) accuracy: grouping accuracy on the Loghub 2k files under ``--corpus`` (default
    ``../shared/corpus/logs/loghub`` or ``$RISKMAP_CORPUS/logs/loghub``), raw lines in, headers
    included, truth from ``*_structured_corrected.csv`` (by template, and by EventId).

The target: riskmap's lines per second at least Drain3's. A measurement, not a test: it prints
PASS or FAIL and exits 0 either way.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_logs

from riskmap.ingest.logs import mine_file
from riskmap.ingest.logs.files import open_text
from riskmap.ingest.logs.mining import grouping_accuracy, template_fingerprint


def _drain3():
    try:
        from drain3 import TemplateMiner
    except ImportError:
        sys.exit('Drain3 is not installed: pip install ".[bench]"')
    logging.getLogger("drain3").setLevel(logging.ERROR)
    return TemplateMiner


def riskmap_groups(path: Path) -> list[str]:
    """riskmap's template id for every line of the file."""
    mined = mine_file(path, keep_lines=True)
    ids = [template_fingerprint(t.text) for t in mined.miner.templates]
    return [ids[n] for n in mined.line_templates]


def drain3_groups(path: Path) -> list[int]:
    """Drain3's cluster id for every line, default configuration."""
    miner = _drain3()()
    return [miner.add_log_message(line)["cluster_id"] for line in open_text(path)]


def best_of(repeat: int, run, path: Path) -> tuple[float, int]:
    best, lines = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        lines = len(run(path))
        best = min(best, time.perf_counter() - start)
    return best, lines


def corpus_root(given: Path | None) -> Path | None:
    if given:
        return given
    env = os.environ.get("RISKMAP_CORPUS")
    root = Path(env) / "logs/loghub" if env else Path(__file__).resolve().parents[2] / "shared/corpus/logs/loghub"
    return root if root.is_dir() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout", nargs="+", choices=generate_logs.LAYOUTS, default=list(generate_logs.LAYOUTS))
    parser.add_argument("--corpus", type=Path, help="the loghub folder (with HDFS/, Apache/, Linux/ ...)")
    args = parser.parse_args()
    _drain3()

    for layout in args.layout:
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "service.log"
            count = generate_logs.generate(args.lines, log, args.seed, layout=layout)
            size = log.stat().st_size / 1e6
            detected = mine_file(log).layout.name
            ours, _ = best_of(args.repeat, riskmap_groups, log)
            theirs, _ = best_of(args.repeat, drain3_groups, log)
        print(f"speed on {count:,} lines ({size:.0f} MB, {layout} headers, riskmap's layout: {detected}),"
              f" best of {args.repeat}:")
        print(f"  riskmap {ours:7.2f} s  {count / ours:>9,.0f} lines/s")
        print(f"  Drain3  {theirs:7.2f} s  {count / theirs:>9,.0f} lines/s")
        verdict = "PASS" if ours <= theirs else "FAIL"
        print(f"  {verdict}: riskmap is {theirs / ours:.2f}x Drain3's throughput (target >= 1)")

    root = corpus_root(args.corpus)
    if root is None:
        print("accuracy: skipped, no Loghub corpus found (--corpus or RISKMAP_CORPUS)")
        return
    print("grouping accuracy on raw Loghub lines (truth by template / by EventId):")
    scores = []
    for system in sorted(p.name for p in root.iterdir() if p.is_dir()):
        log = root / system / f"{system}_2k.log"
        truth_file = root / system / f"{system}_2k.log_structured_corrected.csv"
        if not (log.exists() and truth_file.exists()):
            continue
        with truth_file.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        by_template, by_id = [r["EventTemplate"] for r in rows], [r["EventId"] for r in rows]
        ours, theirs = riskmap_groups(log), drain3_groups(log)
        row = [grouping_accuracy(ours, by_template), grouping_accuracy(ours, by_id),
               grouping_accuracy(theirs, by_template), grouping_accuracy(theirs, by_id)]
        scores.append(row)
        print(f"  {system:10} riskmap {row[0]:.3f} / {row[1]:.3f}   Drain3 {row[2]:.3f} / {row[3]:.3f}")
    if scores:
        mean = [sum(column) / len(scores) for column in zip(*scores, strict=True)]
        print(f"  {'mean':10} riskmap {mean[0]:.3f} / {mean[1]:.3f}   Drain3 {mean[2]:.3f} / {mean[3]:.3f}")


if __name__ == "__main__":
    main()
