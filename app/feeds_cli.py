"""`timeline feeds`: poll news feeds for new articles (once or on a schedule), and
show each feed's state. Everything that comes from input (feed names, URLs, reasons
a server gave) is printed as rich Text: never read as markup."""

import datetime as dt
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from app.config import get_settings
from app.db import get_engine
from app.ingest.feeds import (
    FeedConfig,
    FeedPoll,
    FeedsFileError,
    PollReport,
    feed_states,
    load_feeds,
    parse_interval,
    poll_feeds,
    run_every,
)
from app.ingest.fetch import HttpPolicy
from app.ingest.runner import FileOutcome
from app.migrate import upgrade_database

feeds_cli = typer.Typer(
    help="News feeds: poll them for new articles, show their state.", no_args_is_help=True
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

STATUS_LABELS = {None: "never polled", "not-modified": "not modified"}
FeedsFileOption = Annotated[
    Path | None,
    typer.Option("--feeds", help="Feeds file (default: FEEDS_FILE, which defaults to feeds.yaml)."),
]


@feeds_cli.command("poll")
def poll(
    feeds: FeedsFileOption = None,
    every: Annotated[
        str | None,
        typer.Option(help="Keep polling in the foreground, e.g. 30m, 1h, 1h30m (containers)."),
    ] = None,
    allow_private: Annotated[
        bool, typer.Option(help="Allow loopback, link-local and private addresses.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for extraction.")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
) -> None:
    """Fetch every feed, then the pages of entries not seen before, and ingest them.
    Exit code 1 when any feed or entry failed."""
    from app.cli import opening_database  # app.cli imports this module

    settings = get_settings()
    path = feeds or settings.feeds_file
    if every is None:
        configs = _load_or_exit(path)
        # A database that cannot be migrated or written (its disk full) is one line.
        with opening_database(settings.database_url):
            if migrate:
                upgrade_database(settings.database_url)
            report = _poll_once(configs, allow_private=allow_private, workers=workers)
        raise typer.Exit(0 if report.ok else 1)
    try:
        interval = parse_interval(every)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--every") from None
    _load_or_exit(path)  # a broken file stops us at once, not after the first sleep
    if migrate:
        with opening_database(settings.database_url):
            upgrade_database(settings.database_url)

    def scheduled() -> None:
        try:
            configs = load_feeds(path)  # re-read: edits apply without a restart
        except FeedsFileError as error:
            err.print(Text.assemble(("error ", "red"), str(error), " (poll skipped)"))
        else:
            try:
                _poll_once(configs, allow_private=allow_private, workers=workers)
            except Exception as error:  # e.g. the database is locked: the next poll may pass
                err.print(Text.assemble(("error ", "red"), f"poll failed: {error!r}"))
        next_poll = dt.datetime.now().astimezone() + dt.timedelta(seconds=interval)
        err.print(Text(f"next poll at {next_poll:%Y-%m-%d %H:%M:%S %Z}", style="dim"))

    signal.signal(signal.SIGTERM, _interrupt)  # `docker stop` ends us like Ctrl-C
    try:
        run_every(interval, scheduled)
    except KeyboardInterrupt:
        err.print("stopped")


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _load_or_exit(path: Path) -> list[FeedConfig]:
    try:
        return load_feeds(path)
    except FeedsFileError as error:
        err.print(Text.assemble(("error ", "red"), str(error)))
        raise typer.Exit(2) from None


def _poll_once(configs: list[FeedConfig], *, allow_private: bool, workers: int) -> PollReport:
    policy = HttpPolicy.from_settings(get_settings(), allow_private=allow_private)
    progress = Progress(
        TextColumn("[bold]ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
        console=err,
        transient=True,
    )
    task = progress.add_task("", total=None)
    feed_of: dict[str, str] = {}

    def feeds_read(polls: list[FeedPoll]) -> None:
        reading.stop()
        for feed_poll in polls:
            for warning in feed_poll.warnings:
                err.print(Text.assemble(("warning ", "yellow"), feed_poll.feed.name, ": ", warning))
            if feed_poll.status == "failed":
                err.print(
                    Text.assemble(
                        ("failed ", "red"), feed_poll.feed.name, ": ", feed_poll.reason or ""
                    )
                )
            feed_of.update((page.url, feed_poll.feed.name) for page in feed_poll.pages)
        progress.update(task, total=len(feed_of))
        if len(feed_of) > 1:
            progress.start()

    def done(outcome: FileOutcome) -> None:
        name = feed_of.get(outcome.path, "")
        for warning in outcome.warnings:
            progress.console.print(
                Text.assemble(("warning ", "yellow"), f"{name} {outcome.path}: {warning}")
            )
        if outcome.status == "failed":
            progress.console.print(
                Text.assemble(("failed ", "red"), f"{name} {outcome.path}: {outcome.reason}")
            )
        progress.update(task, advance=1, description=outcome.path)

    reading = err.status(f"reading {len(configs)} feed(s) and their new entries")
    reading.start()
    try:
        report = poll_feeds(
            configs,
            get_engine(),
            policy,
            workers=workers,
            on_feeds_read=feeds_read,
            on_file_done=done,
        )
    finally:
        reading.stop()
        progress.stop()
    _print_poll_summary(report)
    return report


def _print_poll_summary(report: PollReport) -> None:
    columns = ("status", "entries", "new", "known", "failed", "events created", "events merged")
    table = Table("feed", *columns, title="Poll summary")
    for feed_poll in report.feeds:
        table.add_row(
            Text(feed_poll.feed.name),
            STATUS_LABELS.get(feed_poll.status, feed_poll.status),
            "" if feed_poll.entries is None else str(feed_poll.entries),
            *(str(feed_poll.ingest.count(status)) for status in ("new", "known", "failed")),
            str(feed_poll.ingest.events_created),
            str(feed_poll.ingest.events_merged),
        )
    out.print(table)
    problems = [
        (feed_poll.feed.name, feed_poll.reason or "")
        for feed_poll in report.feeds
        if feed_poll.status == "failed"
    ] + [
        (f"{feed_poll.feed.name} {outcome.path}", outcome.reason or "")
        for feed_poll in report.feeds
        for outcome in feed_poll.ingest.outcomes
        if outcome.status == "failed"
    ]
    if problems:
        err.print(Text(f"{len(problems)} problem(s):", style="red"))
        for name, reason in problems:
            err.print(Text(f"  {name}: {reason}"))


@feeds_cli.command("list")
def list_feeds(
    feeds: FeedsFileOption = None,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
) -> None:
    """Each feed's last poll, its status, and the articles it added."""
    settings = get_settings()
    configs = _load_or_exit(feeds or settings.feeds_file)
    if migrate:
        upgrade_database(settings.database_url)
    table = Table(
        "feed", "last poll", "status", "new (last poll)", "articles", "retries", title="Feeds"
    )
    failures: list[Text] = []
    for state in feed_states(get_engine(), configs):
        name = Text(state.name if state.in_file else f"{state.name} (not in feeds file)")
        when = f"{state.last_polled_at.astimezone():%Y-%m-%d %H:%M}" if state.last_polled_at else ""
        status = Text(STATUS_LABELS.get(state.status, state.status or ""))
        if state.status == "failed":
            status.stylize("red")
            failures.append(Text.assemble(name, ": ", state.error or ""))
        table.add_row(
            name,
            when,
            status,
            str(state.last_new_articles),
            str(state.articles),
            str(state.pending_retries),
        )
    out.print(table)
    for line in failures:
        out.print(Text("  ").append_text(line))
