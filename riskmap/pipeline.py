"""riskmap's use cases as plain functions: read and analyse inputs, write reports and specs, apply gates.

The command line (``cli.py``) parses options, calls these and prints what they return; a program
that embeds riskmap calls them directly. Each takes a :class:`~riskmap.progress.Progress` to tell
how long work goes, and none of them prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from riskmap.analyze import analyze, normalise
from riskmap.analyze.baseline import Baseline, compare, parse_baseline, scored_identity
from riskmap.analyze.owners import parse_codeowners, with_owners
from riskmap.analyze.specs import build_specs, select_components
from riskmap.config import Config, find_config, load_config
from riskmap.engine import DaskEngine
from riskmap.errors import OutputError, UsageError
from riskmap.history import ComponentScore, RecordSeen, Run, append_run, read_runs
from riskmap.ingest import read_input, refuse_non_log
from riskmap.ingest.logs import MinedLog, mine_file, template_rows
from riskmap.ingest.remote import is_url
from riskmap.ingest.sentry import link_issue_ids
from riskmap.models import (
    RECORD_ADAPTER,
    Analysis,
    ComponentRisk,
    FileResult,
    InputSummary,
    ScoredRecord,
    Severity,
    Skipped,
    Source,
    Status,
    Tier,
)
from riskmap.progress import SILENT, Progress
from riskmap.render import Renderer, rendered, user_template_errors, write_bytes
from riskmap.render.codequality import CodeQualityRenderer
from riskmap.render.data import build_report, iso
from riskmap.render.html import HtmlRenderer
from riskmap.render.json_report import JsonRenderer
from riskmap.render.markdown import MarkdownRenderer
from riskmap.render.sarif import SarifRenderer
from riskmap.render.specs import SpecRenderer, SpecStyle, is_untouched, stamp
from riskmap.render.starter_config import starter_config
from riskmap.render.templates_csv import template_lines_csv
from riskmap.repo import RepoMap, StarterComponent, scan_repo, starter_components
from riskmap.text import plural


class ReportKind(StrEnum):
    """The report files ``riskmap analyze`` can write, in the order they are written."""

    html = "html"
    md = "md"
    json = "json"
    sarif = "sarif"
    codequality = "codequality"


@dataclass(frozen=True, slots=True)
class AnalysisRun:
    """What reading and analysing the inputs gave: each input's result, the analysis, the config used."""

    results: list[FileResult]
    analysis: Analysis
    config: Config
    #: The ``--repo`` read, if any (its files give components their CODEOWNERS owners).
    repo: RepoMap | None = None
    #: The engine that read the inputs, as report.json's ``engine`` entry; None for the default one.
    engine: dict[str, Any] | None = None

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


#: The characters of a shell glob: an input holding one is a pattern the shell matched to no file.
GLOB_CHARS = frozenset("*?[")
_FLAG_WORDS = {"true", "false", "yes", "no", "on", "off", "0", "1"}


