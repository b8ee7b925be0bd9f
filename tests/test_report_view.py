"""The report a person reads, in a real browser at a wide and a narrow width (Playwright driving headless
Chromium): riskiest component first, nothing scrolled sideways or cut off, a click on a cell shows its records."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CORPUS

#: A dozen real inputs of the corpus: trackers, an error monitor, test reports and logs.
DOZEN = (
    "bugs/mozilla-bugbug/bugs.jsonl", "bugs/mozilla-bugbug/github_webcompat_web-bugs_issues.jsonl",
    "bugs/jira-rest-samples-go-jira/issues_in_sprint.json", "errors/sentry-mcp-mocks/issue.json",
    "errors/sentry-mcp-mocks/event.json", "logs/loghub/Linux/Linux_2k.log", "logs/loghub/Apache/Apache_2k.log",
    "logs/loghub/HDFS/HDFS_2k.log", "junit/rwx-captain/junit.xml", "junit/rwx-captain/jest.json",
    "junit/rwx-captain/pytest_reportlog.jsonl", "junit/rwx-captain/playwright.json",
)
#: Elements whose text is cut (clipped by their own box) rather than wrapped.
_CLIPPED = """Array.from(document.querySelectorAll('td, th, p, h2, h3, li, span, b, div'))
  .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'hidden')
  .map(e => e.textContent.slice(0, 60))"""


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright, or a skip saying which is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[test]')")
    executable = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.skip("no Chromium on PATH (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def dozen_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of one run over the dozen corpus inputs (through the real entry point)."""
    if not CORPUS.is_dir():
        pytest.skip(f"third-party corpus not found at {CORPUS} (set RISKMAP_CORPUS to its folder)")
    corpus = CORPUS
    out = tmp_path_factory.mktemp("dozen")
    done = subprocess.run([sys.executable, "-m", "riskmap", "analyze", *(corpus / p for p in DOZEN), "-o", out, "-q"],
                          capture_output=True, text=True)
    assert done.returncode in (0, 3), done.stderr
    return out / "report.html"


@pytest.mark.parametrize("width", [1400, 420])
def test_a_dozen_real_inputs_read_at_any_width(browser, dozen_report: Path, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(dozen_report.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    assert page.evaluate(_CLIPPED) == [], "text is cut off"
    headline = page.locator("#headline h2").inner_text()
    rows = page.locator("#heatmap tbody tr" if width > 600 else "#heatmap-narrow li").filter(visible=True)
    first = rows.first.get_attribute("data-component")
    assert headline == f"Fix first: {first}", "the riskiest component is the first row and the headline"
    assert rows.count() >= 20
    page.close()


def test_a_click_on_a_cell_shows_its_records(browser, dozen_report: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(dozen_report.as_uri())
    row = page.locator("#heatmap tbody tr.component").nth(1)
    component = row.get_attribute("data-component")
    cell = row.locator("td[data-category]").first
    category = cell.get_attribute("data-category")
    cell.click()
    assert page.locator("#focus").is_visible()
    shown = page.locator("#record-rows tr")
    assert shown.count() >= 1
    for index in range(shown.count()):
        text = shown.nth(index).inner_text()
        assert component in text and category in text
    page.locator("#focus-clear").click()
    assert not page.locator("#focus").is_visible()
    assert page.locator("#record-rows tr").count() == 100, "all records again, a page of them"
    page.close()


def test_narrow_screens_get_a_ranked_list_and_a_click_shows_its_records(browser, dozen_report: Path) -> None:
    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(dozen_report.as_uri())
    assert not page.locator("#heatmap").is_visible(), "the wide heat map gives way to the ranked list"
    item = page.locator("#heatmap-narrow li.component").first
    assert item.locator(".bar").count() >= 1, "each component has its per-category bars"
    component = item.get_attribute("data-component")
    item.click()
    rows = page.locator("#record-rows tr")
    assert rows.count() >= 1
    headers = page.locator("#records-table th").filter(visible=True)
    assert headers.count() == 3, "the table keeps the columns that matter: id, severity, title"
    assert component in page.locator("#focus-text").inner_text()
    page.close()
