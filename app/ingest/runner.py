"""An ingestion run: collect files, read and extract each (optionally in worker
processes), store each article in its own transaction, report every outcome."""

import datetime as dt
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, false
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError, StatementError
from sqlmodel import Session, select

from app.config import get_settings
from app.db import refresh_statistics
from app.extract import ExtractedEvent, extract_events
from app.ingest.collect import collect_files
from app.ingest.reader import (
    SUPPORTED_LANGUAGES,
    IngestError,
    ReadArticle,
    clip,
    read_article,
)
from app.ingest.writer import DatabaseBusy, StorageFull, Stored, write_batch
from app.models import Article
from app.processes import die_with_parent as _die_with_parent


class Source(Protocol):
    """An article that is not a file, e.g. a page fetched over HTTP (app/ingest/fetch.py).
    str() names it in outcomes; read() raises IngestError with the reason it failed."""

    def read(self, *, today: dt.date | None) -> ReadArticle: ...


@dataclass
class FileOutcome:
    path: str
    status: str  # new | known | failed
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    article_id: str | None = None
    events_created: int = 0
    events_merged: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    path_errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    path_warnings: list[tuple[str, str]] = field(default_factory=list)  # e.g. links skipped
    # The database's error when its disk filled up: the run stopped there.
    disk_full: str | None = None
    not_read: list[str] = field(default_factory=list)  # files and pages it did not reach
    store_seconds: float = 0.0  # time the writer spent storing and committing

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def files_read(self) -> int:
        return len(self.outcomes)

    @property
    def events_created(self) -> int:
        return sum(o.events_created for o in self.outcomes)

    @property
    def events_merged(self) -> int:
        return sum(o.events_merged for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.path_errors and self.count("failed") == 0 and self.disk_full is None


@dataclass
class Prepared:
    """A file read and extracted, ready to store (or the reason it cannot be)."""

    path: str
    article: ReadArticle | None = None
    events: list[ExtractedEvent] = field(default_factory=list)
    known: bool = False
    error: str | None = None


WORKER_DIED = "the worker process reading this file died (killed, out of memory, or crashed)"


def describe(error: BaseException) -> str:
    """An unexpected error as one short line for the operator: its kind and message,
    never a traceback nor the SQL text a database error carries."""
    if isinstance(error, StatementError):  # str() would append the statement
        text = f"database error: {error.orig}"
    elif isinstance(error, SQLAlchemyError):
        text = f"database error: {error.args[0] if error.args else type(error).__name__}"
    else:
        message = str(error)
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return clip(text)


# Set in each worker (and in the main process for single-process runs).
_known_hashes: frozenset[str] = frozenset()
_max_bytes: int = 0
_today: dt.date | None = None


def configure_run(known: frozenset[str], max_bytes: int, today: dt.date | None) -> None:
    global _known_hashes, _max_bytes, _today
    _known_hashes, _max_bytes, _today = known, max_bytes, today


def prepare(item: Path | Source) -> Prepared:
    if isinstance(item, Path):
        return prepare_source(
            str(item), lambda: read_article(item, max_bytes=_max_bytes, today=_today)
        )
    return prepare_source(str(item), lambda: item.read(today=_today))


def prepare_source(source: str, read: Callable[[], ReadArticle]) -> Prepared:
    """Read and extract one article. The one place where whatever goes wrong with one
    source (a file, a fetched page) becomes that source's failure, so the run goes on
    with the others."""
    try:
        article = read()
    except IngestError as error:
        return Prepared(source, error=clip(str(error)))
    except Exception as error:
        return Prepared(source, error=f"unexpected error while reading: {describe(error)}")
    if article.content_hash in _known_hashes:
        return Prepared(source, article=article, known=True)
    if article.language is not None and article.language not in SUPPORTED_LANGUAGES:
        return Prepared(source, article=article)
    try:
        events = extract_events(article.to_input())
    except Exception as error:
        return Prepared(source, article=article, error=f"extractor failed: {describe(error)}")
    return Prepared(source, article=article, events=events)


def prepare_all(
    files: Sequence[Path | Source],
    workers: int,
    *,
    prepare_file: Callable[[Path | Source], Prepared] = prepare,
    ahead: int = 0,
) -> Generator[Prepared, None, None]:
    """Each file or source prepared, in this process or in `workers` worker processes
    (with up to 2 * workers + `ahead` files in flight)."""
    if workers <= 1 or len(files) <= 1:
        for path in files:
            yield prepare_file(path)
        return
    yield from _prepare_in_workers(files, workers, prepare_file, 2 * workers + ahead)


def _prepare_in_workers(
    files: Sequence[Path | Source],
    workers: int,
    prepare_file: Callable[[Path | Source], Prepared],
    in_flight_limit: int,
) -> Generator[Prepared, None, None]:
    """Files go to the pool a batch at a time (memory stays flat) and come back in
    order; enough are in flight that the workers keep extracting while the writer
    stores a batch. A worker that dies breaks the whole pool without saying which file
    killed it: the unfinished files are retried one at a time in a new pool, and a file
    fails only when a worker dies while it is the only file in flight."""
    queue = deque(files)
    suspects: deque[Path | Source] = deque()
    while queue or suspects:
        pool = _start_pool(workers)
        in_flight: deque[tuple[Path | Source, Future[Prepared]]] = deque()
        alone: Path | Source | None = None  # the suspect in flight, when retrying suspects
        try:
            while queue or suspects or in_flight:
                # A file leaves its queue only once submitted: submitting to a pool that
                # broke meanwhile raises, and the file must still be there to retry.
                if not in_flight and suspects:
                    in_flight.append((suspects[0], pool.submit(prepare_file, suspects[0])))
                    alone = suspects.popleft()
                elif not suspects and alone is None:
                    while queue and len(in_flight) < in_flight_limit:
                        in_flight.append((queue[0], pool.submit(prepare_file, queue[0])))
                        queue.popleft()
                path, future = in_flight[0]
                try:
                    prepared = future.result()
                except BrokenProcessPool:
                    raise
                except Exception as error:  # raised past prepare_file, or its result unpicklable
                    prepared = Prepared(str(path), error=f"unexpected error: {describe(error)}")
                in_flight.popleft()
                alone = None
                yield prepared
        except BrokenProcessPool:
            unfinished = []
            for path, future in in_flight:
                if future.done() and future.exception() is None:
                    yield future.result()
                else:
                    unfinished.append(path)
            if alone is not None and unfinished == [alone]:
                yield Prepared(str(alone), error=WORKER_DIED)
            else:
                suspects.extend(unfinished)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


# Workers run below the writer's priority. The one writer is the run's bottleneck: with
# N workers on N cores, an even share of the CPU gives it N/(N+1) of a core while the
# workers extract articles it cannot store yet; niced, they fill the CPU it leaves.
# (bench/workers_bench.py, 2 cores: 1.45x one process before, see the README.)
WORKER_NICENESS = 10


def _start_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent may run threads (progress display); each worker loads
    # the language model once and keeps it for all its files.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(os.getpid(), _known_hashes, _max_bytes, _today),
    )


