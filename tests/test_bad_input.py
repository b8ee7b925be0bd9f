"""Bad input: a clear one-line error naming the file and position, the other inputs still analysed."""

from __future__ import annotations

import codecs
import json

import pytest
from helpers import DATA

GOOD = DATA / "simple_20.json"

BROKEN_FILES = {
    "empty.json": (b"", "the file is empty", None),
    "blank.json": (b"  \n\n", "the file is empty", None),
    "binary.json": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data", "byte 8"),
    "latin1.json": ('[{"title": "caf\xe9 crashes"}]'.encode("latin-1"), "not UTF-8", "line 1, byte 15"),
    "truncated.json": (b'[{"title": "a"},\n {"title": "b"', "invalid JSON", "line 2, column"),
    "nested.json": (b"[" * 5000 + b"]" * 5000, "invalid JSON", "line 1, column"),
    "scalar.json": (b'"just a string"', "expected a JSON array or object; found a string", None),
    "shape.json": (b'{"total": 3, "page": 1}', "found an object with keys: page, total", None),
    "text.txt": (b"hello, this is not an export\n", "unrecognised format", "line 1"),
    "encoding.xml": (b'<?xml version="1.0" encoding="UTFN8"?>\n<testsuite name="s"><testcase name="t"/></testsuite>',
                     "unknown encoding: UTFN8", "line 1"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_broken_file_is_named_and_the_rest_still_analysed(cli, tmp_path, name):
    content, message, position = BROKEN_FILES[name]
    broken = tmp_path / name
    broken.write_bytes(content)
    out = tmp_path / "out"
    result = cli("analyze", GOOD, broken, "--out", out)
    assert result.code == 1
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("riskmap: error:")]
    assert len(error_lines) == 1
    line = error_lines[0]
    assert str(broken) in line and message in line
    if position:
        assert position in line
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] + sum(report["summary"]["excluded"].values()) == 20
    assert report["summary"]["failed_inputs"] == 1
    failed = report["inputs"][1]
    assert failed["path"] == str(broken) and message in failed["error"]
    assert report["skipped"][0]["source"]["path"] == str(broken)
    assert name in (out / "report.md").read_text(encoding="utf-8")


def test_wrong_types_are_skipped_with_reasons(cli, tmp_path):
    items = [
        {"id": "OK-1", "title": "Saving a task loses its tags", "severity": "high"},
        "not an object",
        {"id": "BAD-2", "title": ["a", "list"]},
        {"id": "BAD-3", "severity": "low"},
        {"id": "OK-4", "title": "Weird types", "severity": {"name": "Major"}, "labels": "a, b",
         "created_at": "yesterday", "status": 3},
        {"id": "BAD-5", "title": "Too many occurrences?", "occurrences": 1, "kind": ["x"]},
        None,
    ]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"items": items}), encoding="utf-8")
    out = tmp_path / "out"
    result = cli("analyze", path, "--out", out)
    assert result.code == 0, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    reasons = {s["source"]["locator"]: s["reason"] for s in report["skipped"]}
    assert reasons == {
        "items[2]": "expected an object, found a string",
        "items[3]": "field 'title' is an array, not text",
        "items[4]": "no title, summary or name, and no description",
        "items[7]": "expected an object, found null",
    }
    ids = {r["id"]: r for r in report["records"]}
    assert set(ids) == {"OK-1", "OK-4", "BAD-5"}
    assert ids["OK-4"]["severity"] == "high" and ids["OK-4"]["severity_raw"] == "Major"
    assert report["inputs"][0]["records"] + report["inputs"][0]["skipped"] == len(items)


def test_json_lines_bad_line_is_skipped_with_its_number(cli, tmp_path):
    path = tmp_path / "bugs.jsonl"
    path.write_text(
        (
            '{"id": 1, "title": "first"}\n{"id": 2, "title": "second"}\n'
            '{"id": 3, "title": \n\n{"id": 4, "title": "fourth"}\n'
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = cli("analyze", path, "--out", out, "-v")
    assert result.code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in report["records"]) == ["1", "2", "4"]
    assert report["skipped"] == [
        {"source": {"format": "json", "path": str(path), "locator": "line 3"},
         "reason": "invalid JSON at column 19: unexpected end of data"}
    ]
    assert "JSON Lines" in report["inputs"][0]["detected_by"]


@pytest.mark.parametrize("bom,encoding", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")])
def test_byte_order_marks_are_accepted(cli, tmp_path, bom, encoding):
    path = tmp_path / "bom.json"
    path.write_bytes(bom + json.dumps([{"id": "B-1", "title": "Caf\u00e9 menu crashes"}]).encode(encoding))
    out = tmp_path / "out"
    assert cli("analyze", path, "--out", out, "-q").code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["records"][0]["title"] == "Caf\u00e9 menu crashes"


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"])
def test_a_csv_export_with_any_line_ending_is_read(cli, tmp_path, end):
    """Old Mac exports end their lines with a lone carriage return (it used to end the run with a traceback)."""
    path = tmp_path / "bugs.csv"
    path.write_bytes(end.join([b"id,title,severity", b"B-1,Crash on save,high", b"B-2,Hang,low", b""]))
    out = tmp_path / "out"
    result = cli("analyze", path, "--out", out, "-q")
    assert result.code == 0 and "Traceback" not in result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [(r["id"], r["title"], r["severity"]) for r in report["records"]] == [
        ("B-1", "Crash on save", "high"), ("B-2", "Hang", "low")]


def test_bom_json_lines_are_accepted(cli, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b'{"id": 1, "title": "a"}\n{"id": 2, "title": "b"}\n')
    out = tmp_path / "out"
    assert cli("analyze", path, "--out", out, "-q").code == 0
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]["records"] == 2


def test_only_broken_inputs_still_write_empty_reports(cli, tmp_path):
    broken = tmp_path / "empty.json"
    broken.write_bytes(b"")
    out = tmp_path / "out"
    result = cli("analyze", broken, "--out", out)
    assert result.code == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == 0 and report["components"] == []
    assert (out / "report.html").exists()


def test_invalid_config_is_a_usage_error(cli, tmp_path):
    config = tmp_path / "riskmap.toml"
    config.write_text('[tool.riskmap.weights]\nhalf_life_days = -3\n', encoding="utf-8")
    result = cli("analyze", GOOD, "--out", tmp_path / "out", "--config", config)
    assert result.code == 2
    assert result.stderr.startswith(f"riskmap: error: {config}: [tool.riskmap] weights.half_life_days")
    config.write_text("[tool.riskmap\n", encoding="utf-8")
    result = cli("analyze", GOOD, "--out", tmp_path / "out", "--config", config)
    assert result.code == 2 and "invalid TOML" in result.stderr
    config.write_bytes(b'[tool.riskmap]\n# \xff\n')
    result = cli("analyze", GOOD, "--out", tmp_path / "out", "--config", config)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"riskmap: error: {config}: invalid TOML: not UTF-8 at byte 17")
