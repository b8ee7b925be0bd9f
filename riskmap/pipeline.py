"""riskmap's use cases as plain functions: read and analyse inputs, write reports and specs, apply gates.

The command line (``cli.py``) parses options, calls these and prints what they return; a program
that embeds riskmap calls them directly. Each takes a :class:`~riskmap.progress.Progress` to tell
how long work goes, and none of them prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from riskmap.analyze import analyze, normalise
from riskmap.analyze.specs import build_specs, select_components
from riskmap.config import Config, find_config, load_config
from riskmap.errors import UsageError
from riskmap.ingest import read_input
from riskmap.ingest.logs import MinedLog, mine_file, template_rows
from riskmap.ingest.sentry import link_issue_ids
from riskmap.models import RECORD_ADAPTER, Analysis, ComponentRisk, FileResult, Tier
from riskmap.progress import SILENT, Progress
from riskmap.render import Renderer, write_bytes
from riskmap.render.data import build_report
from riskmap.render.html import HtmlRenderer
from riskmap.render.json_report import JsonRenderer
from riskmap.render.markdown import MarkdownRenderer
from riskmap.render.specs import SpecRenderer, SpecStyle, is_untouched, stamp
from riskmap.render.starter_config import starter_config
from riskmap.render.templates_csv import template_lines_csv
from riskmap.repo import RepoMap, StarterComponent, scan_repo, starter_components


class ReportKind(StrEnum):
    """The report files ``riskmap analyze`` can write, in the order they are written."""

    html = "html"
    md = "md"
    json = "json"


@dataclass(frozen=True, slots=True)
class AnalysisRun:
    """What reading and analysing the inputs gave: each input's result, the analysis, the config used."""

    results: list[FileResult]
    analysis: Analysis
    config: Config

    @property
    def failed(self) -> bool:
        """Whether some input could not be read (the analysis covers the others)."""
        return any(result.summary.error for result in self.results)


def find_settings(path: Path | None, folder: Path) -> tuple[Config, Path | None]:
    """The config: the file named, else the one found in ``folder``, else the defaults; and its path."""
    if path is not None and not path.is_file():
        raise UsageError(f"--config {path}: no such file")
    chosen = path or find_config(folder)
    return load_config(chosen), chosen


