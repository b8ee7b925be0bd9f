"""The CLI end to end on our own sample data: what a user runs, and what they get."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DATA, ROOT, SAMPLE


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_analyze_sample_writes_three_reports(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--out", tmp_path)
    assert result.code == 0, result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"report.html", "report.json", "report.md"}
    report = _report(tmp_path)
    assert report["schema"] == "riskmap.report/1"
    assert report["summary"]["records"] == 32 and report["summary"]["skipped"] == 0
    assert report["inputs"] == [
        {"path": str(SAMPLE), "format": "json", "detected_by": "starts with '{': a JSON object",
         "records": 32, "skipped": 0, "error": None, "tests": None, "logs": None, "counted": ""}
    ]
    first = report["components"][0]
    assert (first["name"], first["layer"], first["tier"]) == ("adapters.dynamodb_repository", "integration", "critical")
    scores = [c["score"] for c in report["components"]]
    assert scores == sorted(scores, reverse=True)
    assert "adapters.dynamodb_repository" in result.stdout and "wrote" in result.stdout


def test_simple_export_lands_in_conventional_layers_with_no_config(cli, tmp_path):
    """The acceptance case: four conventional file names, no config at all."""
    result = cli("analyze", DATA / "simple_20.json", "--out", tmp_path, cwd=tmp_path)
    assert result.code == 0, result.stderr
    report = _report(tmp_path)
    layers = {c["name"]: c["layer"] for c in report["components"]}
    assert layers == {
        "integrations": "integration", "domain_logic": "domain", "task_handler": "handler", "models": "domain",
    }
    first = report["components"][0]
    assert first["name"] == "integrations" and first["tier"] == "critical"
    assert first["by_severity"]["critical"] == 1
    assert first["records"] == max(c["records"] for c in report["components"])


def test_every_record_keeps_its_evidence_and_source(cli, tmp_path):
    cli("analyze", SAMPLE, "--out", tmp_path, "-q")
    records = _report(tmp_path)["records"]
    assert len(records) == 32
    for record in records:
        assert record["evidence"] and record["source"]["path"] == str(SAMPLE)
        assert record["source"]["locator"].startswith("bugs[")
    unplaced = [r for r in records if r["layer"] == "unmapped"]
    assert [r["component"] for r in unplaced] == ["(unmapped)"]


def test_component_ids_and_score_breakdown_add_up(cli, tmp_path):
    cli("analyze", SAMPLE, "--out", tmp_path, "-q")
    report = _report(tmp_path)
    by_id = {r["id"]: r for r in report["records"]}
    for component in report["components"]:
        members = [by_id[i] for i in component["record_ids"]]
        assert all(m["component"] == component["name"] for m in members)
        assert abs(sum(m["score"] for m in members) - component["score"]) < 1e-3
        assert abs(sum(component["score_by_severity"].values()) - component["score"]) < 1e-3


def test_reports_are_byte_identical_across_runs(cli, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    cli("analyze", SAMPLE, "--out", first, "-q")
    cli("analyze", SAMPLE, "--out", second, "-q")
    for name in ("report.html", "report.md", "report.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_as_of_sets_now_and_changes_recency(cli, tmp_path):
    cli("analyze", SAMPLE, "--out", tmp_path / "default", "-q")
    cli("analyze", SAMPLE, "--out", tmp_path / "later", "-q", "--as-of", "2027-06-01")
    default, later = _report(tmp_path / "default"), _report(tmp_path / "later")
    assert default["as_of"] == "2026-11-15T16:40:00Z"
    assert later["as_of"] == "2027-06-01T00:00:00Z"
    assert later["components"][0]["score"] < default["components"][0]["score"]


def test_bad_as_of_is_a_usage_error(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--out", tmp_path, "--as-of", "last tuesday")
    assert result.code == 2
    assert "--as-of" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "report.json").exists()


def test_fail_on_gates_ci(cli, tmp_path):
    assert cli("analyze", SAMPLE, "--out", tmp_path, "-q", "--fail-on", "critical").code == 3
    assert cli("analyze", DATA / "simple_20.json", "--out", tmp_path, "-q", "--fail-on", "critical").code == 3
    assert cli("analyze", SAMPLE, "--out", tmp_path, "-q", "--fail-on", "critical",
               "--as-of", "2030-01-01").code == 0


def test_a_tripped_gate_names_what_tripped_it_even_when_quiet(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--out", tmp_path, "-q", "--fail-on", "critical")
    assert result.code == 3 and result.stdout == ""
    assert "--fail-on critical: 1 component reached it: adapters.dynamodb_repository (critical" in result.stderr


def test_the_terminal_shows_untrusted_names_and_text_as_written(cli, tmp_path):
    """A file name or a log line with rich's markup (``[red]``) or an emoji code (``:smile:``) is printed as it
    is, in titles, tables and errors."""
    log = tmp_path / "[red]app.log"
    log.write_text("Jan  1 00:00:01 host app[1]: error: disk :smile: full\n", encoding="utf-8")
    result = cli("templates", log)
    assert result.code == 0
    assert "[red]app.log (1 entry" in result.stdout and "disk :smile: full" in result.stdout
    history = tmp_path / "[bold]runs.db"
    assert cli("analyze", SAMPLE, "-o", tmp_path / "out", "-q", "--history", history).code == 0
    assert "[bold]runs.db (1 run)" in cli("history", history).stdout
    result = cli("analyze", SAMPLE, "-o", tmp_path / "out", "--fail-on", "score:abc")
    assert result.code == 2 and "--fail-on score:abc: expected" in result.stderr


def test_quiet_prints_nothing(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--out", tmp_path, "--quiet")
    assert result.code == 0 and result.stdout == "" and result.stderr == ""


def test_verbose_says_what_was_chosen(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--out", tmp_path, "--verbose", cwd=tmp_path)
    assert "format json" in result.stderr and "config: none found" in result.stderr


def test_report_option_selects_files(cli, tmp_path):
    assert cli("analyze", SAMPLE, "--out", tmp_path, "-q", "-r", "md").code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_reports_are_chosen_comma_separated_or_repeated(cli, tmp_path):
    assert cli("analyze", SAMPLE, "--out", tmp_path / "a", "-q", "-r", "md,json").code == 0
    assert cli("analyze", SAMPLE, "--out", tmp_path / "b", "-q", "-r", "md", "-r", "JSON").code == 0
    for folder in ("a", "b"):
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == ["report.json", "report.md"]
    wrong = cli("analyze", SAMPLE, "--out", tmp_path / "c", "-r", "md,pdf")
    message = " ".join(re.sub("[│╭╮╰╯─]", " ", wrong.stderr).split())  # typer draws usage errors in a box
    assert wrong.code == 2 and "'pdf' is not a report; choose from html, md, json, sarif, codequality" in message


def test_help_shows_flags_as_flags(cli):
    for command in ("analyze", "spec", "ingest", "init", "templates", "history"):
        text = cli(command, "--help").stdout
        assert "--quiet" in text or "--force" in text or command in ("templates", "history")
        assert "<bool>" not in text, command
    assert "<bool>" not in cli("--help").stdout


def test_a_value_after_a_flag_gets_a_hint(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--quiet", "true", "--out", tmp_path)
    assert result.code == 1
    assert "true: no such file (true looks like a value, but riskmap's on/off options are flags" in result.stderr
    assert _report(tmp_path)["summary"]["records"] == 32


def test_a_missing_input_a_folder_and_an_empty_glob_are_input_errors_and_the_rest_is_analysed(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("analyze", SAMPLE, tmp_path / "nope.json", tmp_path, tmp_path / "reports" / "*.xml", "--out", out)
    assert result.code == 1
    assert "nope.json: no such file" in result.stderr and "is a folder" in result.stderr
    assert f"{tmp_path / 'reports' / '*.xml'}: matched no file" in result.stderr
    report = _report(out)
    assert report["summary"]["records"] == 32 and report["summary"]["failed_inputs"] == 3
    errors = [i["error"] for i in report["inputs"]]
    assert errors[0] is None and all(errors[1:])
    assert "matched no file" in (out / "report.md").read_text(encoding="utf-8")


def test_an_unreadable_input_is_an_input_error(cli, tmp_path):
    locked = tmp_path / "locked.json"
    locked.write_bytes(SAMPLE.read_bytes())
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who reads any file (root): permissions cannot make one unreadable")
        result = cli("analyze", SAMPLE, locked, "--out", tmp_path / "out", "-q")
    finally:
        locked.chmod(0o644)
    assert result.code == 1 and "locked.json" in result.stderr
    assert _report(tmp_path / "out")["summary"]["records"] == 32


def test_ingest_writes_normalised_records(cli, tmp_path):
    target = tmp_path / "records.jsonl"
    result = cli("ingest", SAMPLE, "--output", target)
    assert result.code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 32
    first = json.loads(lines[0])
    assert first["id"] == "BUG-001" and first["severity"] in {"critical", "high", "medium", "low", "info"}
    assert first["source"] == {"format": "json", "path": str(SAMPLE), "locator": "bugs[1]"}
    assert "root_cause" in first["extra"] and "testing_gap" in first["extra"]


def test_ingest_to_stdout(cli):
    result = cli("ingest", DATA / "simple_20.json", "--output", "-")
    assert result.code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()][:2] == ["S-01", "S-02"]


def test_formats_lists_every_ingester(cli):
    from riskmap.ingest import INGESTERS

    result = cli("formats")
    assert result.code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == [i.name for i in INGESTERS]


def test_help_and_version(cli):
    for args in (["--help"], ["analyze", "--help"], ["ingest", "--help"]):
        result = cli(*args)
        assert result.code == 0 and "Usage" in result.stdout
    assert "--as-of" in cli("analyze", "--help").stdout
    assert cli("--version").stdout.startswith("riskmap ")


def test_unknown_option_is_a_usage_error(cli, tmp_path):
    result = cli("analyze", SAMPLE, "--colour", "red")
    assert result.code == 2 and "No such option" in result.stderr


def test_python_dash_m_runs_without_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "riskmap", "analyze", str(SAMPLE), "--out", str(tmp_path), "-q",
         "--config", str(tmp_path / "missing.toml")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"riskmap: error: --config {tmp_path / 'missing.toml'}: no such file"


def test_format_option_forces_or_refuses(cli, tmp_path):
    unknown = cli("analyze", SAMPLE, "--out", tmp_path, "--format", "nope")
    assert unknown.code == 2 and unknown.stderr.startswith(
        "riskmap: error: unknown format 'nope'; riskmap reads: junit, xunit,")
    forced = cli("analyze", SAMPLE, "--out", tmp_path, "--format", "json", "-v")
    assert forced.code == 0 and "(forced with --format)" in forced.stderr


def test_an_unwritable_report_folder_is_a_clear_error(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = cli("analyze", SAMPLE, "--out", blocker / "reports", "-q")
    assert result.code == 2 and result.stderr.startswith("riskmap: error: ") and "cannot write" in result.stderr
