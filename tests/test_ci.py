"""riskmap in CI: a baseline, gates on what is new, the history and its trend, SARIF, Code Quality,
a report.md that fits a comment, CODEOWNERS, and the GitHub Action and GitLab template that run it."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CORPUS, DATA, ROOT, SAMPLE
from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.baseline import BaselineRecord, Change, identity, record_change
from riskmap.analyze.owners import parse_codeowners, path_owners
from riskmap.models import Severity, Status
from riskmap.render.markdown import fitted

WEEKLY = DATA / "weekly"
WEEK1, WEEK2, CODEOWNERS = WEEKLY / "week1.json", WEEKLY / "week2.json", WEEKLY / "CODEOWNERS"
NO_CI = {name: "" for name in ("GITHUB_SHA", "GITHUB_RUN_ID", "GITHUB_STEP_SUMMARY", "CI_COMMIT_SHA",
                               "CI_PIPELINE_ID", "GITHUB_REPOSITORY", "GITHUB_REF_NAME", "GITHUB_RUN_NUMBER",
                               "GITHUB_EVENT_NAME", "CI_PROJECT_PATH", "CI_COMMIT_REF_NAME", "CI_JOB_ID",
                               "CI_MERGE_REQUEST_IID", "RISKMAP_COMMIT")}


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch):
    """Runs of these tests see no CI variables unless a test sets them."""
    for name in NO_CI:
        monkeypatch.delenv(name, raising=False)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _three_runs(cli, tmp_path: Path) -> tuple[list, Path]:
    """The acceptance scenario: week 1, week 2 against week 1, week 2 against week 2; one history."""
    history = tmp_path / "history.db"
    first = cli("analyze", WEEK1, "-o", tmp_path / "r1", "--history", history, "--fail-on", "new:high")
    second = cli("analyze", WEEK2, "-o", tmp_path / "r2", "--baseline", tmp_path / "r1" / "report.json",
                 "--history", history, "--fail-on", "new:high", "-q")
    third = cli("analyze", WEEK2, "-o", tmp_path / "r3", "--baseline", tmp_path / "r2" / "report.json",
                "--history", history, "--fail-on", "new:high", "-q")
    return [first, second, third], history


def test_acceptance_two_weekly_exports_against_a_baseline_and_three_runs_of_history(cli, tmp_path):
    (first, second, third), _history = _three_runs(cli, tmp_path)
    # without a baseline nothing is new: the new: gate is not applied, and says so
    assert first.code == 0, first.stderr
    assert "--fail-on new:high was not applied: without --baseline" in first.stderr
    # week 2: BUG-101 and BUG-102 gone, BUG-109..111 new, BUG-105 reopened
    report = _json(tmp_path / "r2" / "report.json")
    assert report["baseline"]["new"] == ["BUG-109", "BUG-110", "BUG-111"]
    assert report["baseline"]["fixed"] == ["BUG-101", "BUG-102"]
    assert report["baseline"]["regressed"] == ["BUG-105"]
    assert report["baseline"]["unchanged"] == 4 and report["baseline"]["updated"] == []
    changes = {r["id"]: r["change"] for r in report["records"]}
    assert changes == {"BUG-103": "unchanged", "BUG-104": "unchanged", "BUG-105": "regressed",
                       "BUG-106": "unchanged", "BUG-107": "unchanged", "BUG-109": "new", "BUG-110": "new",
                       "BUG-111": "new"}
    # the gate trips on the new critical bug, and says so even with -q
    assert second.code == 3 and second.stdout == ""
    assert "--fail-on new:high: 1 new or regressed record reached it: BUG-109 (new critical" in second.stderr
    assert report["gate"] == {
        "fail_on": ["new:high"], "passed": False, "components": [], "records": ["BUG-109"],
        "reasons": [second.stderr.strip().removeprefix("riskmap: ")], "notes": [],
    }
    components = {c["name"]: c for c in report["components"]}
    assert components["adapters.dynamodb_repository"]["tier_before"] == "medium"
    assert components["adapters.dynamodb_repository"]["score_before"] is not None
    assert components["handlers.refund_consumer"]["score_before"] is None
    markdown = (tmp_path / "r2" / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("**riskmap: the gate failed**: --fail-on new:high: 1 new or regressed record")
    assert "3 new, 2 fixed, 1 regressed since the baseline" in markdown.splitlines()[0]
    assert "- Fixed: BUG-101, BUG-102" in markdown
    html = (tmp_path / "r2" / "report.html").read_text(encoding="utf-8")
    assert html.index('id="changes"') < html.index('id="heatmap-section"')
    # a third run against the second report: nothing new, the gate passes
    assert third.code == 0, third.stderr
    report3 = _json(tmp_path / "r3" / "report.json")
    assert report3["baseline"]["new"] == [] and report3["baseline"]["fixed"] == []
    assert (tmp_path / "r3" / "report.md").read_text(encoding="utf-8").startswith("**riskmap: the gate passed**")
    # three runs in one history: a three-point trend in report.json and in the HTML's charts
    trend = report3["trend"]
    assert [t["run"] for t in trend] == [1, 2, 3]
    assert [(t["new"], t["fixed"], t["regressed"]) for t in trend] == [(None, None, None), (3, 2, 1), (0, 0, 0)]
    assert trend[0]["records"] == 7 and trend[2]["records"] == 8
    assert next(iter(trend[2]["components"])) == "handlers.refund_consumer"
    figures = _figures(tmp_path / "r3" / "report.html")
    assert len(figures["trend_total"]["data"][0]["y"]) == 3
    assert [bar["name"] for bar in figures["trend_tiers"]["data"]] == ["critical", "high", "medium", "low"]
    assert all(len(line["x"]) == 3 for line in figures["trend_components"]["data"])


def _figures(html: Path) -> dict:
    text = html.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="figures-data">(.*?)</script>', text, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_same_inputs_baseline_and_history_give_byte_identical_reports(cli, tmp_path, monkeypatch):
    _three_runs(cli, tmp_path)
    outputs = []
    for name in ("a", "b"):
        history = tmp_path / f"{name}.db"
        shutil.copy(tmp_path / "history.db", history)
        cli("analyze", WEEK2, "-o", tmp_path / name, "--baseline", tmp_path / "r1" / "report.json", "--history",
            history, "-q", "-r", "html,md,json,sarif,codequality", "--codeowners", CODEOWNERS)
        outputs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 5


def test_history_keeps_the_commit_and_ci_run_and_lists_the_runs(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    history = tmp_path / "h.db"
    assert cli("analyze", WEEK1, "-o", tmp_path / "out", "-q", "--history", history).code == 0
    trend = _json(tmp_path / "out" / "report.json")["trend"]
    assert trend[0]["commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert trend[0]["ci"] == {"GITHUB_RUN_ID": "4242", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
    assert "recorded_at" not in trend[0]
    listed = cli("history", history, "--json")
    assert listed.code == 0
    runs = json.loads(listed.stdout)
    assert len(runs) == 1 and runs[0]["commit"].startswith("0123456789") and runs[0]["recorded_at"]
    assert "4242" in cli("history", history).stdout
    with sqlite3.connect(history) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT version FROM riskmap_schema").fetchone()[0] == 1
        assert connection.execute("SELECT count(*) FROM run_records").fetchone()[0] == 7


def test_two_runs_writing_one_history_at_once_both_land(tmp_path):
    history = tmp_path / "shared.db"
    command = [sys.executable, "-c", "from riskmap.cli import main; main()", "analyze", "-q", "--history",
               str(history)]
    runs = [subprocess.Popen([*command, str(source), "-o", str(tmp_path / f"out{i}")], stderr=subprocess.PIPE,
                             text=True)
            for i, source in enumerate([WEEK1, WEEK2, SAMPLE, WEEK1])]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
    with sqlite3.connect(history) as connection:
        assert connection.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
        assert connection.execute("SELECT count(DISTINCT run_id) FROM component_scores").fetchone()[0] == 4


def test_a_file_that_is_not_a_history_is_refused_by_name_and_left_untouched(cli, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("my notes, not a database\n", encoding="utf-8")
    other = tmp_path / "app.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
    connection.close()
    for victim in (text, other):
        before = victim.read_bytes()
        result = cli("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--history", victim)
        assert result.code == 2
        assert f"--history {victim}: not a riskmap history" in result.stderr and "untouched" in result.stderr
        assert victim.read_bytes() == before
        assert not Path(f"{victim}-wal").exists()
        assert cli("history", victim).code == 2


def test_a_damaged_history_is_refused_and_left_untouched(cli, tmp_path):
    """SQLite cannot see every damaged page: one that hands back text that is not UTF-8, or a value of the wrong
    type, is refused too (before anything is written). ``riskmap history`` lists the runs without their
    components' scores, so only a damaged run refuses it."""
    for number, (damage, why) in enumerate((
            ("UPDATE riskmap_schema SET version = CAST(x'ff' AS TEXT)", "text that is not UTF-8"),  # a value
            ("UPDATE sqlite_master SET name = CAST(x'ff' AS TEXT) WHERE name = 'runs'", "text that is not UTF-8"),
            ("UPDATE runs SET by_tier = 'null'", "a value of the wrong type"),
            ("UPDATE runs SET records = 'many'", "a value of the wrong type"),
            ("UPDATE runs SET ci = '{\"run\": '", "a value of the wrong type"),
            ("UPDATE component_scores SET score = 'high'", "a value of the wrong type"))):
        history = tmp_path / f"h{number}.db"
        cli("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--history", history)
        with sqlite3.connect(history) as connection:
            connection.execute("PRAGMA writable_schema = ON")
            connection.execute(damage)
        connection.close()
        before = history.read_bytes()
        listed = () if "component_scores" in damage else (("history", history),)
        for args in (("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--history", history), *listed):
            result = cli(*args)
            assert result.code == 2 and "Traceback" not in result.stderr
            assert f"--history {history}: not a riskmap history (damaged: " in result.stderr and why in result.stderr
        assert history.read_bytes() == before