def input_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input (a folder, no such file, a glob that matched nothing), or None."""
    if path.is_dir():
        return f"is a folder; pass the files in it (for example {path}/*.json)"
    if path.exists():
        return None
    if GLOB_CHARS & set(str(path)):
        return "matched no file (the shell passed the pattern on as it was)"
    hint = (f" ({path.name} looks like a value, but riskmap's on/off options are flags that take none)"
            if path.name.lower() in _FLAG_WORDS else "")
    return f"no such file{hint}"


def unreadable_input(path: Path, problem: str) -> FileResult:
    """The result of an input that could not be opened: an input error naming it, one item skipped."""
    skipped = Skipped(source=Source(format="unknown", path=str(path)), reason=problem)
    summary = InputSummary(path=str(path), format="unknown", skipped=1, error=f"{path}: {problem}")
    return FileResult(summary, [], [skipped])


def read_inputs(
    inputs: Sequence[Path], config: Config, format_name: str | None = None, progress: Progress = SILENT
) -> list[FileResult]:
    """Read every input; one that cannot be read (missing, a folder, malformed) gives a result carrying its
    error, and the others are read."""
    return read_inputs_on(None, inputs, config, format_name, progress)[0]


def as_inputs(names: Iterable[str | Path]) -> list[Path | str]:
    """The inputs named on the command line: a URL (``s3://bucket/app.log``, ``memory://...``) stays text,
    read through fsspec (:mod:`riskmap.ingest.remote`); anything else is a local path."""
    return [name if isinstance(name, str) and is_url(name) else Path(name) for name in names]


def read_inputs_on(
    engine: DaskEngine | None, inputs: Sequence[Path | str], config: Config, format_name: str | None = None,
    progress: Progress = SILENT, *, judge: bool = False,
) -> tuple[list[FileResult], dict[str, Any] | None]:
    """Read every input (a local path, or a URL as text) in this process (``engine`` None) or on Dask, in
    input order; and the engine's report entry (None for this process). The results are the same either way,
    but for Dask's judgements (``judge``: what the analysis decides of each record alone, made while the
    inputs are read)."""
    problems = {path: None if isinstance(path, str) else input_problem(path) for path in inputs}
    readable = [path for path in inputs if problems[path] is None]
    engine_entry = None
    if engine is None:
        read = []
        for path in readable:
            progress.start_file(Path(path))
            read.append(read_input(path, config, format_name, progress))
    else:
        read, engine_entry = engine.read(readable, config, format_name, progress, judge=judge)
    by_path = iter(read)
    results = [unreadable_input(path, problem) if isinstance(path, Path) and (problem := problems[path]) is not None
               else next(by_path) for path in inputs]
    return link_issue_ids(results), engine_entry


def read_repository(repo: Path | None, progress: Progress = SILENT) -> RepoMap | None:
    """The scanned repository named by ``--repo``, if any."""
    if repo is None:
        return None
    progress.stage(f"reading the code in {repo}")
    return scan_repo(repo)


def analyse(
    inputs: Sequence[Path | str],
    config: Config,
    *,
    format_name: str | None = None,
    as_of: datetime | None = None,
    repo: RepoMap | None = None,
    progress: Progress = SILENT,
    engine: DaskEngine | None = None,
) -> AnalysisRun:
    """Read (in this process, or on Dask with ``engine``) and analyse the inputs: the part every command
    that reports shares."""
    results, engine_entry = read_inputs_on(engine, inputs, config, format_name, progress, judge=True)
    progress.stage(f"analysing {sum(len(r.records) for r in results):,} records")
    return AnalysisRun(results, analyze(results, config, as_of, repo), config, repo, engine_entry)


def renderers(templates: Path | None) -> dict[ReportKind, Renderer]:
    """The renderer of every report kind, over the user's templates (if any) and riskmap's own."""
    check_templates(templates)
    return {ReportKind.html: HtmlRenderer(templates), ReportKind.md: MarkdownRenderer(templates),
            ReportKind.json: JsonRenderer(), ReportKind.sarif: SarifRenderer(),
            ReportKind.codequality: CodeQualityRenderer()}


def check_templates(templates: Path | None) -> None:
    """Refuse a ``--templates`` that is not a folder."""
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {templates}: not a folder")


def write_reports(
    run: AnalysisRun, kinds: Iterable[ReportKind], out_dir: Path, templates: Path | None = None,
    progress: Progress = SILENT, *, gate: GateResult | None = None, trend: Sequence[dict[str, Any]] = (),
) -> tuple[dict[str, Any], list[Path]]:
    """Build the report data once and write each chosen report into ``out_dir``; return the data and the files.

    ``gate`` (the ``--fail-on`` result) and ``trend`` (the runs of ``--history``) go into the report data.
    """
    chosen = set(kinds)
    report = build_report(run.analysis, run.config, gate=gate.as_data() if gate else None, trend=trend)
    if run.engine is not None:
        report["engine"] = run.engine
    written = []
    for kind, renderer in renderers(templates).items():
        if kind in chosen:
            target = out_dir / renderer.filename
            progress.stage(f"writing {target}")
            with user_template_errors(templates):
                write_bytes(target, rendered(renderer, report))
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
    with user_template_errors(templates):
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
    """Group a log's lines by template, for ``riskmap templates``; a folder, a missing file and what is no
    log (binary data, a tracker export, a test report, a JSON document) are refused."""
    if log.is_dir() or not log.exists():
        raise UsageError(f"{log}: {'is a folder' if log.is_dir() else 'no such file'}")
    refuse_non_log(log)
    progress.start_file(log)
    return mine_file(log, keep_lines, progress)


def write_template_lines(mined: MinedLog, output: str | Path) -> None:
    """Write ``line,template_id,template`` for every line of a log mined with ``keep_lines`` (``-``: stdout)."""
    write_bytes(output, template_lines_csv(template_rows(mined)))


# ---- riskmap in CI: baseline, owners, gates, history, job summary -------------------------------


def read_baseline(path: Path) -> Baseline:
    """The ``--baseline`` report.json, read and parsed; a missing or foreign file is a usage error."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"--baseline {path}: cannot read: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"--baseline {path}: not JSON ({exc})") from None
    return parse_baseline(data, str(path))


