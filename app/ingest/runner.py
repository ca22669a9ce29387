"""An ingestion run: collect files, read and extract each (optionally in worker
processes), store each article in its own transaction, report every outcome."""

import contextlib
import ctypes
import datetime as dt
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, false
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError, StatementError
from sqlmodel import Session, select

from app.extract import ExtractedEvent, extract_events
from app.ingest.collect import collect_files
from app.ingest.reader import (
    SUPPORTED_LANGUAGES,
    IngestError,
    ReadArticle,
    clip,
    read_article,
)
from app.ingest.store import StoreResult, store_article
from app.models import Article


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
        return not self.path_errors and self.count("failed") == 0


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
) -> Iterator[Prepared]:
    """Each file or source prepared, in this process or in `workers` worker processes."""
    if workers <= 1 or len(files) <= 1:
        for path in files:
            yield prepare_file(path)
        return
    yield from _prepare_in_workers(files, workers, prepare_file)


def _prepare_in_workers(
    files: Sequence[Path | Source],
    workers: int,
    prepare_file: Callable[[Path | Source], Prepared],
) -> Iterator[Prepared]:
    """Files go to the pool a few at a time (memory stays flat) and come back in order.
    A worker that dies breaks the whole pool without saying which file killed it: the
    unfinished files are retried one at a time in a new pool, and a file fails only
    when a worker dies while it is the only file in flight."""
    queue = deque(files)
    suspects: deque[Path | Source] = deque()
    while queue or suspects:
        pool = _start_pool(workers)
        in_flight: deque[tuple[Path | Source, Future[Prepared]]] = deque()
        alone: Path | Source | None = None  # the suspect in flight, when retrying suspects
        try:
            while queue or suspects or in_flight:
                if not in_flight and suspects:
                    alone = suspects.popleft()
                    in_flight.append((alone, pool.submit(prepare_file, alone)))
                elif not suspects and alone is None:
                    while queue and len(in_flight) < 2 * workers:
                        path = queue.popleft()
                        in_flight.append((path, pool.submit(prepare_file, path)))
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
    configure_run(known, max_bytes, today)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent_pid: int) -> None:
    """A worker holds the language model (about 400 MB) and, blocked on its task queue,
    would outlive a parent killed without a chance to shut the pool down (SIGKILL,
    SIGTERM). Linux kills it with the parent; elsewhere, and should prctl fail, a
    thread polls for the parent's exit. (Linux sends the signal when the parent *thread*
    that started the worker ends: the pool is started and fed by the thread running
    `ingest_paths`, which outlives the pool.)"""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(1)


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
) -> IngestReport:
    """Ingest the files under `paths`, then `sources` (fetched pages)."""
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
    for prepared in prepare_all(items, max(1, min(workers, os.cpu_count() or 1))):
        outcome = _store(engine, prepared)
        report.outcomes.append(outcome)
        if on_file_done is not None:
            on_file_done(outcome)
    return report


def _store(engine: Engine, prepared: Prepared) -> FileOutcome:
    article = prepared.article
    warnings = article.warnings if article else []
    if prepared.error is not None or article is None:
        return FileOutcome(prepared.path, "failed", reason=prepared.error, warnings=warnings)
    try:
        result = _store_with_retry(engine, article, prepared.events)
    except Exception as error:  # the transaction rolled back: nothing of the file is kept
        return FileOutcome(
            prepared.path, "failed", reason=f"could not store: {describe(error)}", warnings=warnings
        )
    return FileOutcome(
        prepared.path,
        "new" if result.new else "known",
        warnings=warnings,
        article_id=result.article_id,
        events_created=result.events_created,
        events_merged=result.events_merged,
    )


# Another run may store the same article, or create the same actor, weapon or place,
# between this transaction's checks and its inserts: a unique constraint then fails.
# Storing again sees what the other run committed (the article is then known).
STORE_ATTEMPTS = 3


def _store_with_retry(
    engine: Engine, article: ReadArticle, events: Sequence[ExtractedEvent]
) -> StoreResult:
    for _ in range(STORE_ATTEMPTS - 1):
        try:
            with Session(engine) as session, session.begin():
                return store_article(session, article, events)
        except IntegrityError:
            continue
    with Session(engine) as session, session.begin():
        return store_article(session, article, events)