def test_a_history_from_a_newer_riskmap_is_refused(cli, tmp_path):
    history = tmp_path / "h.db"
    cli("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--history", history)
    with sqlite3.connect(history) as connection:
        connection.execute("UPDATE riskmap_schema SET version = 99")
    connection.close()
    result = cli("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--history", history)
    assert result.code == 2 and "newer riskmap" in result.stderr


def test_a_tier_gate_and_a_failed_input_both_said_and_3_wins(cli, tmp_path):
    result = cli("analyze", SAMPLE, tmp_path / "reports" / "*.xml", "-o", tmp_path / "out", "-q",
                 "--fail-on", "critical")
    assert result.code == 3
    assert "*.xml: matched no file" in result.stderr
    assert "--fail-on critical: 1 component reached it: adapters.dynamodb_repository" in result.stderr
    assert "the gate's exit code 3 wins" in result.stderr
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("**riskmap: the gate failed**: --fail-on critical: 1 component reached it")


def test_fail_on_takes_a_tier_and_new_severity_together(cli, tmp_path):
    both = cli("analyze", WEEK2, "-o", tmp_path / "b", "-q", "--baseline", _week1_report(cli, tmp_path),
               "--fail-on", "critical,new:critical")
    assert both.code == 3 and "new:critical" in both.stderr and "--fail-on critical" not in both.stderr
    assert _json(tmp_path / "b" / "report.json")["gate"]["fail_on"] == ["critical", "new:critical"]
    wrong = cli("analyze", WEEK2, "-o", tmp_path / "c", "--fail-on", "new:severe")
    assert wrong.code == 2 and "--fail-on new:severe: expected a tier" in wrong.stderr


