"""A small memo for expensive read queries, valid while the database is unchanged.

The key includes a cheap data version: for a SQLite file, the size and mtime of the
database and its WAL (every commit touches one of them); otherwise a few aggregates.
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session

T = TypeVar("T")
MAX_ENTRIES = 1024

_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def data_version(session: Session) -> tuple[Any, ...]:
    url = session.get_bind().engine.url
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        stamps: list[int] = []
        for path in (database, database + "-wal"):
            try:
                st = os.stat(path)
                stamps += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                stamps += [0, 0]
        return (str(url), *stamps)
    row = (
        session.connection()
        .execute(
            text(
                "SELECT (SELECT count(*) FROM article), (SELECT count(*) FROM mention),"
                " (SELECT count(*) FROM event), (SELECT max(updated_at) FROM event),"
                " (SELECT count(*) FROM eventalias)"
            )
        )
        .one()
    )
    return (str(url), *row)


def memo(session: Session, name: str, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    full_key = (name, data_version(session), key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            value: T = _entries[full_key]
            return value
    value = compute()
    with _lock:
        _entries[full_key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
