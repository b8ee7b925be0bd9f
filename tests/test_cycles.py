"""riskmap runs with Python's cyclic garbage collector off (``cli.main``): that is safe only while the objects a run
builds form no reference cycles, else a large input would leave its garbage behind. Reading, analysing and
reporting more records must leave no more objects in cycles. Where Dask runs (its client and a local cluster's
scheduler in riskmap's process, a worker's task), the collector is on (``engine.collecting``)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from helpers import ROOT, SAMPLE

from riskmap import pipeline
from riskmap.config import Config
from riskmap.engine import COLLECTOR_THRESHOLDS, collecting

APP_LOG = ROOT / "sample_data" / "app.log"
CI_RUN = ROOT / "sample_data" / "ci-run-1.xml"


def _inputs(folder: Path, copies: int) -> list[Path]:
    """The sample's bug export with its records ``copies`` times over (each copy with ids and titles of its own),
    its log ``copies`` times over, and a JUnit report."""
    bugs = json.loads(SAMPLE.read_text(encoding="utf-8"))["bugs"]
    many = [{**bug, "id": f"{bug['id']}-{copy}", "title": f"{bug['title']} (copy {copy})"}
            for copy in range(copies) for bug in bugs]
    folder.mkdir()
    (folder / "bugs.json").write_text(json.dumps({"bugs": many}), encoding="utf-8")
    (folder / "app.log").write_text(APP_LOG.read_text(encoding="utf-8") * copies, encoding="utf-8")
    return [folder / "bugs.json", folder / "app.log", CI_RUN]


def _left_in_cycles(inputs: list[Path], out: Path) -> int:
    """How many objects a whole run (read, analyse, write every report) leaves in reference cycles."""
    gc.collect()
    gc.disable()
    try:
        run = pipeline.analyse(inputs, Config())
        pipeline.write_reports(run, list(pipeline.ReportKind), out)
        del run
        return gc.collect()
    finally:
        gc.enable()


def test_a_run_leaves_no_more_cycles_for_more_records(tmp_path):
    _left_in_cycles(_inputs(tmp_path / "warm", 1), tmp_path / "warm-out")  # caches and lazy imports fill up once
    few = _left_in_cycles(_inputs(tmp_path / "few", 1), tmp_path / "few-out")
    many = _left_in_cycles(_inputs(tmp_path / "many", 20), tmp_path / "many-out")
    assert many <= few, f"{few} objects left in cycles by one copy of the sample, {many} by twenty"


def test_collecting_turns_the_collector_on_for_a_block_and_leaves_it_as_it_was():
    thresholds = gc.get_threshold()
    gc.disable()
    try:
        with collecting():
            assert gc.isenabled() and gc.get_threshold() == COLLECTOR_THRESHOLDS
        assert not gc.isenabled() and gc.get_threshold() == thresholds
    finally:
        gc.enable()
    with collecting():
        pass
    assert gc.isenabled() and gc.get_threshold() == thresholds