def _week1_report(cli, tmp_path: Path) -> Path:
    cli("analyze", WEEK1, "-o", tmp_path / "w1", "-q", "-r", "json")
    return tmp_path / "w1" / "report.json"


def test_a_baseline_that_is_not_a_report_is_a_usage_error(cli, tmp_path):
    result = cli("analyze", WEEK2, "-o", tmp_path / "out", "--baseline", SAMPLE)
    assert result.code == 2 and f"--baseline {SAMPLE}: not a riskmap report.json" in result.stderr
    missing = cli("analyze", WEEK2, "-o", tmp_path / "out", "--baseline", tmp_path / "none.json")
    assert missing.code == 2 and "cannot read" in missing.stderr


@given(before_severity=st.sampled_from(list(Severity)), before_status=st.sampled_from(list(Status)),
       severity=st.sampled_from(list(Severity)), status=st.sampled_from(list(Status)), known=st.booleans())
def test_record_change_follows_its_definition(before_severity, before_status, severity, status, known):
    before = BaselineRecord("X-1", before_severity.value, before_status.value) if known else None
    change = record_change(before, severity, status)
    if before is None:
        assert change == Change.new
    elif before_status == Status.resolved and status != Status.resolved:
        assert change == Change.regressed
    elif (before_severity, before_status) == (severity, status):
        assert change == Change.unchanged
    else:
        assert change == Change.updated


