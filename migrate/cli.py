"""``m8flow migrate``: analyze and convert Camunda 7 models offline; import from a live one.

Exit status: 0 when the run completed (findings are not errors), 1 when some input could not
be read, 2 for usage errors (unknown option, missing PATH, bad mapping file).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from engine.errors import InvalidRequest
from migrate.delegates import DelegateMapping
from migrate.findings import FileResult
from migrate.inputs import InputNotFound, collect
from migrate.report import write_reports
from migrate.run import run

app = typer.Typer(
    name="migrate",
    help="Analyze and convert Camunda 7 / Operaton models for m8flow.",
    no_args_is_help=True,
    add_completion=False,
)
_console = Console(stderr=True)
PROGRESS_THRESHOLD = 20

PathsArg = Annotated[list[Path], typer.Argument(
    help="Model files (.bpmn, .bpmn20.xml, .dmn, .dmn11.xml, .form, .html), directories or "
         "deployment archives (.zip, .bar, .jar, .war).", show_default=False)]
ReportDirOpt = Annotated[Path, typer.Option(
    "--report-dir", help="Where report.json, report.csv and report.html go.")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Processes for large runs (default: one per CPU).")]


def _execute(paths: list[Path], *, out: Path | None, report_dir: Path, delegates: Path | None,
             workers: int | None, quiet: bool) -> None:
    mapping = DelegateMapping()
    if delegates is not None:
        try:
            mapping = DelegateMapping.load(delegates)
        except InvalidRequest as exc:
            _console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from exc
    try:
        items, unreadable = collect(paths)
    except InputNotFound as exc:
        _console.print(f"[red]error:[/] no such file or directory: {exc}")
        raise typer.Exit(2) from exc
    if out is not None and out.exists() and not out.is_dir():
        _console.print(f"[red]error:[/] --out {out} is not a directory")
        raise typer.Exit(2)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=_console,
                  disable=quiet or len(items) < PROGRESS_THRESHOLD, transient=True,
                  auto_refresh=False) as progress:
        # auto_refresh=False: no refresh thread, so the worker pool can fork safely.
        task = progress.add_task("converting" if out else "analyzing", total=len(items))
        results: list[FileResult] = run(
            items, mapping=mapping, out_dir=out, workers=workers,
            on_done=lambda _r: progress.update(task, advance=1, refresh=True))
    document = write_reports(results + unreadable, report_dir)
    if not quiet:
        summary = document["summary"]
        status = ", ".join(f"{v} {k}" for k, v in summary["byStatus"].items())
        severity = ", ".join(f"{v} {k}" for k, v in summary["bySeverity"].items() if v)
        _console.print(f"{summary['files']} files: {status}; findings: {severity or 'none'}")
        _console.print(f"reports: {report_dir / 'report.html'}")
    if any(r.findings and r.findings[0].message_id in {"unreadable-input", "unsafe-archive-path"}
           for r in unreadable):
        raise typer.Exit(1)


@app.command()
def analyze(
    paths: PathsArg,
    report_dir: ReportDirOpt = Path("migration-report"),
    delegates: Annotated[Path | None, typer.Option(
        "--delegates", help="TOML mapping: class or bean name → {topic = …} or {handler = …}.")] = None,
    workers: WorkersOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Report what converting PATHs would change and what needs a human; write nothing else."""
    _execute(paths, out=None, report_dir=report_dir, delegates=delegates, workers=workers, quiet=quiet)


@app.command()
def convert(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", help="Directory receiving the converted tree.")],
    report_dir: ReportDirOpt = Path("migration-report"),
    delegates: Annotated[Path | None, typer.Option(
        "--delegates", help="TOML mapping: class or bean name → {topic = …} or {handler = …}.")] = None,
    workers: WorkersOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Convert PATHs into --out (mirroring the input tree) and write the reports."""
    _execute(paths, out=out, report_dir=report_dir, delegates=delegates, workers=workers, quiet=quiet)


@app.command("import")
def import_(
    source: Annotated[str, typer.Option("--source", help="Base URL of the Camunda 7 REST API, e.g. http://camunda:8080/engine-rest.")],
    source_user: Annotated[str | None, typer.Option("--source-user", help="Basic auth user for the source.")] = None,
    source_password: Annotated[str | None, typer.Option("--source-password", help="Basic auth password.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Base URL of a running m8flow gateway.")] = None,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="Write straight into this m8flow database instead of a gateway.")] = None,
    with_instances: Annotated[bool, typer.Option("--with-instances", help="Recreate running process instances too.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and convert; report what would happen; write nothing.")] = False,
    report_dir: ReportDirOpt = Path("migration-report"),
    delegates: Annotated[Path | None, typer.Option(
        "--delegates", help="TOML mapping: class or bean name → {topic = …} or {handler = …}.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Copy deployments (and with --with-instances, running instances) from a live Camunda 7
    into m8flow. The source is only read; nothing there is changed or deleted."""
    from migrate.live_import import run_import
    from migrate.live_source import CamundaSource, SourceUnreachable
    from migrate.live_target import EngineTarget, GatewayTarget, Target

    if target and database_url:
        _console.print("[red]error:[/] give either --target or --database-url, not both")
        raise typer.Exit(2)
    if not (target or database_url or dry_run):
        _console.print("[red]error:[/] give --target URL or --database-url URL (or --dry-run)")
        raise typer.Exit(2)
    mapping = DelegateMapping()
    if delegates is not None:
        try:
            mapping = DelegateMapping.load(delegates)
        except InvalidRequest as exc:
            _console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from exc
    reader = CamundaSource(source, user=source_user, password=source_password)
    writer: Target | None = None
    try:
        reader.check()
        if not dry_run:
            writer = GatewayTarget(target) if target else EngineTarget(str(database_url))
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), console=_console,
                      disable=quiet, transient=True) as progress:
            bar = progress.add_task("reading the source", total=None)
            outcome = run_import(
                reader, writer, with_instances=with_instances, dry_run=dry_run, mapping=mapping,
                on_total=lambda total: progress.update(bar, total=total),
                on_advance=lambda what: progress.update(bar, advance=1, description=what))
    except SourceUnreachable as exc:
        _console.print(f"[red]error:[/] source not readable: {exc}")
        raise typer.Exit(1) from exc
    finally:
        reader.close()
        if writer is not None:
            writer.close()
    write_reports(outcome.results, report_dir, tool="m8flow migrate import")
    if not quiet:
        verb = "would import" if dry_run else "imported"
        _console.print(f"{verb} {outcome.deployments} deployments ({outcome.definitions} process definitions); "
                       f"instances: {outcome.recreated} recreated, {outcome.skipped_instances} left in the source "
                       f"of {outcome.instances}")
        _console.print(f"reports: {report_dir / 'report.html'}")
