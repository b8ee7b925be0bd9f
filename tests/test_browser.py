"""report.html in a real browser: headless Chromium runs its scripts, and the trend charts show every run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import DATA

WEEKLY = DATA / "weekly"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on PATH (.ci/run installs it with apt-get where it can; or apt-get install chromium)")


def _rendered_dom(browser: str, page: Path, profile: Path) -> str:
    """The page's DOM after its scripts ran, as headless Chromium dumps it."""
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _between(dom: str, start: str, end: str) -> str:
    return dom[dom.index(start): dom.index(end, dom.index(start))]


def test_three_runs_of_history_draw_a_three_point_trend_in_the_browser(cli, tmp_path):
    browser = _chromium()
    history = tmp_path / "history.db"
    cli("analyze", WEEKLY / "week1.json", "-o", tmp_path / "r1", "-q", "--history", history)
    cli("analyze", WEEKLY / "week2.json", "-o", tmp_path / "r2", "-q", "--history", history,
        "--baseline", tmp_path / "r1" / "report.json")
    cli("analyze", WEEKLY / "week2.json", "-o", tmp_path / "r3", "-q", "--history", history,
        "--baseline", tmp_path / "r2" / "report.json")
    dom = _rendered_dom(browser, tmp_path / "r3" / "report.html", tmp_path / "profile")
    total = _between(dom, 'id="chart-trend-total"', 'id="chart-trend-tiers"')
    assert total.count('class="point"') == 3, "the total-risk line has one marker per run"
    assert len(re.findall(r"run [123] · 2026-10-", total)) >= 3, "each run is named on the axis"
    tiers = _between(dom, 'id="chart-trend-tiers"', 'id="chart-trend-components"')
    assert 'class="main-svg"' in tiers and tiers.count('class="point"') >= 3
    components = _between(dom, 'id="chart-trend-components"', "</section>")
    assert components.count('class="trace scatter') == 5, "the five riskiest components are drawn"
    assert 'class="main-svg"' in _between(dom, 'id="chart-layers"', "</section>")
    assert "What changed since the baseline" in dom
