"""Log files: header layouts, multi-line entries, JSON logs, .gz, template mining and its accuracy."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmap.ingest.logs.entries import read_entries
from riskmap.ingest.logs.layouts import LAYOUTS, PLAIN
from riskmap.ingest.logs.learned import detect_layout, learned_time
from riskmap.ingest.logs.mining import (
    ALIGNED_CELLS,
    VARIABLE_WORDS,
    TemplateMiner,
    grouping_accuracy,
    joined,
    mine,
    template_fingerprint,
    tokens,
)

SAMPLE_DATA = ROOT / "sample_data"
APP_LOG = SAMPLE_DATA / "app.log"
LOGHUB = ("HDFS", "Apache", "Linux")
#: The six more development systems, with their corrected truth, under the corpus's labelled/.
LOGHUB_CORRECTED = ("Hadoop", "HealthApp", "OpenSSH", "Spark", "Zookeeper", "Proxifier")
#: The grouping accuracy riskmap reaches on the raw Loghub 2k lines: truth by template, by EventId.
REACHED = {"HDFS": (1.0, 1.0), "Apache": (1.0, 1.0), "Linux": (1.0, 0.814),
           "Hadoop": (0.9935, 0.9935), "HealthApp": (1.0, 1.0), "OpenSSH": (0.9985, 0.9985),
           "Spark": (0.999, 0.999), "Zookeeper": (0.9945, 0.9945), "Proxifier": (1.0, 1.0)}


def _records(cli, tmp_path: Path, *inputs: Path) -> list[dict]:
    out = tmp_path / "records.jsonl"
    result = cli("ingest", *inputs, "--output", out, "-q")
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _report(cli, tmp_path: Path, *inputs: Path, code: int = 0) -> dict:
    result = cli("analyze", *inputs, "--out", tmp_path / "out", "-q")
    assert result.code == code, result.stderr
    return json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Grouping accuracy on Loghub ---------------------------------------------------------------------

@pytest.fixture
def loghub(corpus: Path) -> Path:
    root = corpus / "logs" / "loghub"
    if not root.is_dir():
        pytest.skip(f"no Loghub files at {root}")
    return root


@pytest.fixture
def loghub_corrected(corpus: Path) -> Path:
    root = corpus / "labelled" / "loghub_2k_corrected"
    if not root.is_dir():
        pytest.skip(f"no corrected Loghub files at {root}")
    return root


def _grouping(cli, tmp_path: Path, log: Path) -> list[dict]:
    out = tmp_path / f"{log.stem}.csv"
    result = cli("templates", log, "--output", out)
    assert result.code == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("system", LOGHUB + LOGHUB_CORRECTED)
def test_grouping_accuracy_on_raw_loghub_lines(cli, tmp_path, loghub, loghub_corrected, system):
    root = loghub if system in LOGHUB else loghub_corrected
    rows = _grouping(cli, tmp_path, root / system / f"{system}_2k.log")
    with (root / system / f"{system}_2k.log_structured_corrected.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    assert [int(row["line"]) for row in rows] == list(range(1, len(truth) + 1))
    predicted = [row["template_id"] for row in rows]
    by_template = grouping_accuracy(predicted, [t["EventTemplate"] for t in truth])
    by_id = grouping_accuracy(predicted, [t["EventId"] for t in truth])
    assert by_template >= REACHED[system][0] and by_id >= REACHED[system][1]
    assert all(row["template_id"] == template_fingerprint(row["template"].lstrip("'")) for row in rows)


def test_mean_grouping_accuracy_reaches_the_goal(cli, tmp_path, loghub):
    scores = []
    for system in LOGHUB:
        rows = _grouping(cli, tmp_path, loghub / system / f"{system}_2k.log")
        with (loghub / system / f"{system}_2k.log_structured_corrected.csv").open(encoding="utf-8") as handle:
            truth = [t["EventId"] for t in csv.DictReader(handle)]
        scores.append(grouping_accuracy([row["template_id"] for row in rows], truth))
    assert sum(scores) / len(scores) >= 0.93  # the goal is 0.90, by EventId, the stricter truth


@pytest.mark.parametrize("system, header",
                         [("HDFS", "an HDFS"), ("Apache", "an Apache error log"), ("Linux", "a syslog")])
def test_loghub_headers_are_detected_and_error_templates_become_records(cli, tmp_path, loghub, system, header):
    log = loghub / system / f"{system}_2k.log"
    report = _report(cli, tmp_path, log)
    (summary,) = report["inputs"]
    assert summary["format"] == "log" and summary["detected_by"] == f"log lines with {header} header"
    logs = summary["logs"]
    assert logs["entries"] == 2000
    records = report["records"]
    assert records and all(r["kind"] == "log" for r in records)
    assert sum(r["occurrences"] for r in records) + logs["below_warning"] == 2000
    assert all("<*>" not in r["title"] or not re.search(r"(?<![\w.])\d+(?![\w.])", r["title"]) for r in records)


def test_apache_error_lines_are_grouped_with_their_counts(cli, tmp_path, loghub):
    records = _records(cli, tmp_path, loghub / "Apache" / "Apache_2k.log")
    by_title = {r["title"]: r for r in records}
    lines = (loghub / "Apache" / "Apache_2k.log").read_text(encoding="utf-8").splitlines()
    state6 = sum(1 for line in lines if line.endswith("mod_jk child workerEnv in error state 6"))
    record = by_title["mod_jk child workerEnv in error state <*>"]
    assert record["severity"] == "high" and record["severity_raw"] == "error"
    assert record["occurrences"] >= state6 > 100
    assert record["extra"]["first_seen"] == "2005-12-04T04:47:44+00:00"
    assert record["id"] == f"log-{record['fingerprint'][:10]}"


# Template mining, pure ----------------------------------------------------------------------------

_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
_KINDS = (
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).map(lambda f: f"{f:.3f}"),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.tuples(*[st.integers(0, 255)] * 4, st.integers(1, 65535)).map(lambda t: ".".join(map(str, t[:4])) + f":{t[4]}"),
    st.integers(0, 2**64).map(lambda n: f"0x{n:x}"),
    st.uuids().map(str),
    st.integers(0, 10**6).map(lambda n: f"({n})"),
    st.integers(0, 10**6).map(lambda n: f"{n},"),
    st.integers(0, 10**6).map(lambda n: f"uid={n}"),
    st.integers(0, 10**6).map(lambda n: f"blk_{n}"),
    st.dates().map(str),
    # ids holding digits: a core file, a rack/slot node, a host, a thread
    st.integers(0, 10**6).map(lambda n: f"core.{n}"),
    st.tuples(*[st.integers(0, 99)] * 5).map(lambda t: "R{:02d}-M{}-N{}-C:J{:02d}-U{:02d}".format(*t)),
    st.integers(0, 999).map(lambda n: f"dn{n}"),
    st.integers(0, 99).map(lambda n: f"pool-{n}-thread-{n}"),
    # paths, URLs, e-mail addresses, numbers with a unit glued on
    st.integers(0, 10**6).map(lambda n: f"/var/lib/acme/{n}.db"),
    st.integers(0, 10**6).map(lambda n: f"https://api{n % 9}.example.com/v2/items?page={n}"),
    st.integers(0, 10**6).map(lambda n: f"user{n}@example.com"),
    st.integers(0, 10**6).map(lambda n: f"{n}ms"),
    st.integers(0, 10**6).map(lambda n: f"{n}KB,"),
)
_VALUES = st.one_of(*_KINDS)
_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d+(?![A-Za-z0-9])")


@given(st.lists(st.one_of(_WORDS, _VALUES), min_size=1, max_size=12))
def test_a_template_never_holds_a_raw_number(parts):
    template = " ".join(tokens(" ".join(parts)))
    assert not _NUMBER.search(template), template


@given(st.lists(st.one_of(_WORDS, st.integers(0, len(_KINDS) - 1)), min_size=1, max_size=10), st.data())
def test_lines_that_differ_only_in_values_share_one_template_and_fingerprint(skeleton, data):
    def fill() -> str:
        return " ".join(part if isinstance(part, str) else data.draw(_KINDS[part]) for part in skeleton)

    numbers, templates = mine([fill(), fill(), fill()])
    assert numbers == [0, 0, 0]
    assert len(templates) == 1


@given(st.lists(st.lists(st.one_of(_WORDS, _VALUES), min_size=1, max_size=8).map(" ".join), max_size=40))
def test_mining_is_deterministic_and_ids_depend_on_the_template_text_alone(messages):
    first, second = TemplateMiner(), TemplateMiner()
    ids_first = [template_fingerprint(first.add(m).text) for m in messages]
    ids_second = [template_fingerprint(second.add(m).text) for m in messages]
    assert ids_first == ids_second
    assert [t.text for t in first.templates] == [t.text for t in second.templates]
    assert sum(t.size for t in first.templates) == len(messages)


def _reference_accuracy(predicted, truth):
    """Zhu et al.'s definition, spelt out: line i is right when {j: p[j]==p[i]} == {j: t[j]==t[i]}."""
    n = len(truth)
    right = sum(1 for i in range(n)
                if {j for j in range(n) if predicted[j] == predicted[i]}
                == {j for j in range(n) if truth[j] == truth[i]})
    return right / n if n else 1.0


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=30))
def test_grouping_accuracy_matches_its_definition(pairs):
    predicted, truth = [p for p, _ in pairs], [t for _, t in pairs]
    assert grouping_accuracy(predicted, truth) == pytest.approx(_reference_accuracy(predicted, truth))
    assert grouping_accuracy(truth, truth) == 1.0


