"""Damaged inputs never end a run with a traceback: riskmap's own files, cut and spliced and sprinkled with
bytes, give records, skips or a one-line error, and a documented exit code (0 to 3).

Fuzzing this way found the XML declaration with an unknown encoding, the config that is not UTF-8, the
damaged history, the repository config of any shape and the CSV export with lone carriage returns."""

from __future__ import annotations

import gzip
from pathlib import Path

from helpers import DATA, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Our own inputs of every kind riskmap reads: tracker exports (JSON, CSV, TSV), test reports, a log.
SEEDS = sorted(p for folder in (ROOT / "sample_data", DATA) for p in folder.iterdir() if p.is_file())
#: What a damaged file tends to hold: JSON and XML punctuation, control and invalid bytes, line ends, big numbers.
PIECES = (b'"', b"{", b"}", b"[", b"]", b"\\", b"\x00", b"<", b">", b"&", b"\n", b"\r", b",", b":", b"\xff\xfe",
          b"null", b"1e999", b"\\ud800", b"9" * 30, b'<?xml version="1.0" encoding="UTFX"?>', b"\t", b";")


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    """One of the seeds, damaged: bytes cut, pieces and random bytes put in, a part repeated, the end cut off."""
    seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(("cut", "piece", "bytes", "repeat", "end")))
        if how == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif how == "piece":
            data[at:at] = draw(st.sampled_from(PIECES))
        elif how == "bytes":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif how == "repeat":
            data[at:at] = data[draw(st.integers(0, len(data))):][:draw(st.integers(1, 200))]
        else:
            del data[at:]
    suffix = "".join(seed.suffixes) or ".txt"
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        return suffix + ".gz", gzip.compress(bytes(data), mtime=0)
    return suffix, bytes(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(damaged())
def test_a_damaged_input_gives_records_skips_or_a_one_line_error(cli, tmp_path, case):
    suffix, data = case
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    result = cli("analyze", path, "--out", tmp_path / "out", "-q", "-r", "json")
    assert result.code in (0, 1, 2, 3), result.stderr
    assert "Traceback" not in result.stderr
    if result.code == 1:  # the input could not be read: one line that names it
        errors = [line for line in result.stderr.splitlines() if line.startswith("riskmap: error:")]
        assert len(errors) == 1 and str(path) in errors[0], result.stderr


def test_the_seeds_are_every_kind_riskmap_reads():
    assert {p.suffix for p in SEEDS} >= {".json", ".csv", ".tsv", ".xml", ".log"}
    assert Path(ROOT / "sample_data" / "app.log") in SEEDS
