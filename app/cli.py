"""The `timeline` command: ingest articles, migrate the database, evaluate, serve."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from alembic.util import CommandError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError, StatementError

from app.config import get_settings
from app.db import engine_url, get_engine, make_engine
from app.feeds_cli import feeds_cli
from app.ingest.fetch import HttpPolicy, fetch_urls
from app.ingest.runner import FileOutcome, IngestReport, check_writable, ingest_paths
from app.ingest.urls import looks_like_url
from app.ingest.writer import StorageFull
from app.migrate import downgrade_database, upgrade_database
from app.review_cli import export_gold, token_cli, user_cli

cli = typer.Typer(
    help="The weapons-use policy timeline.", no_args_is_help=True, add_completion=False
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(feeds_cli, name="feeds")
cli.add_typer(user_cli, name="user")
cli.add_typer(token_cli, name="token")
cli.command("export-gold")(export_gold)
# soft_wrap: a file path and its reason stay on one line, for logs and grep; no emoji:
# a file named ':warning:.md' is printed as named.
out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)

# ESC sequences (CSI, OSC up to BEL or ST, two-character ones), removed whole.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)")
# Other control characters and bidirectional overrides, shown as '?' (as ls does).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    """Text that comes from input (paths, keys, reasons quoting values), safe to print:
    no terminal escape or control characters, and rich markup printed literally."""
    return escape(_CONTROL.sub("?", _ESCAPE_SEQUENCE.sub("", str(text))))


@contextmanager
def opening_database(url: str) -> Iterator[None]:
    """A database that cannot be opened, migrated or written (a full disk included) is
    one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except (SQLAlchemyError, CommandError, OSError, ImportError, StorageFull) as error:
        reason = _why(error)
        if reason == "unable to open database file":
            reason += _what_is_in_the_way(url)
        database_error(url, reason)


def writable_engine(url: str, *, migrate: bool) -> Engine:
    """The configured database, migrated first when asked, checked to take writes."""
    with opening_database(url):
        if migrate:
            upgrade_database(url)
        engine = get_engine()
        check_writable(engine)
    return engine


def database_error(url: str, reason: str) -> NoReturn:
    err.print(f"error: cannot use the database {shown(_safe_url(url))}: {shown(reason)}")
    raise typer.Exit(2) from None


def _why(error: Exception) -> str:
    if isinstance(error, StorageFull):
        return f"the disk holding it is full ({error})"
    if isinstance(error, OSError) and error.filename is None:
        return error.strerror or str(error)
    if isinstance(error, OSError):  # creating the database's folder
        return f"cannot create the folder {error.filename}: {error.strerror}"
    if isinstance(error, ImportError):
        return f"its driver is not installed ({error})"
    if isinstance(error, StatementError):  # its str() carries the SQL text
        return str(error.orig)
    return str(error).splitlines()[0]


def _what_is_in_the_way(url: str) -> str:
    """SQLite says only "unable to open database file": say what stops it."""
    try:
        parsed = engine_url(url)
    except ArgumentError:
        return ""
    if parsed.get_backend_name() != "sqlite" or not parsed.database or "uri" in parsed.query:
        return ""
    path = Path(parsed.database)
    if path.is_dir():
        return ": the path is a folder"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f": its folder {path.parent} is not writable"
    return ""