def test_keys_stay_apart_and_lists_of_values_count_once():
    numbers, templates = mine([
        "session opened for user root by (uid=0)",
        "session opened for user news by LOGIN(uid=0)",
        "ask 10.0.0.1:50010 to delete blk_1 blk_2 blk_3",
        "ask 10.0.0.2:50010 to delete blk_7",
        "authentication failure; logname= uid=0 rhost=",
        "authentication failure; logname= uid=0 rhost=10.1.1.1",
    ])
    assert numbers == [0, 1, 2, 2, 3, 4]
    assert templates[2] == "ask <*> to delete blk_<*>"
    assert templates[4] == "authentication failure; logname= uid=<*> rhost=<*>"


# Header layouts and entries ------------------------------------------------------------------------

LAYOUT_LINES = [
    ("syslog", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
     "", "sshd(pam_unix)", "check pass; user unknown"),
    ("apache-error", "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
     "error", "", "mod_jk child workerEnv in error state 6"),
    ("apache-error", ("[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 1234:tid 5] [client 10.0.0.1:80] "
                      "File does not exist: /var/www/x"),
     "error", "core", "File does not exist: /var/www/x"),
    ("apache-access", '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 503 2326',
     "error", "", "GET /apache_pb.gif HTTP/1.0 503"),
    ("hdfs", "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_3 terminating",
     "INFO", "dfs.DataNode$PacketResponder", "PacketResponder 1 for block blk_3 terminating"),
    ("glog", "E1122 10:00:00.123456    1234 server.go:42] could not reach etcd",
     "E", "server.go:42", "could not reach etcd"),
    ("lambda", "[ERROR]\t2026-11-03T08:14:02.118Z\t9d1f4c2a-7b3e-4e61-a0c5-2f8b6d7e1a34\tTask 42 not found",
     "ERROR", "", "Task 42 not found"),
    ("python", "WARNING:tasks.scheduler:reminder queue is 4000 deep",
     "WARNING", "tasks.scheduler", "reminder queue is 4000 deep"),
    ("log4j", ("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - "
               "Notification time out: 3200"),
     "INFO", "", "Notification time out: 3200"),
    ("log4j", ("2015-10-18 18:01:47,978 ERROR [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: "
               "Error starting MRAppMaster"),
     "ERROR", "org.apache.hadoop.mapreduce.v2.app.MRAppMaster", "Error starting MRAppMaster"),
    ("python-dashed", "2026-11-03 08:14:02,118 - tasks.db - ERROR - write failed", "ERROR", "tasks.db", "write failed"),
    ("log4j-slash-date", "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers",
     "INFO", "executor.CoarseGrainedExecutorBackend", "Registered signal handlers"),
    ("iso", "2026-11-03T08:14:02Z worker started with 4 threads", "", "", "worker started with 4 threads"),
]


