"""The command line: parse options, call the pipeline, print what it did, exit with a documented code.

Exit codes: 0 all inputs read and reports written; 1 some input was missing or could not be read
(the reports cover the rest); 2 a usage, config or output error; 3 ``--fail-on`` was reached (it
wins over 1; both are said); 130 interrupted.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup, TyperOption

from riskmap import __version__, pipeline
from riskmap.analyze import MISSING
from riskmap.config import Config
from riskmap.engine import DaskEngine
from riskmap.errors import InputError, RiskmapError, UsageError
from riskmap.ingest import INGESTERS
from riskmap.ingest.logs import top_templates
from riskmap.models import FileResult
from riskmap.pipeline import ReportKind
from riskmap.render.specs import SpecStyle
from riskmap.text import plural

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE, EXIT_FAIL_ON = 0, 1, 2, 3


class Engine(StrEnum):
    """Where the inputs are read: this process, or a Dask cluster."""

    local = "local"
    dask = "dask"


def _engine(engine: Engine, scheduler: str | None, workers: int) -> DaskEngine | None:
    """The engine the options ask for (None: this process); --scheduler and --workers only with dask."""
    if engine is Engine.local:
        if scheduler is not None:
            raise UsageError("--scheduler needs --engine dask")
        return None
    return DaskEngine(scheduler=scheduler, workers=workers)


def _as_flags(params: list[Any]) -> None:
    """On/off options take no value: show them in --help as flags, without a ``<bool>`` type."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""


class _FlagsHelp:
    """A command or group whose --help shows flags as flags."""

    params: list[Any]

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        option: TyperOption | None = super().get_help_option(ctx)  # type: ignore[misc]
        _as_flags([option, *self.params])
        return option


class _Command(_FlagsHelp, TyperCommand):
    """A riskmap command."""


class _Group(_FlagsHelp, TyperGroup):
    """The riskmap command group."""


app = typer.Typer(
    name="riskmap",
    cls=_Group,
    help="Turn bug exports, error logs and failing tests into a risk heat map over your architecture.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def _out() -> Console:
    """The console for results; logs and pipes do not wrap, so there it is wide enough for long names."""
    return Console(highlight=False, soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else 120)


InputsArg = Annotated[
    list[str],
    typer.Argument(help="Input files: tracker and error-monitor exports (JSON, JSON Lines, CSV), test reports "
                   "(JUnit XML and others) and logs (text, JSON Lines, .gz); see `riskmap formats`. Also URLs "
                   "read through fsspec (s3://, gs://, abfs://, file:// ...) when its package is installed.",
                   show_default=False, metavar="INPUT"),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", metavar="FILE",
                 help="Config file (riskmap.toml or a pyproject.toml with \\[tool.riskmap]). "
                 "Default: the one in the current folder, if any."),
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="NAME", help="Read every input as this format instead of detecting it "
                 "(see `riskmap formats`)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
EngineOpt = Annotated[
    Engine,
    typer.Option("--engine", metavar="local|dask",
                 help="Where to read the inputs: in this process (local), or on Dask (needs the extra "
                 "riskmap\\[dask]): large logs (and, on an existing cluster, JSON Lines exports) are split into "
                 "parts read in parallel. The reports are the same; report.json says the engine."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", metavar="ADDRESS",
                 help="With --engine dask: the scheduler of an existing Dask cluster (tcp://host:8786). Default: "
                 "a local cluster of --workers processes."),
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", min=1, metavar="N", help="With --engine dask and no --scheduler: worker processes "
                      "of the local cluster.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also say which format and config were chosen, and why.")
]


