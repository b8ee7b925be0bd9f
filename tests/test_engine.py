"""The engines: a log read in parts gives the records of the whole file (any split points), and the Dask
engine on a real local cluster of two worker processes gives the default engine's report.json."""

from __future__ import annotations

import gzip
import json
from itertools import pairwise
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmap import pipeline
from riskmap.analyze import analyze, judged
from riskmap.config import Config
from riskmap.engine import DaskEngine
from riskmap.engine.dask import driver_share
from riskmap.ingest import finish_input, plan_input, read_input, read_input_part
from riskmap.ingest.jsondoc import plan_lines
from riskmap.ingest.logs.partial import plan_at

APP_LOG = ROOT / "sample_data" / "app.log"

#: A plain log without a header: tracebacks, a Go panic, CRLF line ends, a BOM and a stray \r.
PLAIN_LOG = (
    "\ufeffERROR: cannot open /var/data/file1.db after 3 tries\r\n"
    "Traceback (most recent call last):\r\n"
    '  File "/app/store.py", line 12, in open\r\n'
    "    raise IOError(path)\r\n"
    "IOError: /var/data/file1.db\r\n"
    "WARNING: slow request took 300 ms\r\n"
    "panic: runtime error: index out of range\n"
    "goroutine 1 [running]:\n"
    "main.handle(0x1, 0x2)\n"
    "\t/app/main.go:12 +0x1d\n"
    "ERROR: cannot open /var/data/file2.db after 4 tries\r"
    "info: started worker 7\n"
    "WARNING: slow request took 120 ms\n"
    "fatal: out of memory in worker 9\n"
) * 7

#: A JSON Lines log: levels, loggers, a trace, a line that is not JSON, and blank lines.
JSON_LOG = "".join(
    json.dumps({"timestamp": f"2026-03-0{1 + i % 9}T10:00:{i % 60:02d}Z", "level": ["ERROR", "INFO", "WARN"][i % 3],
                "logger": ["api", "db"][i % 2], "message": f"request {i} failed for user u{i % 5}",
                **({"exception": "Traceback:\n  File \"/app/x.py\", line 3"} if i % 7 == 0 else {})}) + "\n"
    + ("not json at all: error 42\n\n" if i % 11 == 0 else "")
    for i in range(120)
)


def _records(result):
    return result.records, result.summary.logs, result.summary.records


def _parted(path: Path, offsets: list[int]):
    """The result of reading ``path`` in parts split near ``offsets``, and how many parts it had."""
    parted = plan_input(path, None, 1 << 30)
    assert parted is not None, f"{path} is read in parts"
    planned = plan_at(str(path), parted.format, offsets)
    parted = type(parted)(parted.path, parted.format, parted.detected_by, planned)
    parts = [read_input_part(parted, index, Config()) for index in range(len(planned.ranges))]
    return finish_input(parted, parts), len(planned.ranges)


def _export_lines() -> bytes:
    """The sample's bugs as a JSON Lines export: a BOM, CRLF line ends, a blank line, a line that is not JSON,
    one that is no object, and a record without an id (riskmap derives one from its text)."""
    bugs = json.loads(SAMPLE.read_text(encoding="utf-8"))["bugs"]
    lines = [json.dumps(bug) for bug in bugs]
    lines[3:3] = ["", "{not json", "[1, 2]", json.dumps({"title": "Export times out", "description": "no id"})]
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\n"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "bugs.jsonl"
    path.write_bytes(_export_lines())
    return path