def _init_worker(
    parent_pid: int, known: frozenset[str], max_bytes: int, today: dt.date | None
) -> None:
    _die_with_parent(parent_pid)
    os.nice(WORKER_NICENESS)
    configure_run(known, max_bytes, today)


def check_writable(engine: Engine) -> None:
    """Raise the database's own error when it cannot take writes (a read-only file or
    mount, `mode=ro`, no article table), before a run reads any file. Deletes nothing."""
    with engine.connect() as connection:
        connection.execute(delete(Article).where(false()))
        connection.rollback()


def ingest_paths(
    paths: Sequence[Path],
    engine: Engine,
    *,
    max_file_bytes: int = 5 * 1024 * 1024,
    workers: int = 1,
    follow_symlinks: bool = False,
    today: dt.date | None = None,
    on_file_done: Callable[[FileOutcome], None] | None = None,
    on_files_collected: Callable[[list[Path]], None] | None = None,
    sources: Sequence[Source] = (),
    batch_articles: int | None = None,
    batch_seconds: float | None = None,
) -> IngestReport:
    """Ingest the files under `paths`, then `sources` (fetched pages): prepared in this
    process or in `workers` worker processes, stored by this process in batches of
    `batch_articles` articles or `batch_seconds` seconds (default: the settings)."""
    settings = get_settings()
    batch_articles = batch_articles or settings.ingest_batch_articles
    batch_seconds = settings.ingest_batch_seconds if batch_seconds is None else batch_seconds
    report = IngestReport()
    collected = collect_files(paths, follow_symlinks=follow_symlinks)
    files = collected.files
    report.path_errors, report.path_warnings = collected.errors, collected.warnings
    if on_files_collected is not None:
        on_files_collected(files)
    with Session(engine) as session:
        known = frozenset(session.exec(select(Article.content_hash)))
    configure_run(known, max_file_bytes, today)
    items: list[Path | Source] = [*files, *sources]

    def done(outcomes: list[FileOutcome]) -> None:
        report.outcomes += outcomes
        if on_file_done is not None:
            for outcome in outcomes:
                on_file_done(outcome)

    workers = max(1, min(workers, os.cpu_count() or 1))
    prepared_items = prepare_all(items, workers, ahead=batch_articles)
    batch: list[Prepared] = []
    batch_started = 0.0
    try:
        for prepared in prepared_items:
            if not batch:
                batch_started = time.monotonic()
            batch.append(prepared)
            if len(batch) >= batch_articles or time.monotonic() - batch_started >= batch_seconds:
                done(_commit(engine, batch, report))
                batch = []
        done(_commit(engine, batch, report))
    except StorageFull as error:
        report.disk_full = str(error)
        done([_failed(p, f"not stored: the database's disk is full ({error})") for p in batch])
        finished = Counter(outcome.path for outcome in report.outcomes)
        report.not_read = [str(item) for item in items if not _take(finished, str(item))]
    finally:
        prepared_items.close()  # stops the workers of a run that stopped early
    if report.count("new"):
        refresh_statistics(engine)  # the site's query plans follow the tables' growth
    return report