@pytest.mark.parametrize("layout, line, level, component, message", LAYOUT_LINES)
def test_header_layouts_are_detected_and_split(layout, line, level, component, message):
    chosen = detect_layout([line] * 3)
    assert chosen.name == layout
    (entry,) = read_entries([line], chosen)
    assert (entry.level, entry.component, entry.message) == (level, component, message)


def test_every_layout_has_an_example():
    assert {layout.name for layout in LAYOUTS} == {name for name, *_ in LAYOUT_LINES}


def test_lines_without_a_known_header_are_one_entry_each_but_traces_stay_whole():
    lines = [
        "starting worker",
        "panic: runtime error: index out of range [3] with length 3",
        "",
        "goroutine 1 [running]:",
        "main.handle(0x1, 0x2)",
        "\t/app/cmd/worker/main.go:42 +0x1d",
        "exit status 2",
        "ERROR: could not save task 12",
        "java.lang.IllegalStateException: write rejected",
        "\tat com.acme.tasks.Repo.save(Repo.java:88)",
        "Caused by: java.io.IOException: broken pipe",
        "\t... 3 more",
        "done",
    ]
    assert detect_layout(lines) is PLAIN
    entries = list(read_entries(lines, PLAIN))
    assert [e.line for e in entries] == [1, 2, 8, 13]
    assert entries[2].level == "ERROR" and entries[2].message == "could not save task 12"
    assert len(entries[1].lines) == 6 and len(entries[2].lines) == 5


def test_a_traceback_stays_with_its_entry_and_places_the_record(cli, tmp_path):
    records = _records(cli, tmp_path, APP_LOG)
    update = next(r for r in records if r["title"].startswith("Update of task"))
    assert update["severity"] == "high" and update["severity_raw"] == "ERROR"
    assert [f["file"] for f in update["frames"] if f["in_app"]] == [
        "/var/task/src/handlers/task_handler.py", "/var/task/src/domain/task_service.py",
        "/var/task/src/adapters/dynamodb_repository.py"]
    assert update["frames"][-1]["in_app"] is False  # botocore in a Lambda layer
    assert update["component_hint"] is None and update["extra"]["logger"] == "handlers.task_handler"
    assert "ConditionalCheckFailedException" in update["description"]
    lines = APP_LOG.read_text(encoding="utf-8").splitlines()
    assert update["occurrences"] == sum(1 for line in lines if " ERROR handlers.task_handler: Update of task " in line)
    assert {r["kind"] for r in records} == {"log"}
    assert all(r["severity_raw"] in ("ERROR", "WARNING") for r in records)