def apply_baseline(run: AnalysisRun, baseline: Path | None) -> AnalysisRun:
    """The run with every record's change and component's score before, against ``baseline`` (if any)."""
    if baseline is None:
        return run
    return replace(run, analysis=compare(run.analysis, read_baseline(baseline)))


#: Where GitHub looks for a CODEOWNERS file, in its order.
CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


def find_codeowners(path: Path | None, repo: Path | None) -> Path | None:
    """The CODEOWNERS file: the one named, else the first of CODEOWNERS_PLACES in ``repo``, else none."""
    if path is not None:
        if not path.is_file():
            raise UsageError(f"--codeowners {path}: no such file")
        return path
    if repo is None:
        return None
    return next((repo / place for place in CODEOWNERS_PLACES if (repo / place).is_file()), None)


def apply_owners(run: AnalysisRun, codeowners: Path | None) -> AnalysisRun:
    """The run with each component's owners from ``codeowners`` (if any)."""
    if codeowners is None:
        return run
    try:
        rules = parse_codeowners(codeowners.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise UsageError(f"--codeowners {codeowners}: cannot read: {exc.strerror}") from None
    modules = {module.module: module.path for module in run.repo.modules.values()} if run.repo else None
    return replace(run, analysis=with_owners(run.analysis, rules, modules))


@dataclass(frozen=True, slots=True)
class Gate:
    """The ``--fail-on`` rules: a tier any component may not reach, a severity no new record may have."""

    tier: Tier | None = None
    new_severity: Severity | None = None

    @property
    def rules(self) -> list[str]:
        """The rules as given on the command line."""
        return ([self.tier.value] if self.tier else []) + (
            [f"new:{self.new_severity.value}"] if self.new_severity else [])


def parse_gate(values: Sequence[str]) -> Gate:
    """``--fail-on`` values: a tier (critical, high, medium, low) and/or ``new:SEVERITY``."""
    tier, severity = None, None
    for value in (part for given in values for part in given.split(",") if part.strip()):
        name = value.strip().lower()
        try:
            if name.startswith("new:"):
                severity = Severity(name.removeprefix("new:"))
            else:
                tier = Tier(name)
        except ValueError:
            raise UsageError(f"--fail-on {value}: expected a tier ({', '.join(Tier)}) or new:SEVERITY "
                             f"({', '.join(Severity)})") from None
    return Gate(tier, severity)


@dataclass(frozen=True, slots=True)
class GateResult:
    """What the gate found: the components at or over its tier, the new or regressed records at or over its
    severity, and notes (a ``new:`` rule without a baseline is not applied)."""

    gate: Gate
    components: list[ComponentRisk]
    records: list[ScoredRecord]
    notes: list[str]

    @property
    def tripped(self) -> bool:
        """Whether the run fails the gate."""
        return bool(self.components or self.records)

    def reasons(self, shown: int = 5) -> list[str]:
        """One line per rule that tripped, naming what tripped it (the first ``shown``, then how many more)."""
        lines = []
        if self.components and self.gate.tier:
            names = ", ".join(f"{c.name} ({c.tier.value}, {c.score:.1f})" for c in self.components[:shown])
            more = f" and {plural(len(self.components) - shown, 'more component')}" if len(
                self.components) > shown else ""
            lines.append(f"--fail-on {self.gate.tier.value}: {plural(len(self.components), 'component')} "
                         f"reached it: {names}{more}")
        if self.records and self.gate.new_severity:
            names = ", ".join(f"{r.id} ({r.change} {r.severity.value}, {r.component})" for r in self.records[:shown])
            more = f" and {plural(len(self.records) - shown, 'more record')}" if len(self.records) > shown else ""
            lines.append(f"--fail-on new:{self.gate.new_severity.value}: "
                         f"{plural(len(self.records), 'new or regressed record')} reached it: {names}{more}")
        return lines

    def as_data(self) -> dict[str, Any]:
        """The gate's result as report data (``gate`` in report.json)."""
        return {
            "fail_on": self.gate.rules,
            "passed": not self.tripped,
            "components": [c.name for c in self.components],
            "records": [r.id for r in self.records],
            "reasons": self.reasons(),
            "notes": self.notes,
        }


def check_gate(analysis: Analysis, gate: Gate) -> GateResult:
    """Apply the gate: components whose tier reaches ``gate.tier``; new or regressed records (against the
    baseline) whose severity reaches ``gate.new_severity``, riskiest first."""
    notes = []
    records: list[ScoredRecord] = []
    if gate.new_severity is not None:
        if analysis.baseline is None:
            notes.append(f"--fail-on new:{gate.new_severity.value} was not applied: without --baseline "
                         "nothing is known to be new")
        else:
            ranked = (analysis.records[i] for i in analysis.ranking)
            records = [r for r in ranked if r.change in ("new", "regressed") and r.severity.at_least(gate.new_severity)]
    return GateResult(gate, tripped(analysis.components, gate.tier), records, notes)


#: Environment variables of GitHub Actions and GitLab CI kept with a run in the history.
CI_VARIABLES = (
    "GITHUB_REPOSITORY", "GITHUB_REF_NAME", "GITHUB_SHA", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER", "GITHUB_EVENT_NAME",
    "CI_PROJECT_PATH", "CI_COMMIT_REF_NAME", "CI_COMMIT_SHA", "CI_PIPELINE_ID", "CI_JOB_ID",
    "CI_MERGE_REQUEST_IID",
)


def ci_metadata(environ: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """The git commit (GITHUB_SHA, CI_COMMIT_SHA or RISKMAP_COMMIT) and the CI variables that are set."""
    commit = environ.get("GITHUB_SHA") or environ.get("CI_COMMIT_SHA") or environ.get("RISKMAP_COMMIT") or None
    return commit, {name: environ[name] for name in CI_VARIABLES if environ.get(name)}


#: How many components the trend follows: the riskiest of the latest run.
TREND_COMPONENTS = 5


def record_history(
    history: Path, analysis: Analysis, environ: Mapping[str, str], recorded_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Append this run to the history file and return the trend: one entry per run, oldest first.

    The wall clock is stored with the run (``riskmap history`` lists it) but is not in the trend,
    so the reports stay the same for the same inputs and history.
    """
    commit, ci = ci_metadata(environ)
    diff = analysis.baseline
    current = Run(
        as_of=iso(analysis.as_of), commit=commit, ci=ci, baseline=diff.path if diff else None,
        total=round(sum(c.score for c in analysis.components), 4), records=len(analysis.records),
        open=sum(1 for r in analysis.records if r.status != Status.resolved),
        by_tier={t.value: sum(1 for c in analysis.components if c.tier == t) for t in Tier},
        new=len(diff.new) if diff else None, fixed=len(diff.fixed) if diff else None,
        regressed=len(diff.regressed) if diff else None,
        components=tuple(ComponentScore(c.name, c.layer.value, c.score, c.tier.value) for c in analysis.components),
    )
    seen = [RecordSeen(scored_identity(r), r.id, r.severity.value, r.status.value, r.change) for r in analysis.records]
    moment = recorded_at or datetime.now(UTC)
    append_run(history, current, seen, iso(moment) or "")
    return trend(read_runs(history, [c.name for c in analysis.components[:TREND_COMPONENTS]]))


def trend(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """The runs as report data (``trend`` in report.json), without the wall-clock time they were recorded."""
    return [
        {"run": run.id, "as_of": run.as_of, "commit": run.commit, "ci": run.ci, "total": run.total,
         "records": run.records, "open": run.open, "by_tier": run.by_tier, "new": run.new, "fixed": run.fixed,
         "regressed": run.regressed, "components": {c.name: c.score for c in run.components}}
        for run in runs
    ]


def history_runs(history: Path) -> list[Run]:
    """Every run of a history file, oldest first, for ``riskmap history``."""
    if not history.exists():
        raise UsageError(f"{history}: no such file")
    return read_runs(history, [])


def append_job_summary(report: dict[str, Any], environ: Mapping[str, str], templates: Path | None = None
                       ) -> Path | None:
    """Append report.md to the file ``$GITHUB_STEP_SUMMARY`` names (GitHub's job summary); None when unset."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with user_template_errors(templates):
        summary = MarkdownRenderer(templates).render(report)
    try:
        with path.open("ab") as handle:
            handle.write(summary + b"\n")
    except OSError as exc:
        raise OutputError(f"$GITHUB_STEP_SUMMARY {path}: cannot write: {exc.strerror}") from None
    return path