def _summary(result):
    return result.records, [(s.source, s.reason) for s in result.skipped], result.summary


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.floats(0, 1, exclude_max=True), max_size=12))
def test_a_json_lines_export_read_in_parts_gives_the_records_of_the_whole_file(export, cuts):
    """Each part starts at a line start and numbers its lines as the whole file does, so the records, the
    skipped lines with their positions and the summary are those of one read."""
    size = export.stat().st_size
    whole = plan_input(export, None, size)
    assert whole is None  # one part: read whole
    parted = plan_input(export, None, 1)
    assert parted is not None and parted.parts > 5
    spans = plan_lines(export, [int(cut * size) for cut in cuts])
    assert spans[0].start == 0 and spans[-1].end == size
    assert all(a.end == b.start for a, b in pairwise(spans))
    parted = type(parted)(parted.path, parted.format, parted.detected_by, spans)
    parts = [read_input_part(parted, index, Config()) for index in range(parted.parts)]
    joined = finish_input(parted, parts)
    assert _summary(joined) == _summary(read_input(export, Config()))
    assert [s.source.locator for s in joined.skipped] == ["line 5", "line 6"]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("logs")
    plain = folder / "plain.log"
    plain.write_bytes(PLAIN_LOG.encode())
    events = folder / "events.jsonl"
    events.write_text(JSON_LOG, encoding="utf-8")
    return [APP_LOG, plain, events]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 2), cuts=st.lists(st.floats(0, 1, exclude_max=True), max_size=12))
def test_a_log_read_in_parts_gives_the_records_of_the_whole_file(logs, which, cuts):
    path = logs[which]
    size = path.stat().st_size
    whole = read_input(path, Config())
    parted, count = _parted(path, [int(cut * size) for cut in cuts])
    assert whole.summary.error is None and whole.records
    assert _records(parted) == _records(whole)
    assert parted.summary == whole.summary
    assert count >= 1


def test_split_points_move_to_the_start_of_an_entry(logs):
    plain = logs[1]
    data = plain.read_bytes()
    planned = plan_at(str(plain), "log", [data.index(b"Traceback") + 3, data.index(b"goroutine")])
    starts = [start for start, _ in planned.ranges]
    assert len(starts) == 3
    for start in starts[1:]:
        line = data[start:].split(b"\n", 1)[0]
        assert not line.startswith((b"Traceback", b" ", b"\t", b"goroutine", b"main.")), line