# Files: .gz, JSON logs, damage -----------------------------------------------------------------

def test_gzip_logs_read_like_plain_ones(cli, tmp_path):
    packed = tmp_path / "app.log.gz"
    packed.write_bytes(gzip.compress(APP_LOG.read_bytes()))
    plain, zipped = _records(cli, tmp_path, APP_LOG), _records(cli, tmp_path, packed)
    assert ([(r["fingerprint"], r["occurrences"]) for r in zipped]
            == [(r["fingerprint"], r["occurrences"]) for r in plain])
    report = _report(cli, tmp_path, packed)
    assert report["inputs"][0]["detected_by"] == "gzip-compressed; log lines with a log4j header"


def test_a_damaged_gzip_is_refused_by_name_and_the_other_inputs_are_read(cli, tmp_path):
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(gzip.compress(APP_LOG.read_bytes())[:300])
    result = cli("analyze", broken, APP_LOG, "--out", tmp_path / "out", "-q")
    assert result.code == 1
    assert f"{broken}" in result.stderr and "damaged .gz" in result.stderr and "Traceback" not in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["inputs"][1]["records"] == 4


POWERTOOLS = [
    {"level": "INFO", "location": "handler:20", "message": "Updating task 41",
     "timestamp": "2026-11-03 08:14:01,002+0000", "service": "tasks",
     "xray_trace_id": "1-5759e988-bd862e3fe1be46a994272793"},
    {"level": "ERROR", "location": "save:94", "message": "Conditional write failed for task 42",
     "timestamp": "2026-11-03 08:14:02,118+0000", "service": "tasks",
     "exception_name": "ConditionalCheckFailedException",
     "exception": "Traceback (most recent call last):\n"
                  "  File \"/var/task/src/adapters/dynamodb_repository.py\", line 94, in save\n"
                  "    self.table.put_item(Item=item)\n"
                  "ConditionalCheckFailedException: The conditional request failed"},
    {"level": "ERROR", "location": "save:94", "message": "Conditional write failed for task 97",
     "timestamp": "2026-11-03 09:30:00,500+0000", "service": "tasks"},
]


def test_powertools_json_lines(cli, tmp_path):
    path = _write(tmp_path, "lambda.jsonl", "".join(json.dumps(line) + "\n" for line in POWERTOOLS))
    report = _report(cli, tmp_path, path)
    assert report["inputs"][0]["format"] == "json-log"
    assert report["inputs"][0]["logs"] == {"entries": 3, "templates": 2, "below_warning": 1}
    (record,) = report["records"]
    assert record["title"] == "Conditional write failed for task <*>"
    assert record["occurrences"] == 2 and record["component"] == "adapters.dynamodb_repository"
    rows = list(csv.DictReader(io.StringIO(cli("templates", path, "--output", "-", "--top", "0").stdout)))
    assert [row["template"] for row in rows] == ["Updating task <*>", *["Conditional write failed for task <*>"] * 2]


def test_structlog_and_a_cloudwatch_export_holding_powertools_lines(cli, tmp_path):
    structlog = _write(tmp_path, "worker.log", "\n".join(json.dumps(e) for e in (
        {"event": "lease lost for shard 7", "level": "warning", "timestamp": "2026-11-03T08:00:00Z",
         "logger": "worker"},
        {"event": "lease lost for shard 9", "level": "warning", "timestamp": "2026-11-03T08:05:00Z",
         "logger": "worker"},
        {"event": "tick", "level": "debug", "timestamp": "2026-11-03T08:06:00Z"},
    )) + "\n")
    cloudwatch = _write(tmp_path, "events.json", json.dumps({
        "events": [{"logStreamName": "2026/11/03/[$LATEST]abc", "timestamp": 1793000000000 + i,
                    "message": json.dumps(line), "ingestionTime": 1793000000100, "eventId": str(i)}
                   for i, line in enumerate(POWERTOOLS)],
        "searchedLogStreams": [],
    }, indent=2))
    records = _records(cli, tmp_path, structlog, cloudwatch)
    assert [(r["title"], r["occurrences"], r["severity"]) for r in records] == [
        ("lease lost for shard <*>", 2, "low"),
        ("Conditional write failed for task <*>", 2, "high"),
    ]
    assert records[1]["frames"][0]["file"] == "/var/task/src/adapters/dynamodb_repository.py"


# The command and the analysis ---------------------------------------------------------------------

def test_templates_command_writes_one_row_per_line_and_prints_the_top(cli, tmp_path):
    result = cli("templates", APP_LOG, "--output", "-", "--top", "3")
    assert result.code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(APP_LOG.read_text(encoding="utf-8").splitlines())
    assert list(rows[0]) == ["line", "template_id", "template"]
    assert "entries" in result.stderr and "PATCH <*>" in result.stderr  # the table goes to stderr then
    shown = cli("templates", APP_LOG, "-n", "2")
    assert shown.code == 0 and shown.stdout.count("│") > 0 and "8 templates" in shown.stdout


