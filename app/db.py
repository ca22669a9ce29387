"""Engine and sessions. SQLite runs in WAL mode with foreign keys enforced."""

from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

from app.config import get_settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def engine_url(url: str) -> URL:
    """The URL as SQLAlchemy should read it: `postgresql://` and `postgres://` mean
    psycopg 3, the driver installed with the project (SQLAlchemy's default for them is
    psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = engine_url(url)
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        connect_args["check_same_thread"] = False
        # Not for a "file:…?uri=true" name: its folder is not a prefix of the name.
        if parsed.database and parsed.database != ":memory:" and "uri" not in parsed.query:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        # A server restarted or a connection dropped by the network is noticed when a
        # connection leaves the pool, not by the request that uses it.
        options["pool_pre_ping"] = True
    engine = create_engine(parsed, echo=echo, connect_args=connect_args, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.sql_echo)


class SnapshotSession(Session):
    """A session whose reads all see one committed state of the database: a page's
    queries never mix the states before and after a batch that ingestion commits
    meanwhile (which could show half of an article's mentions)."""


@event.listens_for(SnapshotSession, "after_begin")
def _read_one_snapshot(_session: Session, _transaction: Any, connection: Any) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # pysqlite opens no transaction for SELECTs, so each would see the latest commit;
        # inside BEGIN they share the snapshot of the first (WAL: writers go on).
        connection.exec_driver_sql("BEGIN")
    elif dialect == "postgresql":
        # READ COMMITTED takes a snapshot per statement; REPEATABLE READ one per transaction.
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


async def get_session(request: Request) -> AsyncIterator[Session]:
    # async, though the session is sync: creating it does no I/O, and a sync
    # dependency would cost every request a hop through the thread pool.
    reading = request.method in ("GET", "HEAD")
    with (SnapshotSession if reading else Session)(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
