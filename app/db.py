"""Engines and sessions. SQLite runs in WAL mode with foreign keys enforced.

WAL is a property of the database file, set once by the migrations; connections
only set per-connection pragmas, so a reader never has to write. The site reads
through its own engine, opened read-only: it never creates, converts or writes
the database (which may be a read-only file); only the review desk's routes write,
through get_writer_session.
"""

import sqlite3
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from app.config import get_settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, a plain path or a "file:" URI (uri=true); None in memory."""
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    if "uri" in url.query and name.startswith("file:"):
        if url.query.get("mode") == "memory" or name.startswith("file::memory:"):
            return None
        return Path(unquote(urlsplit(name).path))
    return Path(name)


def _read_only_connector(path: Path) -> Callable[[], sqlite3.Connection]:
    # mode=ro: SQLite opens the file read-only and never creates it.
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)


def engine_url(url: str) -> URL:
    """The URL as SQLAlchemy should read it: `postgresql://` and `postgres://` mean
    psycopg 3, the driver installed with the project (SQLAlchemy's default for them is
    psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, echo: bool = False, read_only: bool = False) -> Engine:
    parsed = engine_url(url)
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    path = sqlite_file(parsed)
    if parsed.get_backend_name() == "sqlite":
        connect_args["check_same_thread"] = False
    if path is not None and read_only:
        if "uri" in parsed.query:
            parsed = parsed.update_query_dict({"mode": "ro"})
        else:
            options["creator"] = _read_only_connector(path)
    elif path is not None and "uri" not in parsed.query:
        # Not for a "file:…?uri=true" name: its folder is not a prefix of the name.
        path.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() != "sqlite":
        # A server restarted or a connection dropped by the network is noticed when a
        # connection leaves the pool, not by the request that uses it.
        options["pool_pre_ping"] = True
    engine = create_engine(parsed, echo=echo, connect_args=connect_args, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# SQLite's planner picks the covering indexes the site's queries are written for when it
# has statistics (sqlite_stat1) that say how skewed the columns are. Approximate ones
# (`PRAGMA analysis_limit`) read the first entries of each index only and take a review
# status or a date for a selective key, which sent pages through the wrong index (2 s
# instead of 0.1 s at 200,000 events). A full ANALYZE takes about 2.6 s at 200,000
# events, so it runs when the events have grown or shrunk by a tenth since the last one:
# over a database's life that is about eleven times one ANALYZE at its final size.
STATISTICS_DRIFT = 0.1


def refresh_statistics(engine: Engine) -> None:
    """Refresh SQLite's planner statistics when the events' count has drifted since they
    were taken (after ingestion). A database busy with another writer keeps its
    statistics until the next run. PostgreSQL's autovacuum keeps its own."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.begin() as connection:
            events = connection.exec_driver_sql("SELECT count(*) FROM event").scalar_one()
            analysed = _analysed_events(connection)
            if analysed is None or abs(events - analysed) > STATISTICS_DRIFT * analysed:
                connection.exec_driver_sql("ANALYZE")
    except OperationalError:
        pass  # locked by another writer: the statistics are only a help


def _analysed_events(connection: Connection) -> int | None:
    """The events' count when the statistics were taken (None: never taken)."""
    if not connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    ).first():
        return None
    stat = connection.exec_driver_sql(
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'event' LIMIT 1"
    ).scalar()
    return int(stat.split()[0]) if stat else None


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.sql_echo)


@lru_cache
def get_read_only_engine() -> Engine:
    """The site's engine: it reads, and SQLite enforces that it only reads."""
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.sql_echo, read_only=True)


class SnapshotSession(Session):
    """A session that only reads, and whose reads all see one committed state of the
    database: a page's queries never mix the states before and after a batch that
    ingestion commits meanwhile (which could show half of an article's mentions)."""


@event.listens_for(SnapshotSession, "after_begin")
def _read_one_snapshot(_session: Session, _transaction: Any, connection: Any) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # pysqlite opens no transaction for SELECTs, so each would see the latest commit;
        # inside BEGIN they share the snapshot of the first (WAL: writers go on).
        connection.exec_driver_sql("BEGIN")
    elif dialect == "postgresql":
        # READ COMMITTED takes a snapshot per statement; REPEATABLE READ one per transaction.
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


async def get_session() -> AsyncIterator[Session]:
    # async, though the session is sync: creating it does no I/O, and a sync
    # dependency would cost every request a hop through the thread pool.
    with SnapshotSession(get_read_only_engine()) as session:
        yield session


async def get_writer_session() -> AsyncIterator[Session]:
    """For the review desk only: editors write; every other route reads (get_session)."""
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
WriterSessionDep = Annotated[Session, Depends(get_writer_session)]
