"""The command line: parse options, run ingest → analyze → render, print, exit.

Exit codes: 0 all inputs read and reports written; 1 some input could not be read (the reports
cover the rest); 2 a usage, config or output error; 3 ``--fail-on`` was reached; 130 interrupted.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table
from rich.text import Text

from riskmap import __version__
from riskmap.analyze import analyze as run_analysis
from riskmap.analyze import normalise
from riskmap.analyze.specs import build_specs, select_components
from riskmap.config import Config, find_config, load_config
from riskmap.errors import InputError, RiskmapError, UsageError
from riskmap.ingest import INGESTERS, FileResult, read_input
from riskmap.ingest.jsondoc import progress_hook
from riskmap.ingest.logs import mine_file
from riskmap.models import RECORD_ADAPTER, Analysis, ComponentRisk, Tier
from riskmap.render import write_bytes
from riskmap.render.starter_config import starter_config
from riskmap.repo import scan_repo, starter_components
from riskmap.render.data import build_report
from riskmap.render.html import HtmlRenderer
from riskmap.render.json_report import JsonRenderer
from riskmap.render.markdown import MarkdownRenderer
from riskmap.render.specs import SpecRenderer, SpecStyle
from riskmap.render.templates_csv import lines_csv, top_templates

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE, EXIT_FAIL_ON = 0, 1, 2, 3
TIER_ORDER = [Tier.low, Tier.medium, Tier.high, Tier.critical]

app = typer.Typer(
    name="riskmap",
    help="Turn bug exports, error logs and failing tests into a risk heat map over your architecture.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Console:
    """The console for results; logs and pipes do not wrap, so there it is wide enough for long names."""
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)


class ReportKind(StrEnum):
    """The report files ``riskmap analyze`` can write."""

    html = "html"
    md = "md"
    json = "json"


InputsArg = Annotated[
    list[Path],
    typer.Argument(help="Input files: tracker and error-monitor exports (JSON, JSON Lines, CSV), test reports (JUnit XML and others) and logs (text, JSON Lines, .gz); see `riskmap formats`.", show_default=False, metavar="INPUT"),
]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Config file (riskmap.toml or a pyproject.toml with \\[tool.riskmap]). "
                 "Default: the one in the current folder, if any."),
]
FormatOpt = Annotated[
    Optional[str],
    typer.Option("--format", "-f", help="Read every input as this format instead of detecting it "
                 "(see `riskmap formats`)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Also say which format and config were chosen, and why.")]


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
    "Exit codes: 0 all inputs read; 1 some input could not be read (the reports cover the rest); "
    "2 usage, config or output error; 3 --fail-on reached (analyze)."
)


AsOfOpt = Annotated[
    Optional[str],
    typer.Option("--as-of", help="The date recency is measured from (YYYY-MM-DD or ISO 8601). "
                 "Default: the newest timestamp in the data, never the clock."),
]
TemplatesOpt = Annotated[
    Optional[Path], typer.Option("--templates", help="Folder of jinja2 templates that override riskmap's own.")
]
SpecStyleOpt = Annotated[SpecStyle, typer.Option("--style", help="Spec format: Kiro or GitHub spec-kit.")]
RepoOpt = Annotated[
    Optional[Path],
    typer.Option("--repo", help="The service's repository: place paths and stack frames by what its code does "
                 "(handlers, domain, adapters), and report its layer violations."),
]


@app.command(epilog="Example: riskmap analyze bugs.json --out report/ --fail-on critical\n\n" + EXIT_CODES_HELP)
def analyze(
    inputs: InputsArg,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports.")] = Path("riskmap-report"),
    reports: Annotated[
        list[ReportKind], typer.Option("--report", "-r", help="Which reports to write (repeat for several).")
    ] = [ReportKind.html, ReportKind.md, ReportKind.json],  # noqa: B006 - typer reads defaults
    specs: Annotated[
        bool, typer.Option("--specs", help="Also write spec drafts for the critical and high components "
                           "into OUT/specs (see `riskmap spec`).")
    ] = False,
    spec_style: SpecStyleOpt = SpecStyle.kiro,
    as_of: AsOfOpt = None,
    fail_on: Annotated[
        Optional[Tier],
        typer.Option("--fail-on", help="Exit 3 when any component reaches this tier (for CI gates)."),
    ] = None,
    repo: RepoOpt = None,
    config_file: ConfigOpt = None,
    format_name: FormatOpt = None,
    templates: TemplatesOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse the inputs and write report.html, report.md and report.json."""
    renderers = {
        ReportKind.json: JsonRenderer(),
        ReportKind.md: MarkdownRenderer(templates),
        ReportKind.html: HtmlRenderer(templates),
    }
    written = []
    with _Progress(quiet) as progress:
        results, analysis, config = _analyse(inputs, config_file, format_name, as_of, templates, repo, progress,
                                             quiet, verbose)
        report = build_report(analysis, config)
        for kind in ReportKind:
            if kind in reports:
                renderer = renderers[kind]
                target = out_dir / renderer.filename
                progress.say(f"writing {target}")
                write_bytes(target, renderer.render(report))
                written.append(target)
        if specs:
            written += _write_specs(analysis, select_components(analysis.components), spec_style,
                                    out_dir / "specs", templates)
    if not quiet:
        _print_summary(report, written)
    failed = any(result.summary.error for result in results)
    if fail_on is not None and any(
        TIER_ORDER.index(Tier(c["tier"])) >= TIER_ORDER.index(fail_on) for c in report["components"]
    ):
        if not quiet:
            err.print(f"riskmap: a component reached tier {fail_on.value} (--fail-on)")
        raise typer.Exit(EXIT_FAIL_ON)
    raise typer.Exit(EXIT_INPUT_FAILED if failed else EXIT_OK)