def test_sarif_validates_against_the_official_schema(cli, tmp_path):
    schemas = CORPUS.parent / "schemas"
    schema_file = schemas / "sarif-schema-2.1.0.json"
    if not schema_file.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {schema_file} (it lives beside the corpus)")
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "out"
    result = cli("analyze", WEEK2, "-o", out, "-q", "-r", "sarif,codequality", "--baseline",
                 _week1_report(cli, tmp_path), "--codeowners", CODEOWNERS)
    assert result.code == 0
    sarif = _json(out / "report.sarif")
    jsonschema.validate(sarif, _json(schema_file))
    results = sarif["runs"][0]["results"]
    assert len(results) == 8  # every record of week 2 is open
    by_id = {r["properties"]["id"]: r for r in results}
    assert by_id["BUG-109"]["baselineState"] == "new" and by_id["BUG-109"]["level"] == "error"
    assert by_id["BUG-105"]["baselineState"] == "new" and by_id["BUG-105"]["properties"]["change"] == "regressed"
    assert by_id["BUG-103"]["baselineState"] == "unchanged"
    assert by_id["BUG-109"]["partialFingerprints"] == {"riskmapIdentity/v1": "bug:BUG-109"}
    location = by_id["BUG-109"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == "src/handlers/refund_consumer.py"
    assert by_id["BUG-106"]["properties"]["owners"] == ["@acme/notifications", "@jane"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_sarif_of_a_test_report_gives_the_line_of_the_failing_frame(cli, tmp_path):
    schema_file = CORPUS.parent / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_file.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {schema_file} (it lives beside the corpus)")
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "out"
    cli("analyze", ROOT / "sample_data" / "ci-run-1.xml", ROOT / "sample_data" / "app.log", SAMPLE, "-o", out,
        "-q", "-r", "sarif")
    sarif = _json(out / "report.sarif")
    jsonschema.validate(sarif, _json(schema_file))
    regions = [r["locations"][0]["physicalLocation"].get("region") for r in sarif["runs"][0]["results"]]
    assert any(region and region["startLine"] > 0 for region in regions)
    resolved = {r["id"] for r in _json_records(cli, tmp_path) if r["status"] == "resolved"}
    assert resolved and not resolved & {r["properties"]["id"] for r in sarif["runs"][0]["results"]}


def _json_records(cli, tmp_path: Path) -> list:
    cli("analyze", SAMPLE, "-o", tmp_path / "j", "-q", "-r", "json")
    return _json(tmp_path / "j" / "report.json")["records"]


def test_code_quality_has_every_gitlab_field(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("analyze", SAMPLE, ROOT / "sample_data" / "ci-run-1.xml", "-o", out, "-q", "-r", "codequality").code == 0
    entries = _json(out / "codequality.json")
    assert entries
    for entry in entries:
        assert entry["description"] and entry["check_name"].startswith("riskmap/")
        assert entry["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert entry["location"]["path"] and entry["location"]["lines"]["begin"] >= 1
        assert re.fullmatch(r"[0-9a-f]{16}", entry["fingerprint"])
    assert len({e["fingerprint"] for e in entries}) == len(entries)
    assert {e["severity"] for e in entries} >= {"blocker", "critical"}


def test_report_md_over_every_test_report_in_the_corpus_fits_a_comment(cli, corpus, tmp_path):
    reports = sorted(p for p in (corpus / "junit").rglob("*") if p.is_file())
    assert len(reports) > 200
    out = tmp_path / "out"
    result = cli("analyze", *reports, "-o", out, "-q", "-r", "md,json", "--fail-on", "high")
    assert result.code in (1, 3)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert len(markdown) <= 60_000, len(markdown)
    assert markdown.startswith("**riskmap: the gate ")
    assert "<details" in markdown and "more inputs in report.json" in markdown
    assert len(_json(out / "report.json")["inputs"]) == len(reports)


@given(sizes=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=6),
       most=st.integers(min_value=200, max_value=20_000))
def test_fitted_markdown_is_never_over_the_limit(sizes, most):
    names = [f"list{i}" for i in range(len(sizes))]

    def render(limits: dict[str, int]) -> str:
        return "verdict\n" + "".join(f"row {n}\n" * min(size, limits[n]) for n, size in zip(names, sizes, strict=True))

    text = fitted(render, dict.fromkeys(names, 100), most)
    assert len(text) <= most and text.startswith("verdict")


def test_job_summary_is_appended_when_github_step_summary_is_set(cli, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = cli("analyze", SAMPLE, "-o", tmp_path / "out", "-r", "json", "--job-summary")
    assert result.code == 0 and f"appended report.md to {summary}" in result.stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n**riskmap:** 1 critical and") and "## Riskiest components" in text
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert cli("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--job-summary").code == 0


GITHUB_DOCS_RULES = """
# from GitHub's documentation of CODEOWNERS
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(("path", "owners"), [
    ("README.md", ("@global-owner1", "@global-owner2")),
    ("src/app.js", ("@js-owner",)),
    ("main.go", ("docs@example.com",)),
    ("build/logs/today.log", ("@octocat",)),  # **/logs comes after /build/logs/
    ("build/output.txt", ("@octo-org/octocats",)),
    ("docs/getting-started.md", ("@doctocat",)),
    ("docs/build-app/troubleshooting.md", ("@doctocat",)),
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("deeply/nested/logs/x.txt", ("@octocat",)),
    ("apps/web/index.html", ("@octocat",)),
    ("apps/github/x.py", ()),
    ("/home/runner/work/app/app/scripts/deploy.sh", ("@doctocat", "@octocat")),
])
def test_codeowners_follow_githubs_last_match_wins_rules(path, owners):
    assert path_owners(path, parse_codeowners(GITHUB_DOCS_RULES)) == owners


def test_owners_come_from_a_codeowners_file_in_the_repo(cli, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(DATA / "hexrepo", repo)
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("* @acme/all\n", encoding="utf-8")
    result = cli("analyze", DATA / "hexrepo_bugs.json", "--repo", repo, "-o", tmp_path / "out", "-q")
    assert result.code == 0, result.stderr
    components = _json(tmp_path / "out" / "report.json")["components"]
    assert components and all(c["owners"] == ["@acme/all"] for c in components if c["layer"] != "unmapped")


# ---- the GitHub Action and the GitLab template, their shell steps run for real ----------------

_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _bash_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    riskmap = shutil.which("riskmap", path=str(Path(sys.executable).parent))
    if riskmap is None:
        pytest.skip(f"the riskmap command is not installed beside {sys.executable} (pip install -e .)")
    return {"PATH": f"{Path(riskmap).parent}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
            "GITHUB_OUTPUT": str(tmp_path / "github_output"), **extra}


def _run_action(workdir: Path, inputs: dict[str, str], env: dict[str, str]) -> int:
    """Run action.yml's shell steps in order, as GitHub would, with its `uses:` steps left out."""
    action = pytest.importorskip("yaml").safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    values = {f"inputs.{name}": spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in inputs.items()})
    outputs: dict[str, str] = {}
    Path(env["GITHUB_OUTPUT"]).write_text("", encoding="utf-8")

    def evaluate(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("steps."):
                _, step, _, name = expression.split(".")
                return outputs.get(f"{step}.{name}", "")
            return str(values[expression])
        return _EXPRESSION.sub(one, text)

    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        assert step["shell"] == "bash"
        step_env = {**env, **{k: evaluate(str(v)) for k, v in step.get("env", {}).items()}}
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", evaluate(step["run"])], cwd=workdir,
                              env=step_env, capture_output=True, text=True, timeout=600)
        for line in Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            outputs[f"{step.get('id')}.{name}"] = value
        if done.returncode:
            return done.returncode
    return 0


def test_the_github_action_compares_with_the_previous_artifact_uploads_sarif_and_gates(tmp_path):
    action = pytest.importorskip("yaml").safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    uses = {step.get("uses", "").split("@")[0]: step for step in action["runs"]["steps"]}
    assert action["runs"]["using"] == "composite"
    assert uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == "${{ inputs.out }}/report.sarif"
    assert uses["actions/upload-artifact"]["with"]["path"] == "${{ inputs.out }}"
    assert uses["dawidd6/action-download-artifact"]["with"]["path"] == "riskmap-baseline"

    workdir = tmp_path / "repo"
    (workdir / "exports").mkdir(parents=True)
    summary = tmp_path / "summary.md"
    env = _bash_env(tmp_path, {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SHA": "a" * 40, "GITHUB_RUN_ID": "1"})
    shutil.copy(WEEK1, workdir / "exports" / "bugs.json")
    inputs = {"inputs": "exports/*.json reports/*.xml"}
    # the first run: no artifact yet, so no baseline; the missing reports are an input error (exit 1)
    assert _run_action(workdir, inputs, env) == 1
    assert (workdir / "riskmap-report" / "report.sarif").is_file()
    # what the download step would fetch: the previous run's artifact
    shutil.copytree(workdir / "riskmap-report", workdir / "riskmap-baseline")
    shutil.rmtree(workdir / "riskmap-report")
    shutil.copy(WEEK2, workdir / "exports" / "bugs.json")
    (workdir / "reports").mkdir()
    shutil.copy(ROOT / "sample_data" / "ci-run-2.xml", workdir / "reports")
    env["GITHUB_RUN_ID"] = "2"
    assert _run_action(workdir, inputs, env) == 3
    report = _json(workdir / "riskmap-report" / "report.json")
    assert report["baseline"]["path"] == "riskmap-baseline/report.json" and "BUG-109" in report["baseline"]["new"]
    assert [t["ci"]["GITHUB_RUN_ID"] for t in report["trend"]] == ["1", "2"]
    assert summary.read_text(encoding="utf-8").count("**riskmap") == 2


def test_the_gitlab_template_compares_with_the_default_branchs_artifact_and_gates(tmp_path):
    template = pytest.importorskip("yaml").safe_load(
        (ROOT / "ci" / "gitlab" / "riskmap.gitlab-ci.yml").read_text(encoding="utf-8"))
    job = template["riskmap"]
    assert job["artifacts"]["reports"]["codequality"] == "riskmap-report/codequality.json"
    script = "\n".join(job["script"])
    workdir = tmp_path / "project"
    (workdir / "reports").mkdir(parents=True)
    shutil.copy(ROOT / "sample_data" / "ci-run-1.xml", workdir / "reports")
    shutil.copy(WEEK1, workdir / "bugs.json")
    variables = {**job["variables"], "RISKMAP_INPUTS": "reports/*.xml bugs.json", "CI_COMMIT_SHA": "b" * 40,
                 "CI_PIPELINE_ID": "7"}
    env = _bash_env(tmp_path, variables)

    def run() -> int:
        return subprocess.run(["bash", "-e", "-c", script], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=600).returncode

    assert run() == 0
    assert _json(workdir / "riskmap-report" / "codequality.json")
    # what the download would unpack: the default branch's artifact
    shutil.move(workdir / "riskmap-report", workdir / "riskmap-baseline" / "riskmap-report")
    shutil.copy(WEEK2, workdir / "bugs.json")
    env["CI_PIPELINE_ID"] = "8"
    assert run() == 3
    report = _json(workdir / "riskmap-report" / "report.json")
    assert report["baseline"]["regressed"] == ["BUG-105"]
    assert [t["ci"]["CI_PIPELINE_ID"] for t in report["trend"]] == ["7", "8"]


def test_an_error_monitor_issue_is_known_across_runs_by_its_id_as_the_analysis_merges_it():
    """Two Sentry issues with one title are two identities; one issue keeps its identity when its title changes."""
    assert identity("log", "APP-1", "title-hash", "sentry") != identity("log", "APP-2", "title-hash", "sentry")
    assert identity("log", "APP-1", "old-title", "sentry") == identity("log", "APP-1", "new-title", "sentry")
    assert identity("log", "log-1", "tmpl", "log") == identity("log", "log-2", "tmpl", "log")  # by fingerprint