def _safe_url(url: str) -> str:
    """The URL as configured, its password hidden."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)


@cli.command()
def ingest(
    paths: Annotated[
        list[str], typer.Argument(help="Article files, folders (recursive) or http(s) URLs.")
    ],
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for extraction.")] = 1,
    max_file_bytes: Annotated[
        int | None, typer.Option(min=1, help="Refuse larger files (default: MAX_FILE_BYTES).")
    ] = None,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks",
            help="Follow symbolic links inside folders (links named here are always followed).",
        ),
    ] = False,
    allow_private: Annotated[
        bool, typer.Option(help="Allow URLs on loopback, link-local and private addresses.")
    ] = False,
) -> None:
    """Read .txt/.md (optional YAML front matter) and .html articles, from files or
    fetched from URLs, extract their policy events and store them. Exit code 1 when
    any file or URL failed."""
    settings = get_settings()
    engine = writable_engine(settings.database_url, migrate=migrate)
    limit = max_file_bytes or settings.max_file_bytes
    urls = [path for path in paths if looks_like_url(path)]
    policy = HttpPolicy.from_settings(settings, allow_private=allow_private, max_bytes=limit)
    pages = []
    if urls:
        with err.status(f"fetching {len(urls)} URL(s)"):
            pages = fetch_urls(policy, urls)
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
        progress.update(task, total=len(files) + len(pages))
        if len(files) + len(pages) > 1:
            progress.start()

    def done(outcome: FileOutcome) -> None:
        for warning in outcome.warnings:
            progress.console.print(f"[yellow]warning[/] {shown(outcome.path)}: {shown(warning)}")
        if outcome.status == "failed":
            progress.console.print(f"[red]failed[/] {shown(outcome.path)}: {shown(outcome.reason)}")
        elif outcome.status == "known":
            progress.console.print(
                f"[dim]already known[/] {shown(outcome.path)} (article {outcome.article_id})"
            )
        progress.update(task, advance=1, description=shown(Path(outcome.path).name))

    try:
        report = ingest_paths(
            [Path(path) for path in paths if not looks_like_url(path)],
            engine,
            max_file_bytes=limit,
            workers=workers,
            follow_symlinks=follow_symlinks,
            on_files_collected=collected,
            on_file_done=done,
            sources=pages,
        )
    finally:
        progress.stop()
    _print_summary(report)
    if report.disk_full is not None:
        database_error(
            settings.database_url,
            f"{_why(StorageFull(report.disk_full))}: the run stopped; the "
            f"{report.count('new')} article(s) it stored are kept; free some space and run "
            "the same command again for the rest",
        )
    raise typer.Exit(0 if report.ok else 1)


def _print_summary(report: IngestReport) -> None:
    for path, reason in report.path_warnings:
        err.print(f"[yellow]warning[/] {shown(path)}: {shown(reason)}")
    for path, reason in report.path_errors:
        err.print(f"[red]error[/] {shown(path)}: {shown(reason)}")
    table = Table(title="Ingestion summary", show_header=False)
    table.add_row("files read", str(report.files_read))
    table.add_row("articles new", str(report.count("new")))
    table.add_row("articles already known", str(report.count("known")))
    table.add_row("articles failed", str(report.count("failed")))
    table.add_row("events created", str(report.events_created))
    table.add_row("events merged", str(report.events_merged))
    if report.disk_full is not None:
        table.add_row("files not read (the run stopped)", str(len(report.not_read)))
    out.print(table)
    failures = [o for o in report.outcomes if o.status == "failed"]
    if failures or report.path_errors:
        err.print(f"[red]{len(failures) + len(report.path_errors)} problem(s):[/]")
        for outcome in failures:
            err.print(f"  {shown(outcome.path)}: {shown(outcome.reason)}")
        for path, reason in report.path_errors:
            err.print(f"  {shown(path)}: {shown(reason)}")


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    url = get_settings().database_url
    with opening_database(url):
        upgrade_database(url, revision)
    out.print(f"database at {shown(revision)}")


@db_cli.command("downgrade")
def db_downgrade(revision: str = "base") -> None:
    """Revert migrations down to REVISION (default: base, an empty schema)."""
    url = get_settings().database_url
    with opening_database(url):
        downgrade_database(url, revision)
    out.print(f"database at {shown(revision)}")


@db_cli.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="The file to write the copy to.")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Copy the SQLite database to PATH with SQLite's online backup API: a consistent
    snapshot, safe while the site serves and ingestion writes. (PostgreSQL: pg_dump.)"""
    from app.backup import BackupError, backup_sqlite

    url = get_settings().database_url
    with opening_database(url):
        backend = engine_url(url).get_backend_name()
        if backend != "sqlite":
            database_error(
                url,
                f"timeline db backup copies SQLite databases; back up {backend} with its own "
                "tools (pg_dump: README, Backups)",
            )
        try:
            copy = backup_sqlite(get_engine(), path, overwrite=force)
        except BackupError as error:
            err.print(f"error: cannot write the backup {shown(path)}: {shown(error)}")
            raise typer.Exit(2) from None
    out.print(
        f"backup written to {shown(copy.path)}: {copy.bytes / 1e6:.1f} MB, "
        f"{copy.articles} articles, {copy.events} events, in {copy.seconds:.1f}s "
        f"(quick_check: {shown(copy.check)})",
        highlight=False,
    )


