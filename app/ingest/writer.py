"""The writer: the one place where an ingestion run writes, in batches.

Workers (or the run's own process) read and extract; the writer, in the run's main
process, stores what they prepared. A batch is one transaction: each article in it is
stored inside its own SAVEPOINT, so an article that fails to store rolls back alone
and the others commit. A batch commits every `articles` articles or `seconds` seconds,
whichever comes first; a run killed at any moment therefore loses at most its last
uncommitted batch, and never leaves half an article (the next run stores it again).

Each batch first takes the database's write lock (SQLite: BEGIN IMMEDIATE, waiting up
to the busy timeout; PostgreSQL: a transaction-level advisory lock), so concurrent
runs commit one after the other and each batch sees every article committed before
it: two runs over the same files store each article once, and clustering sees every
mention already stored. A batch that cannot get the lock is retried with a backoff.
"""

import contextlib
import errno
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.extract.types import ExtractedEvent
from app.ingest.reader import ReadArticle
from app.ingest.store import StoreResult, forget_names, store_article

# PostgreSQL advisory lock key of the ingestion writers (any constant bigint).
WRITER_LOCK_KEY = 0x74696D656C696E65  # "timeline"
# Batches that could not get the write lock are tried again after these pauses (s),
# each attempt first waiting the database's own busy timeout.
LOCK_BACKOFF = (0.5, 1.0, 2.0, 4.0)


@dataclass
class Stored:
    """What became of one article of a batch."""

    result: StoreResult | None = None
    error: str | None = None


class StorageFull(Exception):
    """The disk (or quota) holding the database is full: nothing more can be stored."""


class DatabaseBusy(Exception):
    """Another writer held the write lock through every attempt."""


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (a DBAPI error), and the errors it was raised from or
    while handling: SQLite rolls a transaction back by itself on a full disk, and the
    error that surfaces is then the failed ROLLBACK TO SAVEPOINT, not the full disk."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def storage_full(error: BaseException) -> BaseException | None:
    """The error that says the disk (or quota) is full, if any in the chain."""
    for cause in _causes(error):
        if getattr(cause, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
            return cause
        if getattr(cause, "sqlstate", None) == "53100":  # PostgreSQL disk_full
            return cause
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return cause
    return None


def database_busy(error: BaseException) -> bool:
    for cause in _causes(error):
        if getattr(cause, "sqlite_errorcode", None) in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
            return True
        # lock_not_available, deadlock_detected, serialization_failure
        if getattr(cause, "sqlstate", None) in ("55P03", "40P01", "40001"):
            return True
    return False


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that holds the ingestion writers' lock (see above)."""
    with Session(engine) as session, session.begin():
        connection = session.connection()
        dialect = connection.dialect.name
        if dialect == "sqlite":
            # pysqlite begins its own transactions lazily (at the first INSERT): BEGIN
            # IMMEDIATE now takes the write lock first, waiting the busy timeout.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
        yield session


def write_batch(
    engine: Engine,
    articles: Sequence[tuple[ReadArticle, Sequence[ExtractedEvent]]],
    describe: Callable[[BaseException], str],
) -> list[Stored]:
    """Store and commit the articles (each with its extracted events) as one batch.
    Raises StorageFull when the disk is full (the batch is rolled back) and
    DatabaseBusy when the write lock could not be had."""
    for pause in (*LOCK_BACKOFF, None):
        try:
            return _write_once(engine, articles, describe)
        except Exception as error:
            full = storage_full(error)
            if full is not None:  # the database's own words, first line
                raise StorageFull(str(full).splitlines()[0]) from error
            if not database_busy(error):
                raise
            if pause is None:
                raise DatabaseBusy(describe(error)) from error
            time.sleep(pause)
    raise AssertionError("unreachable")


def _write_once(
    engine: Engine,
    articles: Sequence[tuple[ReadArticle, Sequence[ExtractedEvent]]],
    describe: Callable[[BaseException], str],
) -> list[Stored]:
    with write_transaction(engine) as session:
        return [_store_one(session, article, events, describe) for article, events in articles]


def _store_one(
    session: Session,
    article: ReadArticle,
    events: Sequence[ExtractedEvent],
    describe: Callable[[BaseException], str],
) -> Stored:
    try:
        with session.begin_nested():
            return Stored(result=store_article(session, article, events))
    except Exception as error:
        forget_names(session)  # names it created were rolled back with it
        if storage_full(error) is not None or database_busy(error):
            raise
        return Stored(error=f"could not store: {describe(error)}")