def test_loghub_logs_read_in_parts_give_the_whole_file_records(corpus):
    for path in sorted((corpus / "logs" / "loghub").glob("*/*.log")):
        size = path.stat().st_size
        parted, count = _parted(path, [size * k // 7 for k in range(1, 7)])
        assert count == 7, path
        assert _records(parted) == _records(read_input(path, Config())), path


def test_a_gzip_log_is_one_part(tmp_path):
    packed = tmp_path / "app.log.gz"
    packed.write_bytes(gzip.compress(APP_LOG.read_bytes()))
    parted, count = _parted(packed, [10, 100, 200])
    assert count == 1
    assert _records(parted) == _records(read_input(packed, Config()))


def test_a_gzipped_syslog_read_in_parts_keeps_the_year_of_its_gzip_header(tmp_path):
    log = tmp_path / "messages.1.gz"
    with log.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=1735885500) as handle:  # 2025-01-03
        handle.write(b"Dec 30 23:59:01 combo sshd[1]: error: authentication failure for root\n"
                     b"Jan  2 10:00:00 combo kernel: error: disk sda failing\n")
    parted, _ = _parted(log, [10])
    assert _records(parted) == _records(read_input(log, Config()))
    assert sorted(str(r.created_at.year) for r in parted.records if r.created_at) == ["2024", "2025"]


def _report_of(results) -> dict:
    as_of = pipeline.parse_as_of("2026-11-01")
    run = pipeline.AnalysisRun(results, analyze(results, Config(), as_of), Config(), None, None)
    report, _ = pipeline.write_reports(run, [], Path("unused"))
    return json.loads(json.dumps(report, default=str))


def _judged_report(inputs: list[Path]) -> tuple[dict, dict]:
    """The report of ``inputs`` as the analysis judges every record, and as the Dask engine's driver has it:
    the records of every input judged as it arrives, before the inputs are seen together."""
    results, _ = pipeline.read_inputs_on(None, inputs, Config())
    return _report_of(results), _report_of(pipeline.link_issue_ids([judged(result) for result in results]))


def test_records_judged_while_reading_give_the_report_of_the_whole(logs):
    """The sample read twice: every bug record is merged with its second reading (a new record, judged
    again), duplicates fold into their originals, and test runs and log templates add up."""
    inputs = [*sorted((ROOT / "sample_data").iterdir()), SAMPLE, *logs]
    whole, judged_first = _judged_report(inputs)
    assert judged_first == whole
    assert whole["summary"]["merged"] > 0


def test_sentry_records_judged_while_reading_are_judged_again_once_their_ids_are_linked(corpus):
    """An event's id changes to its issue's when the issue export is read too: its judgement is dropped."""
    inputs = [corpus / "errors/sentry-mcp-mocks" / name for name in ("event.json", "issue.json", "csp-event.json")]
    whole, judged_first = _judged_report(inputs)
    assert judged_first == whole
    assert whole["summary"]["merged"] == 1


# --- the Dask engine on a real cluster ---------------------------------------------------------------

@pytest.fixture(scope="module")
def scheduler():
    """The address of a local Dask cluster of two worker processes (skips without riskmap[dask])."""
    distributed = pytest.importorskip(
        "distributed", reason='the Dask engine tests need the extra: pip install -e ".[test,dask]"')
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _report(inputs, engine=None) -> dict:
    run = pipeline.analyse(inputs, Config(), as_of=pipeline.parse_as_of("2026-11-01"), engine=engine)
    report, _ = pipeline.write_reports(run, [], Path("unused"))
    return json.loads(json.dumps(report, default=str))


@pytest.mark.parametrize("part_bytes", [97, 1500, 1 << 26])
def test_dask_gives_the_default_engines_report_whatever_the_partitions(scheduler, logs, export, part_bytes):
    inputs = [SAMPLE, *logs, ROOT / "sample_data" / "ci-run-1.xml", export]
    local = _report(inputs)
    on_dask = _report(inputs, DaskEngine(scheduler=scheduler, part_bytes=part_bytes))
    engine = on_dask.pop("engine")
    assert "engine" not in local
    assert on_dask == local
    assert engine["name"] == "dask" and engine["workers"] == 2
    assert engine["partitions"] >= len(inputs) + (10 if part_bytes == 97 else 0)


def test_dask_engine_report_json_is_the_default_ones_but_its_engine_entry(scheduler, cli, tmp_path, logs):
    inputs = [SAMPLE, *logs, tmp_path / "missing.json"]
    assert cli("analyze", *inputs, "-o", tmp_path / "local", "-r", "json", "--as-of", "2026-11-01").code == 1
    done = cli("analyze", *inputs, "-o", tmp_path / "dask", "-r", "json", "--as-of", "2026-11-01",
               "--engine", "dask", "--scheduler", scheduler)
    assert done.code == 1, done.stderr
    local = json.loads((tmp_path / "local" / "report.json").read_text())
    on_dask = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert on_dask.pop("engine") == {"name": "dask", "workers": 2, "partitions": 4}
    assert on_dask == local


def test_ingest_on_a_local_cluster_of_two_workers_writes_the_same_records(scheduler, cli, tmp_path, logs):
    assert cli("ingest", SAMPLE, *logs, "-o", tmp_path / "local.jsonl", "-q").code == 0
    done = cli("ingest", SAMPLE, *logs, "-o", tmp_path / "dask.jsonl", "-q", "--engine", "dask", "--workers", "2")
    assert done.code == 0, done.stderr
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_analyze_on_a_local_cluster_gives_the_default_engines_report(cli, tmp_path, logs):
    """Beside a local cluster the driver reads the whole inputs that fall to it (``driver_share``) and judges
    the records of every input read whole; the report is the default engine's all the same."""
    inputs = [ROOT / "sample_data" / "ci-run-1.xml", SAMPLE, *logs, ROOT / "sample_data" / "ci-run-2.xml"]
    common = ["analyze", *inputs, "-r", "json", "--as-of", "2026-11-01", "-q"]
    assert cli(*common, "-o", tmp_path / "local").code == 0
    done = cli(*common, "-o", tmp_path / "dask", "--engine", "dask", "--workers", "2")
    assert done.code == 0, done.stderr
    local = json.loads((tmp_path / "local" / "report.json").read_text())
    on_dask = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert on_dask.pop("engine") == {"name": "dask", "workers": 2, "partitions": len(inputs)}
    assert on_dask == local


def test_the_driver_reads_the_whole_inputs_that_fall_to_it_while_workers_read_log_parts(logs):
    """The largest whole input first, each to whoever has the fewest bytes to read: the driver on a tie."""
    large, small = SAMPLE, ROOT / "sample_data" / "ci-run-1.xml"
    parted = [plan_input(log, None, 1 << 20) for log in logs]
    assert all(plan is not None for plan in parted)
    per_worker = sum(log.stat().st_size for log in logs) / 2
    assert large.stat().st_size > per_worker > small.stat().st_size
    # the driver takes the sample export; then the small report falls to a worker, which has less to read
    assert driver_share([large, "memory://bugs.json", *logs, small], [None, None, *parted, None], 2) == {0}
    assert driver_share([small, large], [None, None], 2) == {1}  # no log: the largest to the driver
    assert driver_share([small], [None], 2) == {0}  # one input: the driver would only wait
    assert driver_share(["memory://bugs.json"], [None], 2) == set()  # a URL is a worker's


def test_scheduler_needs_the_dask_engine(cli, tmp_path):
    done = cli("analyze", SAMPLE, "-o", tmp_path, "--scheduler", "tcp://127.0.0.1:1")
    assert done.code == 2
    assert "--scheduler needs --engine dask" in done.stderr


# --- inputs named by URL (fsspec) ---------------------------------------------------------------------

def test_a_memory_url_is_read_through_fsspec_like_the_file(cli, tmp_path):
    fsspec = pytest.importorskip("fsspec", reason='URL inputs need fsspec: pip install -e ".[test,dask]"')
    fsspec.filesystem("memory").pipe("/riskmap-test/app.log", APP_LOG.read_bytes())
    url = "memory://riskmap-test/app.log"
    assert cli("ingest", url, "-o", tmp_path / "url.jsonl", "-q").code == 0
    assert cli("ingest", APP_LOG, "-o", tmp_path / "file.jsonl", "-q").code == 0
    from_url = (tmp_path / "url.jsonl").read_text()
    assert url in from_url
    assert from_url == (tmp_path / "file.jsonl").read_text().replace(str(APP_LOG), url)


def test_a_missing_object_is_an_input_error_naming_the_url(cli, tmp_path):
    pytest.importorskip("fsspec", reason='URL inputs need fsspec: pip install -e ".[test,dask]"')
    done = cli("analyze", SAMPLE, "memory://riskmap-test/none.log", "-o", tmp_path, "-r", "json")
    assert done.code == 1
    assert "memory://riskmap-test/none.log: no such object" in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert [i["path"] for i in report["inputs"]] == [str(SAMPLE), "memory://riskmap-test/none.log"]


def test_workers_read_a_file_url_themselves(scheduler, cli, tmp_path, logs):
    urls = [Path(path).resolve().as_uri() for path in (SAMPLE, *logs)]
    assert cli("analyze", *urls, "-o", tmp_path / "local", "-r", "json", "-q", "--as-of", "2026-11-01").code == 0
    done = cli("analyze", *urls, "-o", tmp_path / "dask", "-r", "json", "-q", "--as-of", "2026-11-01",
               "--engine", "dask", "--scheduler", scheduler)
    assert done.code == 0, done.stderr
    local = json.loads((tmp_path / "local" / "report.json").read_text())
    on_dask = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert on_dask.pop("engine")["partitions"] == len(urls)
    assert on_dask == local
    assert [i["path"] for i in local["inputs"]] == urls


def test_without_the_extra_the_dask_engine_names_it(tmp_path):
    """In a fresh interpreter where distributed cannot be imported (as without riskmap[dask])."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['distributed'] = None; sys.argv = sys.argv[1:]\n"
            "from riskmap.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "riskmap", "analyze", str(SAMPLE), "-o", str(tmp_path),
                           "--engine", "dask"], capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    assert 'pip install "riskmap[dask]"' in done.stderr