def test_templates_command_errors(cli, tmp_path):
    assert cli("templates", tmp_path / "missing.log").code == 2
    assert cli("templates", tmp_path).code == 2
    formula = _write(tmp_path, "formula.log", "=HYPERLINK(\"http://x\") 1\n=HYPERLINK(\"http://x\") 2\n")
    result = cli("templates", formula, "--output", "-", "--top", "0")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["template"].startswith("'=HYPERLINK(")


def test_repeated_failures_and_error_lines_appear_once_with_counts_where_their_traces_point(cli, tmp_path):
    runs = sorted(SAMPLE_DATA.glob("ci-run-*.xml"))
    report = _report(cli, tmp_path, *runs, APP_LOG, SAMPLE_DATA / "bugs.json")
    records = report["records"]
    tests = {r["id"]: r for r in records if r["kind"] == "test"}
    logs = {r["title"]: r for r in records if r["kind"] == "log"}
    concurrent = tests["tests.unit.test_task_service.test_concurrent_update_is_rejected"]
    assert (concurrent["occurrences"], concurrent["component"]) == (2, "domain.task_service")
    webhook = tests["tests.integration.test_notifications.test_webhook_retries_on_timeout"]
    assert webhook["severity"] == "low" and webhook["component"] == "adapters.notification_client"  # flaky
    update = logs["Update of task <*> failed (request <*>)"]
    assert update["component"] == "adapters.dynamodb_repository" and update["layer"] == "integration"
    assert logs["Webhook delivery for task <*> failed after <*>"]["component"] == "adapters.notification_client"
    assert len(logs) == len({r["fingerprint"] for r in logs.values()}) == 4
    assert report["summary"]["merged"] == 2  # the two tests that failed in both runs


def test_the_same_template_in_two_logs_is_one_record(cli, tmp_path):
    copy = tmp_path / "app-2.log"
    shutil.copy(APP_LOG, copy)
    once = {r["fingerprint"]: r for r in _report(cli, tmp_path / "a", APP_LOG)["records"]}
    twice = _report(cli, tmp_path / "b", APP_LOG, copy)
    assert twice["summary"]["merged"] == len(once)
    for record in twice["records"]:
        assert record["occurrences"] == 2 * once[record["fingerprint"]]["occurrences"]


def test_log_text_is_escaped_in_the_reports(cli, tmp_path):
    path = _write(tmp_path, "evil.log", "2026-11-03 08:00:00,000 ERROR web: <script>alert(1)</script> | **bold** 7\n")
    cli("analyze", path, "--out", tmp_path / "out", "-q")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "\\u003cscript>alert" in html  # inert inside the JSON data block
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "&lt;script&gt;alert" in markdown


# Headers learned from the file ----------------------------------------------------------------------