@app.command(epilog="Example: riskmap spec bugs.json --top 3 --style spec-kit\n\n" + EXIT_CODES_HELP)
def spec(
    inputs: InputsArg,
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Folder for the specs. Default: .kiro/specs (Kiro) or specs (spec-kit).")
    ] = None,
    style: SpecStyleOpt = SpecStyle.kiro,
    top: Annotated[
        Optional[int], typer.Option("--top", min=1, help="Specs for the N riskiest components.")
    ] = None,
    components: Annotated[
        Optional[list[str]], typer.Option("--component", help="A spec for this component (repeat for several).")
    ] = None,
    as_of: AsOfOpt = None,
    repo: RepoOpt = None,
    config_file: ConfigOpt = None,
    format_name: FormatOpt = None,
    templates: TemplatesOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write spec drafts for the riskiest components (default: those tiered critical or high)."""
    with _Progress(quiet) as progress:
        results, analysis, _ = _analyse(inputs, config_file, format_name, as_of, templates, repo, progress,
                                        quiet, verbose)
        known = {c.name for c in analysis.components}
        unknown = [name for name in components or () if name not in known]
        if unknown:
            raise UsageError(f"--component {unknown[0]}: no such component; riskmap found: "
                             + ", ".join(sorted(known)[:20]))
        chosen = select_components(analysis.components, components or (), top)
        target = out_dir or Path(".kiro/specs" if style == SpecStyle.kiro else "specs")
        written = _write_specs(analysis, chosen, style, target, templates) if chosen else []
    if not quiet:
        if not chosen:
            _out().print("riskmap: no component is tiered critical or high; name one with --component, "
                         "or take the riskiest with --top N", markup=False)
        for path in written:
            _out().print(f"wrote {path}", markup=False)
    raise typer.Exit(EXIT_INPUT_FAILED if any(r.summary.error for r in results) else EXIT_OK)


def _analyse(
    inputs: Sequence[Path], config_file: Path | None, format_name: str | None, as_of: str | None,
    templates: Path | None, repo: Path | None, progress: _Progress, quiet: bool, verbose: bool,
) -> tuple[list[FileResult], Analysis, Config]:
    """Read and analyse the inputs: the part every command that reports shares."""
    config = _config(config_file, verbose and not quiet)
    moment = _as_of(as_of)
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {templates}: not a folder")
    repo_map = None
    if repo is not None:
        progress.say(f"reading the code in {repo}")
        repo_map = scan_repo(repo)
        if verbose and not quiet:
            err.print(f"riskmap: {repo}: {len(repo_map.modules)} Python modules read", markup=False)
    results = _read_all(inputs, config, format_name, progress, quiet, verbose)
    progress.say(f"analysing {sum(len(r.records) for r in results):,} records")
    return results, run_analysis(results, config, moment, repo_map), config


def _write_specs(
    analysis: Analysis, chosen: Sequence[ComponentRisk], style: SpecStyle, folder: Path, templates: Path | None
) -> list[Path]:
    """Write the spec drafts of the chosen components; return the files written."""
    written = []
    for relative, content in SpecRenderer(style, templates).render(build_specs(analysis, chosen)).items():
        write_bytes(folder / relative, content)
        written.append(folder / relative)
    return written


@app.command(epilog="Example: riskmap ingest bugs.json --output records.jsonl\n\n" + EXIT_CODES_HELP)
def ingest(
    inputs: InputsArg,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Where to write the records as JSON Lines; - for stdout.")
    ] = "-",
    config_file: ConfigOpt = None,
    format_name: FormatOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Read the inputs and write the normalised records, one JSON object per line."""
    config = _config(config_file, verbose and not quiet)
    with _Progress(quiet) as progress:
        results = _read_all(inputs, config, format_name, progress, quiet, verbose)
    lines = [RECORD_ADAPTER.dump_json(normalise(record)) for r in results for record in r.records]
    write_bytes(output, b"".join(line + b"\n" for line in lines))
    if not quiet:
        skipped = sum(len(r.skipped) for r in results)
        err.print(f"riskmap: {len(lines)} records written to {output if output != '-' else 'stdout'}, {skipped} skipped")
    raise typer.Exit(EXIT_INPUT_FAILED if any(r.summary.error for r in results) else EXIT_OK)


