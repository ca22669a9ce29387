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
from starlette.requests import Request
from starlette.responses import Response

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
        _responses.clear()


# --- whole responses --------------------------------------------------------------------

MAX_RESPONSES = 256
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
_responses: OrderedDict[tuple[Any, ...], tuple[int, bytes, list[tuple[bytes, bytes]]]] = (
    OrderedDict()
)
# What makes two GETs render differently besides the URL: htmx fragments, the host.
VARY_HEADERS = ("host", "hx-request", "hx-target", "hx-history-restore-request")


def cached_response(session: Session, request: Request, build: Callable[[], Response]) -> Response:
    """A rendered GET response, reused while the database is unchanged.

    Pages and API answers are pure functions of (URL, a few headers, data), so
    an unchanged database can serve them again without querying or rendering.
    """
    key = (
        data_version(session),
        request.url.path,
        request.url.query,
        *(request.headers.get(h) for h in VARY_HEADERS),
    )
    with _lock:
        hit = _responses.get(key)
        if hit is not None:
            _responses.move_to_end(key)
    if hit is not None:
        status, body, headers = hit
        response = Response(body, status_code=status)
        response.raw_headers = list(headers)
        return response
    response = build()
    body = bytes(response.body)
    if response.status_code in (200, 301) and len(body) <= MAX_RESPONSE_BYTES:
        with _lock:
            _responses[key] = (response.status_code, body, list(response.raw_headers))
            while len(_responses) > MAX_RESPONSES:
                _responses.popitem(last=False)
    return response