# Lines we wrote in the shapes of common logs riskmap has no layout for: (first line, second line,
# what the first line's header gives: time, level, component, message).
LEARNED_SHAPES = {
    "flags, epoch, nodes, RAS words, level": (
        "- 1117838{i:03d} 2005.06.03 R02-M1-N{n}-C:J12-U11 2005-06-03-15.42.50.363{i:03d} R02-M1-N0-C:J12-U11 "
        "RAS KERNEL INFO instruction cache parity error corrected",
        "APPREAD 1117838{i:03d} 2005.06.03 R02-M1-N{n}-C:J12-U11 2005-06-03-15.42.50.363{i:03d} R02-M1-N0-C:J12-U11 "
        "RAS APP FATAL ciod: failed to read message prefix on control stream",
        ("1117838000 2005.06.03", "FATAL", "APP", "ciod: failed to read message prefix on control stream")),
    "date, time with a comma, level": (
        "2016-09-28 04:30:{i:02d}, Info                  CBS    Loaded Servicing Stack v6.1.{n}",
        "2016-09-28 04:30:{i:02d}, Warning               CSI    Warning: Unrecognized packageExtended {n}",
        ("2016-09-28 04:30:00,", "Warning", "", "CSI    Warning: Unrecognized packageExtended 0")),
    "epoch, node, syslog time, program[pid]:": (
        "- 11315664{i:02d} 2005.11.09 dn{n} Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[29{i:02d}]: session closed",
        "- 11315664{i:02d} 2005.11.09 dn{n} Nov 9 12:01:01 dn228/dn228 sshd[29{i:02d}]: Accepted publickey for root",
        ("1131566400 2005.11.09", "", "sshd[2900]", "Accepted publickey for root")),
    "date, time, pid, tid, level letter, tag:": (
        "03-17 16:13:38.{i:03d}  1702  2{i:03d} D WindowManager: opening app wtoken = {n}",
        "03-17 16:13:38.{i:03d}  1702  2{i:03d} E PowerManagerService: release:lock={n}, flg=0x0",
        ("03-17 16:13:38.000  1702  2000", "E", "PowerManagerService", "release:lock=0, flg=0x0")),
    "time, pid, level, logger, [request]": (
        "2017-05-16 00:00:00.{i:03d} 25746 INFO nova.osapi_compute.wsgi.server [req-{n}a - - -] GET /v2 status: 200",
        "2017-05-16 00:00:00.{i:03d} 25746 WARNING nova.compute.manager [req-{n}b - - -] Instance failed",
        ("2017-05-16 00:00:00.000 25746", "WARNING", "nova.compute.manager", "Instance failed")),
    "counter, node, words, epoch, flag": (
        "1346{i:02d} node-2{n} unix.hw state_change.unavailable 10778040{i:02d} 1 Component State Change: down",
        "1346{i:02d} node-2{n} node.status running 10778040{i:02d} 1 risBoot command is done",
        ("134600", "", "running", "risBoot command is done")),
    "slashed day-first date, [thread], level, logger:": (
        "03/06/2005 15:42:{i:02d} [pool-2-thread-{n}] INFO com.acme.Worker: task {i} done in {n} ms",
        "03/06/2005 15:42:{i:02d} [main] ERROR com.acme.Store: cannot open /var/lib/acme/{n}.db",
        ("03/06/2005 15:42:00", "ERROR", "com.acme.Store", "cannot open /var/lib/acme/0.db")),
    "time, pid, level, logger, [request user tenant - - -]": (
        "2017-05-16 00:00:{i:02d}.{i:03d} 2{n}746 INFO svc.api.wsgi [req-3b7f{n}c0e-2096-447d-96ea-a692162415ae "
        "113d3a99c3da401fbd62cc2caa5b96d{n} 54fadb412c4e40cdbaed9335e4c35a9{n} - - -] 10.1.{n}.1 "
        '"GET /v2/servers HTTP/1.1" status: 200 len: 1{n}3 time: 0.2{i}',
        "2017-05-16 00:00:{i:02d}.{i:03d} 2{n}746 WARNING svc.compute.manager [req-9a1e{n}c0e-2096-447d-96ea-"
        "a692162415ae 113d3a99c3da401fbd62cc2caa5b96d{n} 54fadb412c4e40cdbaed9335e4c35a9{n} - - -] "
        "[instance: 0b2c9d3e-{n}a6e-4a8b-9c1d-1e2f3a4b5c6d] Instance failed",
        ("2017-05-16 00:00:00.000 20746", "WARNING", "svc.compute.manager",
         "[instance: 0b2c9d3e-0a6e-4a8b-9c1d-1e2f3a4b5c6d] Instance failed")),
    "compact date-time, rack/slot node id, [pid], level": (
        "2005-06-03-15.42.50.{i:06d} R0{n}-M1-N{n}-C:J12-U11 [3{i:02d}] INFO cache parity error corrected",
        "2005-06-03-15.42.50.{i:06d} R0{n}-M0-N{n}-I:J18-U01 [3{i:02d}] FATAL link failure on port {n}",
        ("2005-06-03-15.42.50.000000", "FATAL", "", "link failure on port 0")),
    "epoch with a fraction, counter, thread, level": (
        "1117838{i:03d}.{n}21 {i} Thread-{n} DEBUG polling queue {n}",
        "1117838{i:03d}.{n}21 {i} Thread-{n} ERROR queue {n} unreachable",
        ("1117838000.021 0", "ERROR", "", "queue 0 unreachable")),
    "[time] program - ": (
        "[10.30 16:49:{i:02d}] chrome.exe - proxy.example.com:5070 open through proxy proxy.example.com:5070 HTTPS",
        "[10.30 16:49:{i:02d}] firefox.exe - proxy.example.com:5070 close, {n} bytes sent, lifetime 00:0{n}",
        ("[10.30 16:49:00]", "", "firefox.exe", "proxy.example.com:5070 close, 0 bytes sent, lifetime 00:00")),
}


@pytest.mark.parametrize("shape", LEARNED_SHAPES)
def test_a_header_no_layout_knows_is_learned_from_the_file(shape):
    first, second, expected = LEARNED_SHAPES[shape]
    lines = [(first if i % 3 else second).format(i=i, n=i % 7) for i in range(40)]
    layout = detect_layout(lines)
    assert layout.learned, layout.title
    entries = list(read_entries(lines, layout))
    assert len(entries) == len(lines)
    assert (entries[0].time, entries[0].level, entries[0].component, entries[0].message) == expected


@pytest.mark.parametrize("text, expected", [
    ("2017-05-16 00:00:07.250 25746", "2017-05-16T00:00:07.250000+00:00"),  # a pid after the time
    ("2005-06-03-15.42.50.675872", "2005-06-03T15:42:50.675872+00:00"),
    ("1117838570 2005.06.03", "2005-06-03T22:42:50+00:00"),  # the epoch says more than the date alone
    ("1117838570.5 17", "2005-06-03T22:42:50.500000+00:00"),
    ("1117838570123", "2005-06-03T22:42:50.123000+00:00"),  # milliseconds
    ("03/06/2005 15:42:50", "2005-03-06T15:42:50+00:00"),  # slashes: month first
    ("03.06.2005 15:42:50", "2005-06-03T15:42:50+00:00"),  # dots: day first
    ("13/06/2005 15:42", "2005-06-13T15:42:00+00:00"),  # a part over 12 is the day
    ("2016-09-28 04:30:00,", "2016-09-28T04:30:00+00:00"),
    ("[Fri Jun 3 15:42:50 2005]", "2005-06-03T15:42:50+00:00"),
    ("Jun 3 15:42:50", None),  # no year: as for syslog, no date guessed
    ("03-17 16:13:38.000  1702  2395", None),
    ("2005-02-30 10:00:00", None),
])
def test_a_learned_header_time_is_read_in_any_order_and_with_any_separators(text, expected):
    parsed = learned_time(text)
    assert (parsed.isoformat() if parsed else None) == expected


