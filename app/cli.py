"""The `timeline` command: ingest articles, migrate the database, evaluate, serve."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.config import get_settings
from app.db import get_engine, get_read_only_engine
from app.ingest.runner import FileOutcome, IngestReport, ingest_paths
from app.migrate import downgrade_database, upgrade_database

cli = typer.Typer(
    help="The weapons-use policy timeline.", no_args_is_help=True, add_completion=False
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
# soft_wrap: a file path and its reason stay on one line, for logs and grep.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@cli.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders (recursive).")],
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for extraction.")] = 1,
    max_file_bytes: Annotated[
        int | None, typer.Option(min=1, help="Refuse larger files (default: MAX_FILE_BYTES).")
    ] = None,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
) -> None:
    """Read .txt/.md (optional YAML front matter) and .html articles, extract their
    policy events and store them. Exit code 1 when any file failed."""
    settings = get_settings()
    if migrate:
        upgrade_database(settings.database_url)
    limit = max_file_bytes or settings.max_file_bytes
    progress = Progress(
        TextColumn("[bold]ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )
    task = progress.add_task("", total=None)

    def collected(files: list[Path]) -> None:
        progress.update(task, total=len(files))
        if len(files) > 1:
            progress.start()

    def done(outcome: FileOutcome) -> None:
        for warning in outcome.warnings:
            progress.console.print(f"[yellow]warning[/] {outcome.path}: {warning}")
        if outcome.status == "failed":
            progress.console.print(f"[red]failed[/] {outcome.path}: {outcome.reason}")
        elif outcome.status == "known":
            progress.console.print(
                f"[dim]already known[/] {outcome.path} (article {outcome.article_id})"
            )
        progress.update(task, advance=1, description=Path(outcome.path).name)

    try:
        report = ingest_paths(
            paths,
            get_engine(),
            max_file_bytes=limit,
            workers=workers,
            on_files_collected=collected,
            on_file_done=done,
        )
    finally:
        progress.stop()
    _print_summary(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_summary(report: IngestReport) -> None:
    for path, reason in report.path_errors:
        err.print(f"[red]error[/] {path}: {reason}")
    table = Table(title="Ingestion summary", show_header=False)
    table.add_row("files read", str(report.files_read))
    table.add_row("articles new", str(report.count("new")))
    table.add_row("articles already known", str(report.count("known")))
    table.add_row("articles failed", str(report.count("failed")))
    table.add_row("events created", str(report.events_created))
    table.add_row("events merged", str(report.events_merged))
    out.print(table)
    failures = [o for o in report.outcomes if o.status == "failed"]
    if failures or report.path_errors:
        err.print(f"[red]{len(failures) + len(report.path_errors)} problem(s):[/]")
        for outcome in failures:
            err.print(f"  {outcome.path}: {outcome.reason}")
        for path, reason in report.path_errors:
            err.print(f"  {path}: {reason}")


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade_database(get_settings().database_url, revision)
    out.print(f"database at {revision}")


@db_cli.command("downgrade")
def db_downgrade(revision: str = "base") -> None:
    """Revert migrations down to REVISION (default: base, an empty schema)."""
    downgrade_database(get_settings().database_url, revision)
    out.print(f"database at {revision}")


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve the web app, read-only. The database must exist and be migrated
    (`timeline db upgrade`): serving never creates or changes it."""
    import uvicorn

    from app.web.server import PROTOCOL
    from app.web.startup import database_problem

    engine = get_read_only_engine()
    problem = database_problem(engine)
    engine.dispose()  # before uvicorn forks its workers
    if problem:
        err.print("[red]error[/]", escape(problem))
        raise typer.Exit(1)
    trusted = get_settings().trusted_proxies
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level=log_level,
        access_log=access_log,
        http=PROTOCOL,  # bounds the size and time of request heads
        # uvicorn believes X-Forwarded-* from 127.0.0.1 by default; only TRUSTED_PROXIES here.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )


@cli.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold annotation, e.g. seeds/gold.yaml.")],
) -> None:
    """Score the extractor against a gold annotation, on a fresh temporary database."""
    from app.evaluate import evaluate as run_evaluation
    from app.evaluate import print_report

    if not gold.is_file():
        err.print(f"[red]error[/] {gold}: no such file")
        raise typer.Exit(2)
    print_report(run_evaluation(gold), out)


def main() -> None:
    cli()