@app.command(epilog="Example: riskmap init --repo . (writes [tool.riskmap] into ./pyproject.toml)\n\n"
             "Exit codes: 0 written; 2 usage error, or a config exists already (use --force).")
def init(
    repo: Annotated[Path, typer.Option("--repo", help="The repository to read.")] = Path("."),
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write this file instead: a riskmap.toml, or a "
                                     "pyproject.toml to add [tool.riskmap] to. Default: REPO/pyproject.toml if it "
                                     "exists, else REPO/riskmap.toml.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing riskmap config.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Read a Python repository and write a starter config: its components, their layers and why."""
    repo_map = scan_repo(repo)
    target = output or (repo / "pyproject.toml" if (repo / "pyproject.toml").is_file() else repo / "riskmap.toml")
    components = starter_components(repo_map)
    write_bytes(target, starter_config(target, components, force).encode("utf-8"))
    if not quiet:
        _out().print(f"wrote {len(components)} components to {target}", markup=False)
        for component in components:
            _out().print(f"  {component.layer.value:<12} {component.name}  ({component.why})", markup=False)


@app.command(epilog="Example: riskmap templates app.log --output lines.csv --top 10\n\n"
             "Exit codes: 0 done; 1 the log could not be read; 2 usage or output error.")
def templates(
    log: Annotated[Path, typer.Argument(help="A log file: text (any header layout riskmap detects), JSON Lines, or .gz.",
                                        show_default=False, metavar="LOGFILE")],
    output: Annotated[
        Optional[str], typer.Option("--output", "-o", help="Write line,template_id,template for every line of the "
                                    "log to this CSV file; - for stdout.")
    ] = None,
    top: Annotated[
        Optional[int], typer.Option("--top", "-n", min=0, help="Print the N most frequent templates. "
                                    "Default: 20 when there is no --output.")
    ] = None,
) -> None:
    """Group a log's lines by template (variable parts masked as <*>), to inspect the grouping."""
    if log.is_dir() or not log.exists():
        raise UsageError(f"{log}: {'is a folder' if log.is_dir() else 'no such file'}")
    try:
        with _Progress(quiet=False) as progress:
            progress.start(log)
            mined = mine_file(log, keep_lines=output is not None)
    except InputError as exc:
        err.print(f"riskmap: error: {exc}", markup=False)
        raise typer.Exit(EXIT_INPUT_FAILED) from None
    if output is not None:
        write_bytes(output, lines_csv(mined))
    count = top if top is not None else (0 if output is not None else 20)
    if count:
        table = Table(title=f"riskmap: {log} ({mined.entries:,} entries, {len(mined.groups):,} templates, "
                      f"{mined.layout.name} layout)", title_justify="left")
        for column, justify in (("entries", "right"), ("id", "left"), ("level", "left"), ("template", "left")):
            table.add_column(column, justify=justify, overflow="fold")
        for size, template_id, level, text in top_templates(mined, count):
            table.add_row(f"{size:,}", template_id, Text(level), Text(text))
        (err if output == "-" else _out()).print(table)


@app.command()
def formats() -> None:
    """List the input formats riskmap reads."""
    out = _out()
    width = max(len(ingester.name) for ingester in INGESTERS)
    for ingester in INGESTERS:
        out.print(f"{ingester.name:<{width}}  {ingester.summary}", markup=False)


def _config(path: Path | None, verbose: bool) -> Config:
    if path is not None and not path.is_file():
        raise UsageError(f"--config {path}: no such file")
    chosen = path or find_config(Path.cwd())
    if verbose:
        err.print(f"riskmap: config: {chosen or 'none found; the defaults'}", markup=False)
    return load_config(chosen)


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r}: expected a date such as 2026-11-15 or 2026-11-15T12:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _read_all(
    inputs: Sequence[Path], config: Config, format_name: str | None, progress: _Progress, quiet: bool, verbose: bool
) -> list[FileResult]:
    """Read every input; print an error line for each that fails, and the choices with --verbose."""
    for path in inputs:
        if path.is_dir():
            raise UsageError(f"{path}: is a folder; pass the files in it (for example {path}/*.json)")
        if not path.exists():
            raise UsageError(f"{path}: no such file")
    results = []
    for path in inputs:
        progress.start(path)
        result = read_input(path, config, format_name, on_item=progress.tick)
        results.append(result)
        if result.summary.error:
            err.print(f"riskmap: error: {result.summary.error}", markup=False)
        elif verbose and not quiet:
            s = result.summary
            err.print(f"riskmap: {s.path}: format {s.format} ({s.detected_by}); "
                      f"{s.records} records, {s.skipped} skipped", markup=False)
    return results