def test_records_of_a_learned_header_log_are_dated(cli, tmp_path):
    log = _write(tmp_path, "node.log", "".join(
        f"- 11178385{i:02d} 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.{i:02d}.000000 R02-M1-N0-C:J12-U11 "
        f"RAS KERNEL {'FATAL' if i % 4 == 0 else 'INFO'} {'data TLB error interrupt' if i % 4 == 0 else 'ok'}\n"
        for i in range(20)))
    (record,) = _records(cli, tmp_path, log)
    assert record["extra"]["layout"] == "learned" and record["occurrences"] == 5
    assert record["extra"]["first_seen"] == "2005-06-03T22:41:40+00:00"  # the epoch, the column before the date
    assert record["extra"]["last_seen"] == "2005-06-03T22:41:56+00:00"
    assert record["created_at"] == "2005-06-03T22:41:40Z"


def test_lines_a_learned_header_does_not_fit_are_entries_of_their_own_and_traces_stay_whole():
    lines = [f"03-17 16:13:38.{i:03d}  1702  2395 I Worker: task {i} done" for i in range(10)]
    lines[4:4] = ["service restarted by watchdog", "\tat com.acme.Worker.run(Worker.java:12)"]
    layout = detect_layout(lines)
    entries = list(read_entries(lines, layout))
    assert [e.line for e in entries] == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]
    assert entries[4].message == "service restarted by watchdog" and len(entries[4].lines) == 2


def test_lines_that_merely_start_alike_keep_their_words():
    assert detect_layout(["2026-11-03T08:14:02Z worker started with 4 threads"] * 3).name == "iso"
    assert detect_layout(["Exception: boom 1", "Exception: boom 2"]) is PLAIN
    assert detect_layout(["retry 1 of 3", "retry 2 of 3", "retry 3 of 3"]) is PLAIN


def test_messages_of_different_lengths_join_when_they_differ_only_in_values():
    numbers, templates = mine([
        "close, 1190 bytes sent, 1671 bytes received",
        "close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received",
        "connection opened",
        "connection not opened",
        "authentication failure; rhost=",
        "authentication failure; rhost=10.1.1.1",
    ])
    assert numbers == [0, 0, 1, 2, 3, 4]
    assert templates[0] == "close, <*> bytes <*> sent, <*> bytes <*> received"


def test_messages_too_long_to_align_are_not_joined_across_lengths():
    words = ["w" + "".join(chr(97 + int(d)) for d in str(i)) for i in range(1_200)]
    long_template, with_value = words, [*words[:600], "<*>", *words[600:]]
    assert joined(long_template[:900], with_value[:901]) is not None  # 900 x 901 cells: aligned
    assert len(long_template) * len(with_value) > ALIGNED_CELLS and joined(long_template, with_value) is None


@given(st.lists(_WORDS, min_size=3, max_size=6, unique=True), st.lists(_VALUES, min_size=1, max_size=1), st.data())
def test_an_extra_value_joins_and_an_extra_constant_word_does_not(words, values, data):
    at = data.draw(st.integers(2, len(words) - 1))  # after the two tokens that choose the templates compared
    base = " ".join(words)
    with_values = " ".join([*words[:at], "(" + " ".join(values) + ")", *words[at:]])
    extra = data.draw(_WORDS.filter(lambda w: w not in words))
    with_word = " ".join([*words[:at], extra, *words[at:]])
    assert mine([base, with_values])[0] == [0, 0]
    assert mine([base, with_word])[0] == [0, 1]


def test_ids_holding_digits_are_variable_parts_and_a_constant_word_still_tells_events_apart():
    numbers, templates = mine([
        "generating core.2275", "generating core.18",
        "node R02-M1-N0-C:J12-U11 is down", "node R71-M0-N7-I:J18-U01 is down", "node dn228 is down",
        "node R02-M1-N0-C:J12-U11 is up",
        "thread pool-2-thread-7 started", "thread main started",
    ])
    assert numbers == [0, 0, 1, 1, 1, 2, 3, 4]
    assert templates[:3] == ["generating <*>", "node <*> is down", "node <*> is up"]


