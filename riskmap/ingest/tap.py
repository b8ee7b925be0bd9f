"""TAP (Test Anything Protocol) output: ``ok`` / ``not ok`` lines with YAML diagnostics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from riskmap.config import Config
from riskmap.ingest.base import Head, decode_text
from riskmap.ingest.testcases import Runs, case_record, finish_runs
from riskmap.models import CaseCounts, Record, Skipped, Source

_RESULT = re.compile(r"^(?P<ok>not ok|ok)\b[\s-]*(?P<number>\d+)?[\s-]*(?P<description>[^#]*?)\s*"
                     r"(?:#\s*(?P<directive>\w+)\b\s*(?P<reason>.*))?$", re.IGNORECASE)
_TAP = re.compile(r"^(?:TAP version \d+|1\.\.\d+|(?:not )?ok\b)", re.MULTILINE)


class TapIngester:
    """Failing tests of a TAP stream; ``# SKIP`` and ``# TODO`` results are no failures."""

    name = "tap"
    summary = "TAP (Test Anything Protocol) output: ok / not ok lines, # SKIP, # TODO, YAML diagnostics"
    reads_gzip = False

    def sniff(self, head: Head) -> str | None:
        """A TAP version line, a plan (``1..N``) or ``ok``/``not ok`` lines at the start."""
        first = head.text.split("\n", 1)[0].strip()
        if _TAP.match(first) or (head.path.suffix.lower() == ".tap" and _TAP.search(head.text)):
            return "TAP output (a version line, a plan, or ok / not ok lines)"
        return None

    def read(self, path: Path, config: Config) -> Iterator[Record | Skipped | CaseCounts]:
        """Yield a record per failing test, then the stream's test counts."""
        lines = decode_text(path, path.read_bytes()).splitlines()
        counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "flaky": 0}
        runs: Runs = {}
        name = str(path)
        for index, line in enumerate(lines):
            text = line.strip()
            if text.lower().startswith("bail out!"):
                source = Source(format=self.name, path=name, locator=f"line {index + 1}")
                counts["errors"] += 1
                bailed = case_record("(bail out)", text[9:].strip() or "bailed out", "", source, outcome="errors")
                runs.setdefault("(bail out)", []).append(("errors", bailed))
                continue
            match = _RESULT.match(text)
            if not match or line[:1].isspace():
                continue
            directive = (match["directive"] or "").upper()
            test = match["description"].strip() or f"test {match['number'] or index + 1}"
            if match["ok"].lower() == "ok" or directive == "TODO":
                outcome, record = ("skipped" if directive.startswith("SKIP") else "passed"), None
            else:
                outcome = "failed"
                source = Source(format=self.name, path=name, locator=f"line {index + 1}")
                diagnostics = _diagnostics(lines, index + 1)
                message = next((d.split(":", 1)[1].strip() for d in diagnostics.splitlines()
                                if d.strip().startswith("message:")), "") or "not ok"
                record = case_record(test, message.strip("'\""), diagnostics, source, outcome=outcome)
            counts[outcome] += 1
            runs.setdefault(test, []).append((outcome, record))
        yield from finish_runs(runs, counts)


def _diagnostics(lines: list[str], start: int) -> str:
    """The indented YAML block (``---`` ... ``...``) after a ``not ok`` line, if any."""
    if start >= len(lines) or lines[start].strip() != "---":
        return ""
    block = []
    for line in lines[start + 1:]:
        if line.strip() == "...":
            break
        block.append(line.strip())
    return "\n".join(block)
