"""Shared test helpers: run the real CLI, find the sample data and the third-party corpus."""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import CORPUS, check_golden
from hypothesis import settings

from riskmap.cli import main

# No wall-clock limit on a property test's examples: on a busy CI machine hypothesis' default 200 ms deadline
# fails tests that are right.
settings.register_profile("riskmap", deadline=None)
settings.load_profile("riskmap")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite the golden report files.")


@dataclass
class Result:
    """What one CLI run gave."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``riskmap ARGS...`` in-process through its real entry point (which turns the cyclic garbage collector
    off for the process it ends: here it is turned on again after each run)."""

    def run(*args: str | Path, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["riskmap", *map(str, args)])
        capsys.readouterr()
        collecting = gc.isenabled()
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        finally:
            if collecting:
                gc.enable()
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def corpus() -> Path:
    """The third-party corpus, or a skip saying where it was looked for."""
    if not CORPUS.is_dir():
        pytest.skip(f"third-party corpus not found at {CORPUS} (set RISKMAP_CORPUS to its folder)")
    return CORPUS


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(text, path)``: compare with a golden file, or rewrite it under ``--update-golden``."""
    return lambda produced, path: check_golden(request, produced, path)
