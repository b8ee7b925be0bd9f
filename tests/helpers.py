"""Where the tests find riskmap's own files and the third-party corpus; the golden-file check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "bugs.json"
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
CORPUS = Path(os.environ.get("RISKMAP_CORPUS", ROOT.parent / "shared" / "corpus"))


def check_golden(request: pytest.FixtureRequest, produced: str, golden: Path) -> None:
    """Compare ``produced`` with the golden file; ``pytest --update-golden`` rewrites the file instead."""
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
    relative = golden.relative_to(GOLDEN)
    assert produced == golden.read_text(encoding="utf-8"), f"run pytest --update-golden to accept changes to {relative}"