def _version(value: bool) -> None:
    if value:
        _out().print(f"riskmap {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """riskmap: where in your architecture is the risk, and what do you fix first?"""


EXIT_CODES_HELP = (
    "Exit codes: 0 all inputs read; 1 some input was missing or could not be read (the reports cover the rest); "
    "2 usage, config or output error; 3 --fail-on reached (analyze; it wins over 1, and both are said)."
)


AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="The date recency is measured from (YYYY-MM-DD or ISO 8601). "
                 "Default: the newest timestamp in the data, never the clock."),
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option("--templates", metavar="DIR", help="Folder of jinja2 templates that override riskmap's own."),
]
SpecStyleOpt = Annotated[
    SpecStyle, typer.Option("--style", metavar="kiro|spec-kit", help="Spec format: Kiro or GitHub spec-kit.")
]
CountExcludedOpt = Annotated[
    bool,
    typer.Option("--count-excluded", help="Count the records that are no defect (feature requests, questions, "
                 "duplicates, won't fix ...) in the scores anyway; they are still marked with their reason."),
]
RepoOpt = Annotated[
    Path | None,
    typer.Option("--repo", metavar="DIR",
                 help="The service's repository: place paths and stack frames by what its code does "
                 "(handlers, domain, adapters), and report its layer violations."),
]


def _reports(values: list[str]) -> list[ReportKind]:
    """``-r md,json`` and ``-r md -r json`` alike: every named report, once, in the order given."""
    kinds: dict[ReportKind, None] = {}
    for value in values:
        for name in filter(None, (part.strip().lower() for part in value.split(","))):
            try:
                kinds[ReportKind(name)] = None
            except ValueError:
                raise typer.BadParameter(
                    f"{name!r} is not a report; choose from {', '.join(kind.value for kind in ReportKind)}"
                ) from None
    return list(kinds)


@app.command(cls=_Command,
             epilog="Example: riskmap analyze bugs.json --out report/ --fail-on critical\n\n"
             "In CI: riskmap analyze reports/*.xml bugs.json --baseline previous/report.json --history "
             "riskmap-history.db -r html,md,json,sarif --fail-on new:high --job-summary\n\n" + EXIT_CODES_HELP)
def analyze(
    inputs: InputsArg,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports.", metavar="DIR")] = Path(
        "riskmap-report"),
    reports: Annotated[
        list[str], typer.Option("--report", "-r", metavar="html|md|json|sarif|codequality", callback=_reports,
                                help="Which reports to write: comma-separated or repeated (-r md,json). sarif "
                                "writes report.sarif (SARIF 2.1.0, for GitHub code scanning), codequality "
                                "codequality.json (GitLab Code Quality).")
    ] = ["html", "md", "json"],
    specs: Annotated[
        bool, typer.Option("--specs", help="Also write spec drafts for the critical and high components "
                           "into OUT/specs (see `riskmap spec`).")
    ] = False,
    spec_style: SpecStyleOpt = SpecStyle.kiro,
    as_of: AsOfOpt = None,
    fail_on: Annotated[
        list[str] | None,
        typer.Option("--fail-on", metavar="TIER|new:SEVERITY",
                     help="Exit 3 when any component reaches this tier (critical, high, medium or low), or with "
                     "new:SEVERITY when a record new or regressed since --baseline has at least this severity "
                     "(critical, high, medium, low, info; not applied without --baseline). Repeat, or separate "
                     "with commas, for both."),
    ] = None,
    count_excluded: CountExcludedOpt = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", metavar="REPORT.json",
                     help="An earlier run's report.json (the previous CI artifact, or main's): mark every record "
                     "new, unchanged, updated or regressed, and list what was fixed."),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", metavar="FILE",
                     help="A riskmap history (SQLite, created if missing): append this run to it and add the "
                     "trend over its runs to the reports. See `riskmap history`."),
    ] = None,
    codeowners: Annotated[
        Path | None,
        typer.Option("--codeowners", metavar="FILE",
                     help="A CODEOWNERS file: give each component its owners. Default: CODEOWNERS, "
                     ".github/CODEOWNERS or docs/CODEOWNERS in --repo."),
    ] = None,
    job_summary: Annotated[
        bool, typer.Option("--job-summary", help="Also append report.md to the file $GITHUB_STEP_SUMMARY names "
                           "(the GitHub Actions job summary), when it is set.")
    ] = False,
    repo: RepoOpt = None,
    config_file: ConfigOpt = None,
    format_name: FormatOpt = None,
    templates: TemplatesOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse the inputs and write report.html, report.md and report.json (and SARIF, Code Quality)."""
    gate = pipeline.parse_gate(fail_on or [])
    owners_file = pipeline.find_codeowners(codeowners, repo)
    with _Progress(quiet) as progress:
        run = _analyse(pipeline.as_inputs(inputs), config_file, format_name, as_of, templates, repo, progress, quiet,
                       verbose, count_excluded, _engine(engine, scheduler, workers))
        run = pipeline.apply_owners(pipeline.apply_baseline(run, baseline), owners_file)
        result = pipeline.check_gate(run.analysis, gate)
        trend = pipeline.record_history(history, run.analysis, os.environ) if history is not None else []
        report, written = pipeline.write_reports(run, [ReportKind(r) for r in reports], out_dir, templates, progress,
                                                 gate=result if gate.rules else None, trend=trend)
        summary = pipeline.append_job_summary(report, os.environ, templates) if job_summary else None
        spec_files = (pipeline.write_specs(run.analysis, pipeline.choose_components(run.analysis), spec_style,
                                           out_dir / "specs", templates) if specs else [])
    if not quiet:
        _print_summary(report, written)
        if summary is not None:
            _out().print(f"appended report.md to {summary}", markup=False)
        _print_specs(spec_files)
    for note in result.notes:
        err.print(f"riskmap: warning: {note}", markup=False)
    if result.tripped:
        for reason in result.reasons():
            err.print(f"riskmap: {reason}", markup=False)
        if run.failed:
            err.print("riskmap: some input could not be read as well (exit code 1); the gate's exit code 3 wins",
                      markup=False)
        raise typer.Exit(EXIT_FAIL_ON)
    raise typer.Exit(EXIT_INPUT_FAILED if run.failed else EXIT_OK)


@app.command(cls=_Command, epilog="Example: riskmap history riskmap-history.db --json\n\n"
             "Exit codes: 0 listed; 2 no such file, or not a riskmap history.")
def history(
    file: Annotated[Path, typer.Argument(help="A history written by riskmap analyze --history.", show_default=False,
                                         metavar="FILE")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON instead of a table.")] = False,
) -> None:
    """List the runs of a riskmap history: when, as of, commit, CI run, total risk, tiers and changes."""
    runs = pipeline.history_runs(file)
    out = _out()
    if as_json:
        data = [{"run": r.id, "recorded_at": r.recorded_at, "as_of": r.as_of, "commit": r.commit, "ci": r.ci,
                 "baseline": r.baseline, "total": r.total, "records": r.records, "open": r.open,
                 "by_tier": r.by_tier, "new": r.new, "fixed": r.fixed, "regressed": r.regressed} for r in runs]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(title=Text(f"riskmap: {file} ({plural(len(runs), 'run')})"), title_justify="left")
    for column in ("run", "recorded", "as of", "commit", "CI run", "total", "records", "open", "critical", "high",
                   "new", "fixed", "regressed"):
        table.add_column(column, overflow="fold")
    for r in runs:
        ci_run = r.ci.get("GITHUB_RUN_ID") or r.ci.get("CI_PIPELINE_ID") or ""
        table.add_row(str(r.id), _minute(r.recorded_at), _minute(r.as_of or ""), Text((r.commit or "")[:12]),
                      Text(ci_run), f"{r.total:.1f}", str(r.records), str(r.open),
                      str(r.by_tier.get("critical", 0)), str(r.by_tier.get("high", 0)),
                      *("" if v is None else str(v) for v in (r.new, r.fixed, r.regressed)))
    out.print(table)


@app.command(cls=_Command, epilog="Example: riskmap spec bugs.json --top 3 --style spec-kit\n\n" + EXIT_CODES_HELP)
def spec(
    inputs: InputsArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", metavar="DIR",
                                     help="Folder for the specs. Default: .kiro/specs (Kiro) or specs (spec-kit).")
    ] = None,
    style: SpecStyleOpt = SpecStyle.kiro,
    top: Annotated[
        int | None, typer.Option("--top", min=1, metavar="N", help="Specs for the N riskiest components.")
    ] = None,
    components: Annotated[
        list[str] | None, typer.Option("--component", metavar="NAME",
                                          help="A spec for this component (repeat for several).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace spec files a person has edited. Without it an edited file "
                           "is kept and the new draft is written beside it as NAME.riskmap-draft.md.")
    ] = False,
    as_of: AsOfOpt = None,
    count_excluded: CountExcludedOpt = False,
    repo: RepoOpt = None,
    config_file: ConfigOpt = None,
    format_name: FormatOpt = None,
    templates: TemplatesOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write spec drafts for the riskiest components (default: those tiered critical or high)."""
    with _Progress(quiet) as progress:
        run = _analyse(pipeline.as_inputs(inputs), config_file, format_name, as_of, templates, repo, progress, quiet,
                       verbose, count_excluded, _engine(engine, scheduler, workers))
        chosen = pipeline.choose_components(run.analysis, components or (), top)
        folder = out_dir or pipeline.default_spec_folder(style)
        spec_files = pipeline.write_specs(run.analysis, chosen, style, folder, templates, force) if chosen else []
    if not quiet:
        if not chosen:
            _out().print("riskmap: no component is tiered critical or high; name one with --component, "
                         "or take the riskiest with --top N", markup=False)
        _print_specs(spec_files)
    raise typer.Exit(EXIT_INPUT_FAILED if run.failed else EXIT_OK)


def _analyse(
    inputs: Sequence[Path | str], config_file: Path | None, format_name: str | None, as_of: str | None,
    templates: Path | None, repo: Path | None, progress: _Progress, quiet: bool, verbose: bool,
    count_excluded: bool = False, engine: DaskEngine | None = None,
) -> pipeline.AnalysisRun:
    """Read and analyse the inputs, saying what was chosen with --verbose: what every reporting command shares.

    A severity word riskmap does not know is named once on stderr (it is scored as medium).
    """
    config = _config(config_file, verbose and not quiet)
    if count_excluded:
        config = config.model_copy(update={"count_excluded": True})
    moment = pipeline.parse_as_of(as_of)
    pipeline.check_templates(templates)
    repo_map = pipeline.read_repository(repo, progress)
    if repo_map is not None and verbose and not quiet:
        err.print(f"riskmap: {repo}: {plural(len(repo_map.modules), 'Python module')} read", markup=False)
    run = pipeline.analyse(inputs, config, format_name=format_name, as_of=moment, repo=repo_map, progress=progress,
                           engine=engine)
    _print_inputs(run.results, quiet, verbose)
    words = [word for word in run.analysis.unknown_severities if word != MISSING]
    if words and not quiet:
        err.print(f"riskmap: unknown severity {plural(len(words), 'word')} scored as medium (kept in severity_raw): "
                  + ", ".join(repr(word) for word in words[:10]) + (" ..." if len(words) > 10 else ""), markup=False)
    return run


def _print_specs(files: Sequence[pipeline.SpecFile]) -> None:
    out = _out()
    for file in files:
        if file.action == "kept":
            out.print(f"kept {file.path}: a person edited it; the new draft is {file.draft} (--force replaces it)",
                      markup=False)
        elif file.action == "replaced":
            out.print(f"replaced {file.path}, edits and all (--force)", markup=False)
        else:
            out.print(f"{file.action} {file.path}", markup=False)


@app.command(cls=_Command, epilog="Example: riskmap ingest bugs.json --output records.jsonl\n\n" + EXIT_CODES_HELP)
def ingest(
    inputs: InputsArg,
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FILE",
                          help="Where to write the records as JSON Lines; - for stdout.")
    ] = "-",
    config_file: ConfigOpt = None,
    format_name: FormatOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Read the inputs and write the normalised records, one JSON object per line."""
    config = _config(config_file, verbose and not quiet)
    chosen = _engine(engine, scheduler, workers)
    with _Progress(quiet) as progress:
        results, _ = pipeline.read_inputs_on(chosen, pipeline.as_inputs(inputs), config, format_name, progress)
    _print_inputs(results, quiet, verbose)
    count = pipeline.write_records(results, output)
    if not quiet:
        skipped = sum(len(r.skipped) for r in results)
        err.print(f"riskmap: {plural(count, 'record')} written to {output if output != '-' else 'stdout'}, "
                  f"{skipped:,} skipped", markup=False)
    raise typer.Exit(EXIT_INPUT_FAILED if any(r.summary.error for r in results) else EXIT_OK)


@app.command(cls=_Command, epilog="Example: riskmap init --repo . (writes [tool.riskmap] into ./pyproject.toml)\n\n"
             "Exit codes: 0 written; 2 usage error, or a config exists already (use --force).")
def init(
    repo: Annotated[Path, typer.Option("--repo", metavar="DIR", help="The repository to read.")] = Path("."),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE",
                                     help="Write this file instead: a riskmap.toml, or a pyproject.toml to add "
                                     "[tool.riskmap] to. Default: REPO/pyproject.toml if it exists, else "
                                     "REPO/riskmap.toml.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing riskmap config.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Read a Python repository and write a starter config: its components, their layers and why."""
    target, components = pipeline.write_starter_config(repo, output, force)
    if not quiet:
        _out().print(f"wrote {plural(len(components), 'component')} to {target}", markup=False)
        for component in components:
            _out().print(f"  {component.layer.value:<12} {component.name}  ({component.why})", markup=False)


@app.command(cls=_Command, epilog="Example: riskmap templates app.log --output lines.csv --top 10\n\n"
             "Exit codes: 0 done; 1 the log could not be read, or is no log (binary data, a tracker export, "
             "a test report, a JSON document: riskmap analyze reads those); 2 usage or output error.")
def templates(
    log: Annotated[Path, typer.Argument(help="A log file: text (a known header layout, or one learned from its "
                                        "first lines), JSON Lines, "
                                        "or .gz.",
                                        show_default=False, metavar="LOGFILE")],
    output: Annotated[
        str | None, typer.Option("--output", "-o", metavar="FILE",
                                    help="Write line,template_id,template for every line of the log to this CSV "
                                    "file; - for stdout.")
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=0, metavar="N", help="Print the N most frequent templates. "
                                    "Default: 20 when there is no --output.")
    ] = None,
) -> None:
    """Group a log's lines by template (variable parts masked as <*>), to inspect the grouping."""
    try:
        with _Progress(quiet=False) as progress:
            mined = pipeline.mine_log(log, keep_lines=output is not None, progress=progress)
    except InputError as exc:
        err.print(f"riskmap: error: {exc}", markup=False)
        raise typer.Exit(EXIT_INPUT_FAILED) from None
    if output is not None:
        pipeline.write_template_lines(mined, output)
    count = top if top is not None else (0 if output is not None else 20)
    if count:
        table = Table(title=Text(f"riskmap: {log} ({plural(mined.entries, 'entry', 'entries')}, "
                                 f"{plural(len(mined.groups), 'template')}, {mined.layout.title} layout)"),
                      title_justify="left")
        table.add_column("entries", justify="right", overflow="fold")
        for column in ("id", "level", "template"):
            table.add_column(column, overflow="fold")
        for size, template_id, level, text in top_templates(mined, count):
            table.add_row(f"{size:,}", template_id, Text(level), Text(text))
        (err if output == "-" else _out()).print(table)


@app.command(cls=_Command, )
def formats() -> None:
    """List the input formats riskmap reads."""
    out = _out()
    width = max(len(ingester.name) for ingester in INGESTERS)
    for ingester in INGESTERS:
        out.print(f"{ingester.name:<{width}}  {ingester.summary}", markup=False)


def _config(path: Path | None, verbose: bool) -> Config:
    config, chosen = pipeline.find_settings(path, Path.cwd())
    if verbose:
        err.print(f"riskmap: config: {chosen or 'none found; the defaults'}", markup=False)
    return config


def _print_inputs(results: Sequence[FileResult], quiet: bool, verbose: bool) -> None:
    """An error line for every input that failed, and with --verbose the format chosen for the others."""
    for result in results:
        s = result.summary
        if s.error:
            err.print(f"riskmap: error: {s.error}", markup=False)
        elif verbose and not quiet:
            err.print(f"riskmap: {s.path}: format {s.format} ({s.detected_by}); "
                      f"{plural(s.records, 'record')}, {s.skipped:,} skipped", markup=False)


class _Progress:
    """riskmap's Progress drawn as a transient bar on stderr; only on a terminal, never with --quiet.

    While a file is read it shows the share of its bytes read (from the readers that stream) and
    the records so far; after that, the stage riskmap is in.
    """

    EVERY = 2000

    def __init__(self, quiet: bool) -> None:
        self._bar = None if quiet or not err.is_terminal else Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[note]}"),
            console=err, transient=True,
        )
        self._task = TaskID(0)
        self._count = 0

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("", total=None, note="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def stage(self, text: str) -> None:
        """Show what riskmap is doing now."""
        if self._bar is not None:
            self._bar.update(self._task, description=escape(text), total=None, completed=0, note="")

    def start_file(self, path: Path) -> None:
        """Start reading one input."""
        self._count = 0
        if self._bar is not None:
            size = path.stat().st_size if path.is_file() else None
            self._bar.update(self._task, description=escape(f"reading {path}"), total=size, completed=0, note="")

    def item(self) -> None:
        """Count one record read."""
        self._count += 1
        if self._bar is not None and self._count % self.EVERY == 0:
            self._bar.update(self._task, note=f"{self._count:,} records")

    def bytes_read(self, done: int, total: int) -> None:
        """Move the bar to the bytes read so far."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)


def _minute(stamp: str) -> str:
    """An ISO 8601 time as a table shows it: ``2026-11-30 10:04`` (UTC)."""
    return stamp[:16].replace("T", " ") if len(stamp) >= 16 and stamp[10:11] == "T" else stamp


def _print_summary(report: dict[str, Any], written: Sequence[Path]) -> None:
    out = _out()
    s = report["summary"]
    table = Table(title="riskmap: riskiest components", title_justify="left")
    for column in ("#", "component", "layer", "tier", "score", "records", "open"):
        table.add_column(column, justify="left" if column in ("component", "layer", "tier") else "right")
    for index, c in enumerate(report["components"][:10], start=1):
        table.add_row(str(index), Text(c["name"]), c["layer"], c["tier"], f"{c['score']:.1f}",
                      str(c["records"]), str(c["open_records"]))
    out.print(table)
    if len(report["components"]) > 10:
        out.print(f"... and {plural(len(report['components']) - 10, 'more component')} in the reports")
    out.print(
        f"{plural(s['records'], 'record')}, {s['skipped']:,} skipped, from {plural(s['inputs'], 'input')}"
        + (f"; not counted: {', '.join(f'{n:,} {reason}' for reason, n in s['excluded'].items())}"
           if s["excluded"] else "")
        + (f"; {s['merged']:,} merged" if s["merged"] else "")
        + (f" ({s['failed_inputs']} failed)" if s["failed_inputs"] else "")
        + (f"; as of {report['as_of']}" if report["as_of"] else ""),
        markup=False,
    )
    for path in written:
        out.print(f"wrote {path}", markup=False)


def main() -> None:
    """Entry point of the ``riskmap`` command: run the app, turning user errors into one line."""
    # A run builds millions of small objects that live to its end and form no reference cycles (a test checks
    # that the cycles left do not grow with the records), so the cyclic collector would only scan them.
    gc.disable()
    try:
        app()
    except RiskmapError as exc:
        err.print(f"riskmap: error: {exc}", markup=False)
        sys.exit(EXIT_USAGE if isinstance(exc, UsageError) else exc.exit_code)
    except KeyboardInterrupt:
        err.print("riskmap: interrupted")
        sys.exit(130)