class _Progress:
    """A transient progress bar on stderr while riskmap works; only on a terminal, never with --quiet.

    While a file is read it shows the share of its bytes read (from the readers that stream) and
    the records so far; after that, the stage riskmap is in.
    """

    EVERY = 2000

    def __init__(self, quiet: bool) -> None:
        self._bar = None if quiet or not err.is_terminal else Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[note]}"),
            console=err, transient=True,
        )
        self._task = None
        self._count = 0
        self._token = None

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("", total=None, note="")
            self._token = progress_hook.set(self._bytes)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            progress_hook.reset(self._token)
            self._bar.stop()

    def say(self, text: str) -> None:
        """Show what riskmap is doing now."""
        if self._bar is not None:
            self._bar.update(self._task, description=escape(text), total=None, completed=0, note="")

    def start(self, path: Path) -> None:
        """Start reading one input."""
        self._count = 0
        if self._bar is not None:
            size = path.stat().st_size if path.is_file() else None
            self._bar.update(self._task, description=escape(f"reading {path}"), total=size, completed=0, note="")

    def tick(self) -> None:
        """Count one record read."""
        self._count += 1
        if self._bar is not None and self._count % self.EVERY == 0:
            self._bar.update(self._task, note=f"{self._count:,} records")

    def _bytes(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)


def _print_summary(report: dict, written: Sequence[Path]) -> None:
    out = _out()
    s = report["summary"]
    table = Table(title="riskmap: riskiest components", title_justify="left")
    for column, justify in (("#", "right"), ("component", "left"), ("layer", "left"), ("tier", "left"),
                            ("score", "right"), ("records", "right"), ("open", "right")):
        table.add_column(column, justify=justify)
    for index, c in enumerate(report["components"][:10], start=1):
        table.add_row(str(index), Text(c["name"]), c["layer"], c["tier"], f"{c['score']:.1f}",
                      str(c["records"]), str(c["open_records"]))
    out.print(table)
    if len(report["components"]) > 10:
        out.print(f"... and {len(report['components']) - 10} more components in the reports")
    out.print(
        f"{s['records']:,} records, {s['skipped']:,} skipped, from {s['inputs']} input{'' if s['inputs'] == 1 else 's'}"
        + (f" ({s['failed_inputs']} failed)" if s["failed_inputs"] else "")
        + (f"; as of {report['as_of']}" if report["as_of"] else ""),
        markup=False,
    )
    for path in written:
        out.print(f"wrote {path}", markup=False)


def main() -> None:
    """Entry point of the ``riskmap`` command: run the app, turning user errors into one line."""
    # riskmap builds hundreds of thousands of small objects that all live to the end of the run;
    # the default collector thresholds would scan them over and over for cycles they never form.
    gc.set_threshold(100_000, 50, 100)
    try:
        app()
    except RiskmapError as exc:
        err.print(f"riskmap: error: {exc}", markup=False)
        sys.exit(EXIT_USAGE if isinstance(exc, UsageError) else exc.exit_code)
    except KeyboardInterrupt:
        err.print("riskmap: interrupted")
        sys.exit(130)