def test_an_http_request_line_in_quotes_keeps_its_method_and_other_quoted_values_are_one_variable():
    assert tokens('10.1.2.3 "GET /v2/a1b2/servers/detail HTTP/1.1" status: 200') == (
        "<*>", '"GET', "<*>", 'HTTP/<*>"', "status:", "<*>")
    numbers, templates = mine([
        '10.1.2.3 "GET /v2/a1b2/servers/detail HTTP/1.1" status: 200 len: 1893',
        '10.1.2.4 "GET /v2/c3d4/servers HTTP/1.0" status: 404 len: 12',
        '10.1.2.3 "POST /v2/a1b2/servers HTTP/1.1" status: 202 len: 733',
        '10.1.2.3 "DELETE /v2/a1b2/servers/77 HTTP/1.1" status: 204 len: 0',
        "user 'alice smith' logged in", "user 'bob' logged in", 'user "carol jones" logged in',
    ])
    assert numbers == [0, 0, 1, 2, 3, 3, 3]
    assert templates[0] == '<*> "GET <*> HTTP/<*>" status: <*> len: <*>'


# Units, dates, same-length alignment and places that vary -----------------------------------------

def test_a_unit_after_a_value_and_a_date_written_in_words_are_part_of_the_value():
    assert tokens("estimated size 384.0 B, free 317.5 KB)") == ("estimated", "size", "<*>,", "free", "<*>)")
    assert tokens("lifetime <1 sec") == ("lifetime", "<<*>")
    assert tokens("connection at Sun Jul 10 03:55:21 2005 from 1.2.3.4") == ("connection", "at", "<*>", "from", "<*>")
    assert tokens("sent 1190 bytes (1.16 KB)") == ("sent", "<*>", "bytes", "(<*>)")
    # a unit or a month away from a value is a word like any other
    assert tokens("size in KB") == ("size", "in", "KB")
    assert tokens("report for May is ready") == ("report", "for", "May", "is", "ready")


def test_messages_of_the_same_length_are_aligned_when_their_values_sit_in_different_places():
    numbers, templates = mine([
        "host:1 close, 1190 bytes (1.16 KB) sent, 1671 bytes received, lifetime 00:02",
        "host:2 close, 403 bytes sent, 18846 bytes (18.4 KB) received, lifetime 00:01",
        "host:3 close, 0 bytes sent, 0 bytes received, lifetime <1 sec",
        "host:4 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 MB) received, lifetime 00:02",
        "PCI: Probing PCI hardware",
        "PCI: Probing PCI hardware (bus 00)",
    ])
    assert numbers == [0, 0, 0, 0, 1, 2]
    assert templates[0] == "host:<*> close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>"


@given(st.lists(_WORDS, min_size=4, max_size=7, unique=True),
       st.lists(_WORDS.filter(lambda w: not w.isupper()), min_size=1, max_size=6, unique=True), st.data())
def test_a_place_that_took_enough_different_words_is_a_variable_and_fewer_words_are_events(words, fillers, data):
    at = data.draw(st.integers(2, len(words) - 1))
    fillers = [w for w in fillers if w not in words]
    messages = [" ".join([*words[:at], filler, *words[at + 1:]]) for filler in fillers for _ in range(2)]
    numbers, templates = mine(messages)
    if len(fillers) >= VARIABLE_WORDS:
        assert set(numbers) == {0} and templates[0].split()[at] == "<*>"
    else:
        assert numbers == [n for n in range(len(fillers)) for _ in range(2)]


@given(st.lists(_WORDS, min_size=4, max_size=7, unique=True),
       st.lists(_WORDS.map(str.upper), min_size=VARIABLE_WORDS, max_size=8, unique=True), st.data())
def test_words_in_capitals_are_states_that_never_become_a_variable(words, states, data):
    at = data.draw(st.integers(2, len(words) - 1))
    states = [s for s in states if s not in words]
    numbers, _ = mine([" ".join([*words[:at], state, *words[at + 1:]]) for state in states])
    assert numbers == list(range(len(states)))


def test_user_names_share_a_template_and_two_states_do_not(cli, tmp_path):
    log = _write(tmp_path, "auth.log", "".join(
        f"Jun 14 15:16:0{n} combo sshd[42]: session opened for user {user} by (uid={n})\n"
        f"Jun 14 15:16:0{n} combo app[7]: Block rdd_{n} stored as {kind} in memory\n"
        for n, (user, kind) in enumerate([("root", "bytes"), ("news", "values"), ("test", "bytes"),
                                          ("cyrus", "values")])))
    rows = _grouping(cli, tmp_path, log)
    templates = {row["template"] for row in rows}
    assert templates == {"session opened for user <*> by (uid=<*>)", "Block rdd_<*> stored as bytes in memory",
                         "Block rdd_<*> stored as values in memory"}
    assert len({row["template_id"] for row in rows}) == 3
    report = _report(cli, tmp_path, log)
    assert report["inputs"][0]["logs"] == {"entries": 8, "templates": 3, "below_warning": 8}


def test_a_json_document_on_one_line_is_not_a_log(cli, tmp_path):
    report = _report(cli, tmp_path, _write(tmp_path, "export.json", "[0]"))
    assert report["inputs"][0]["format"] == "json" and report["inputs"][0]["skipped"] == 1