@db_cli.command("copy")
def db_copy(
    source: Annotated[str, typer.Argument(help="URL of the timeline database to copy from.")],
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
) -> None:
    """Copy every row of the database at SOURCE into this one (DATABASE_URL, which must
    hold no article yet), ids as they are: e.g. from SQLite to PostgreSQL. The source
    is read in one snapshot and may keep serving meanwhile."""
    from app.copy import CopyError, copy_database

    url = get_settings().database_url
    with opening_database(source):
        origin = make_engine(source)
        origin.connect().close()
    with opening_database(url):
        if migrate:
            upgrade_database(url)
        try:
            report = copy_database(
                origin,
                get_engine(),
                on_table=lambda table, rows: out.print(f"{table}: {rows} rows", highlight=False),
            )
        except CopyError as error:
            database_error(url, str(error))
        finally:
            origin.dispose()
    total = sum(report.rows.values())
    out.print(
        f"copied {total} rows from {shown(_safe_url(source))} in {report.seconds:.1f}s",
        highlight=False,
    )


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Web worker processes (each with its own caches).")
    ] = 1,
    balance: Annotated[
        bool,
        typer.Option(
            help="With several workers, this process accepts the connections and hands "
            "them to the workers in turn (Linux). --no-balance: uvicorn's supervisor, "
            "whose workers compete for one socket."
        ),
    ] = True,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve the web app, read-only. The database must exist and be migrated
    (`timeline db upgrade`): serving never creates or changes it."""
    import uvicorn

    from app.web import workers as web_workers
    from app.web.server import PROTOCOL
    from app.web.startup import database_problem

    settings = get_settings()
    with opening_database(settings.database_url):
        engine = make_engine(settings.database_url, read_only=True)  # the site's kind
        problem = database_problem(engine)
        engine.dispose()  # before uvicorn forks its workers
    if problem:
        err.print(f"error: {shown(problem)}")
        raise typer.Exit(2)
    trusted = settings.trusted_proxies
    options: dict[str, Any] = {
        "app": "app.main:app",
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "http": PROTOCOL,  # bounds the size and time of request heads
        # uvicorn believes X-Forwarded-* from 127.0.0.1 by default; only TRUSTED_PROXIES here.
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }
    if workers > 1 and balance and not reload and web_workers.supported():
        try:
            code = web_workers.serve(options, workers)
        except OSError as error:  # the port is taken, or not ours to bind
            err.print(f"error: cannot listen on {shown(host)}:{port}: {shown(error.strerror)}")
            raise typer.Exit(2) from None
        raise typer.Exit(code)
    uvicorn.run(workers=workers, reload=reload, **options)


@cli.command()
def reextract(
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
) -> None:
    """Re-run the current extractor over every stored article, one transaction per
    article: unchanged readings keep their event ids, vanished events are retired
    (410), merged ids keep redirecting (301). Exit code 1 when any article failed."""
    from app.ingest.reextract import ArticleChange, reextract_all

    engine = writable_engine(get_settings().database_url, migrate=migrate)
    progress = Progress(
        TextColumn("[bold]re-extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )

    def done(change: ArticleChange) -> None:
        if change.error is not None:
            progress.console.print(
                f"[red]failed[/] article {change.article_id}: {shown(change.error)}"
            )
        progress.advance(task)

    with progress:
        task = progress.add_task("", total=None)
        report = reextract_all(engine, on_article_done=done)
    table = Table(title="Re-extraction summary", show_header=False)
    table.add_row("articles read again", str(report.articles))
    table.add_row("readings unchanged", str(report.total("kept")))
    table.add_row("readings added", str(report.total("added")))
    table.add_row("readings removed", str(report.total("removed")))
    table.add_row("readings kept by review", str(report.total("kept_by_review")))
    table.add_row("events retired", str(report.total("retired_events")))
    table.add_row("articles failed", str(len(report.failed)))
    out.print(table)
    raise typer.Exit(1 if report.failed else 0)


@cli.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold annotation, e.g. seeds/gold.yaml.")],
    verbose: Annotated[
        bool, typer.Option(help="List every miss, false positive and wrong date.")
    ] = False,
    min_f1: Annotated[
        float | None, typer.Option(help="Exit 1 when F1 is below this floor.")
    ] = None,
    min_language_f1: Annotated[
        float | None, typer.Option(help="Exit 1 when F1 in any language is below this floor.")
    ] = None,
    min_date: Annotated[
        float | None, typer.Option(help="Exit 1 when date accuracy is below this floor.")
    ] = None,
) -> None:
    """Score the extractor against a gold annotation, on a fresh temporary database,
    the way ../shared/corpus/score.py does (type and actor of stored events)."""
    from app.evaluate import below_floors, report_lines
    from app.evaluate import evaluate as run_evaluation

    if not gold.is_file():
        err.print(f"[red]error[/] {shown(gold)}: no such file")
        raise typer.Exit(2)
    report = run_evaluation(gold)
    for line in report_lines(report, verbose=verbose):
        out.print(line, markup=False, highlight=False)
    short = below_floors(report, min_f1=min_f1, min_language_f1=min_language_f1, min_date=min_date)
    for line in short:
        err.print(f"[red]below the floor[/] {shown(line)}")
    raise typer.Exit(1 if short else 0)


def main() -> None:
    cli()