def parse_as_of(value: str | None) -> datetime | None:
    """The moment recency is measured from, as UTC, from a date or an ISO 8601 time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r}: expected a date such as 2026-11-15 or 2026-11-15T12:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_inputs(inputs: Sequence[Path]) -> None:
    """Refuse folders and missing files before anything is read, naming the first such input."""
    for path in inputs:
        if path.is_dir():
            raise UsageError(f"{path}: is a folder; pass the files in it (for example {path}/*.json)")
        if not path.exists():
            hint = (f" ({path.name} looks like a value, but riskmap's on/off options are flags that take none)"
                    if path.name.lower() in {"true", "false", "yes", "no", "on", "off", "0", "1"} else "")
            raise UsageError(f"{path}: no such file{hint}")


def read_inputs(
    inputs: Sequence[Path], config: Config, format_name: str | None = None, progress: Progress = SILENT
) -> list[FileResult]:
    """Read every input; one that cannot be read gives a result carrying its error, and the others are read."""
    check_inputs(inputs)
    results = []
    for path in inputs:
        progress.start_file(path)
        results.append(read_input(path, config, format_name, progress))
    return link_issue_ids(results)


def read_repository(repo: Path | None, progress: Progress = SILENT) -> RepoMap | None:
    """The scanned repository named by ``--repo``, if any."""
    if repo is None:
        return None
    progress.stage(f"reading the code in {repo}")
    return scan_repo(repo)


def analyse(
    inputs: Sequence[Path],
    config: Config,
    *,
    format_name: str | None = None,
    as_of: datetime | None = None,
    repo: RepoMap | None = None,
    progress: Progress = SILENT,
) -> AnalysisRun:
    """Read and analyse the inputs: the part every command that reports shares."""
    results = read_inputs(inputs, config, format_name, progress)
    progress.stage(f"analysing {sum(len(r.records) for r in results):,} records")
    return AnalysisRun(results, analyze(results, config, as_of, repo), config)


def renderers(templates: Path | None) -> dict[ReportKind, Renderer]:
    """The renderer of every report kind, over the user's templates (if any) and riskmap's own."""
    check_templates(templates)
    return {ReportKind.html: HtmlRenderer(templates), ReportKind.md: MarkdownRenderer(templates),
            ReportKind.json: JsonRenderer()}


def check_templates(templates: Path | None) -> None:
    """Refuse a ``--templates`` that is not a folder."""
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {templates}: not a folder")


def write_reports(
    run: AnalysisRun, kinds: Iterable[ReportKind], out_dir: Path, templates: Path | None = None,
    progress: Progress = SILENT,
) -> tuple[dict[str, Any], list[Path]]:
    """Build the report data once and write each chosen report into ``out_dir``; return the data and the files."""
    chosen = set(kinds)
    report = build_report(run.analysis, run.config)
    written = []
    for kind, renderer in renderers(templates).items():
        if kind in chosen:
            target = out_dir / renderer.filename
            progress.stage(f"writing {target}")
            write_bytes(target, renderer.render(report))
            written.append(target)
    return report, written


def tripped(components: Sequence[ComponentRisk], fail_on: Tier | None) -> list[ComponentRisk]:
    """The components whose tier reaches ``fail_on`` (riskiest first); none when there is no gate."""
    if fail_on is None:
        return []
    return [component for component in components if component.tier.at_least(fail_on)]


def choose_components(
    analysis: Analysis, names: Sequence[str] = (), top: int | None = None
) -> list[ComponentRisk]:
    """The components to write specs for: named ones, else the ``top`` riskiest, else critical and high."""
    known = {c.name for c in analysis.components}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"--component {unknown[0]}: no such component; riskmap found: "
                         + ", ".join(sorted(known)[:20]))
    return select_components(analysis.components, names, top)


#: What a new draft is called when a person's edited file stands where it would go.
DRAFT_SUFFIX = ".riskmap-draft"


@dataclass(frozen=True, slots=True)
class SpecFile:
    """One spec file riskmap wrote, or kept, and what it did."""

    path: Path
    action: str  # "wrote", "updated", "unchanged", "replaced" (with --force) or "kept" (the edit)
    draft: Path | None = None  # where the new draft went when ``path`` was kept


def default_spec_folder(style: SpecStyle) -> Path:
    """Where specs go when no ``--out`` is given: ``.kiro/specs`` (Kiro) or ``specs`` (spec-kit)."""
    return Path(".kiro/specs" if style == SpecStyle.kiro else "specs")


def write_specs(
    analysis: Analysis, chosen: Sequence[ComponentRisk], style: SpecStyle, folder: Path,
    templates: Path | None = None, force: bool = False,
) -> list[SpecFile]:
    """Write the spec drafts of the chosen components into ``folder``, never over a person's edits.

    A file riskmap wrote and nobody changed since is replaced by the new draft. A file a person
    edited (or wrote) is kept, and the new draft goes beside it as ``NAME.riskmap-draft.md``, unless
    ``force`` replaces it. spec-kit features keep their number from an earlier run; new ones are
    numbered after the highest number already in ``folder``.
    """
    check_templates(templates)
    drafts = build_specs(analysis, chosen)
    numbers = feature_numbers(folder, [draft.slug for draft in drafts]) if style == SpecStyle.spec_kit else {}
    rendered = SpecRenderer(style, templates).render(drafts, numbers)
    return [_write_spec(folder / relative, stamp(content), force) for relative, content in rendered.items()]


def feature_numbers(folder: Path, slugs: Sequence[str]) -> dict[str, int]:
    """spec-kit feature numbers: a slug that has an ``NNN-slug`` folder keeps NNN; new ones follow the highest."""
    existing: dict[str, int] = {}
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            found = re.fullmatch(r"(\d{3,})-(.+)", child.name)
            if found and child.is_dir():
                existing.setdefault(found.group(2), int(found.group(1)))
    following = max(existing.values(), default=0)
    numbers = {}
    for slug in slugs:
        if slug in existing:
            numbers[slug] = existing[slug]
        else:
            following += 1
            numbers[slug] = following
    return numbers


def _write_spec(path: Path, content: bytes, force: bool) -> SpecFile:
    if not path.exists():
        write_bytes(path, content)
        return SpecFile(path, "wrote")
    current = path.read_bytes()
    if current == content:
        return SpecFile(path, "unchanged")
    if is_untouched(current):
        write_bytes(path, content)
        return SpecFile(path, "updated")
    if force:
        write_bytes(path, content)
        return SpecFile(path, "replaced")
    draft = path.with_name(path.stem + DRAFT_SUFFIX + path.suffix)
    write_bytes(draft, content)
    return SpecFile(path, "kept", draft)


def write_records(results: Sequence[FileResult], output: str | Path) -> int:
    """Write every record read, severity normalised, as JSON Lines to ``output`` (``-``: stdout); return how many."""
    lines = [RECORD_ADAPTER.dump_json(normalise(record)) for result in results for record in result.records]
    write_bytes(output, b"".join(line + b"\n" for line in lines))
    return len(lines)


def starter_config_target(repo: Path, output: Path | None) -> Path:
    """Where ``riskmap init`` writes: ``output``, else REPO/pyproject.toml if there is one, else REPO/riskmap.toml."""
    if output is not None:
        return output
    return repo / "pyproject.toml" if (repo / "pyproject.toml").is_file() else repo / "riskmap.toml"


def write_starter_config(
    repo: Path, output: Path | None = None, force: bool = False
) -> tuple[Path, list[StarterComponent]]:
    """Read a Python repository and write a starter config of its components; return the file and the components."""
    components = starter_components(scan_repo(repo))
    target = starter_config_target(repo, output)
    write_bytes(target, starter_config(target, components, force).encode("utf-8"))
    return target, components


def mine_log(log: Path, keep_lines: bool = False, progress: Progress = SILENT) -> MinedLog:
    """Group a log's lines by template, for ``riskmap templates``; a folder or a missing file is refused."""
    if log.is_dir() or not log.exists():
        raise UsageError(f"{log}: {'is a folder' if log.is_dir() else 'no such file'}")
    progress.start_file(log)
    return mine_file(log, keep_lines, progress)


def write_template_lines(mined: MinedLog, output: str | Path) -> None:
    """Write ``line,template_id,template`` for every line of a log mined with ``keep_lines`` (``-``: stdout)."""
    write_bytes(output, template_lines_csv(template_rows(mined)))