def _take(counter: Counter[str], key: str) -> bool:
    if counter[key] > 0:
        counter[key] -= 1
        return True
    return False


def _failed(prepared: Prepared, reason: str | None) -> FileOutcome:
    warnings = prepared.article.warnings if prepared.article else []
    return FileOutcome(prepared.path, "failed", reason=reason, warnings=warnings)


def _commit(engine: Engine, batch: list[Prepared], report: IngestReport) -> list[FileOutcome]:
    """Store a batch of prepared files in one transaction; their outcomes, in order."""
    storable = [(p.article, p.events) for p in batch if p.error is None and p.article]
    started = time.perf_counter()
    try:
        stored = iter(_write(engine, storable))
    finally:
        report.store_seconds += time.perf_counter() - started
    outcomes = []
    for prepared in batch:
        if prepared.error is not None or prepared.article is None:
            outcomes.append(_failed(prepared, prepared.error))
            continue
        written = next(stored)
        result = written.result
        if result is None:
            outcomes.append(_failed(prepared, written.error))
            continue
        outcomes.append(
            FileOutcome(
                prepared.path,
                "new" if result.new else "known",
                warnings=prepared.article.warnings,
                article_id=result.article_id,
                events_created=result.events_created,
                events_merged=result.events_merged,
            )
        )
    return outcomes


def _write(
    engine: Engine, articles: list[tuple[ReadArticle, list[ExtractedEvent]]]
) -> list[Stored]:
    if not articles:
        return []
    try:
        return write_batch(engine, articles, describe)
    except StorageFull:
        raise
    except DatabaseBusy as error:
        reason = f"could not store: the database stayed locked by another writer ({error})"
        return [Stored(error=reason) for _ in articles]
    except Exception as error:
        if len(articles) == 1:
            return [Stored(error=f"could not store: {describe(error)}")]
    # The batch's commit failed for a reason that is not the database's (a full disk, a
    # lock): each article alone, so that one never takes the others down with it.
    return [stored for article in articles for stored in _write(engine, [article])]
