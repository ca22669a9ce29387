"""Caches for reads, valid while the database is unchanged.

Every key includes a cheap data version: for a SQLite file, the size and mtime of
the database and its WAL (every commit touches one of them); otherwise a few
aggregates, counted again on PostgreSQL only when its snapshot shows that a writing
transaction began or ended. Concurrent misses on one key compute once (the others
wait for it).
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

from app.config import get_settings
from app.db import sqlite_file
from app.web.links import site_root
from app.web.threads import off_loop

T = TypeVar("T")
MAX_ENTRIES = 512  # units (_units) per worker
# Per worker, RESPONSE_CACHE_MB (8 by default: see app/config.py).
RESPONSE_CACHE_BYTES = int(get_settings().response_cache_mb * 1024 * 1024)
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
# What makes two GETs render differently besides the URL and the site's address: htmx.
VARY_HEADERS = ("hx-request", "hx-target", "hx-history-restore-request")

_lock = threading.Lock()
# Re-entrant: a computation may consult other memoized values (never its own key).
_inflight: dict[tuple[Any, ...], threading.RLock] = {}


class Store:
    """An LRU map holding at most `capacity` in total `weight` (1 per entry by default)."""

    def __init__(self, capacity: int, weight: Callable[[Any], int] = lambda _: 1) -> None:
        self.capacity, self.weight = capacity, weight
        self.entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.total = 0

    def get(self, key: tuple[Any, ...]) -> tuple[bool, Any]:
        with _lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return True, self.entries[key]
        return False, None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with _lock:
            if key in self.entries:
                self.total -= self.weight(self.entries.pop(key))
            self.entries[key] = value
            self.total += self.weight(value)
            while self.total > self.capacity and len(self.entries) > 1:
                self.total -= self.weight(self.entries.popitem(last=False)[1])

    def clear(self) -> None:
        self.entries.clear()
        self.total = 0

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        found, value = self.get(key)
        if found:
            return value
        with _lock:
            flight = _inflight.setdefault(key, threading.RLock())
        try:
            with flight:
                found, value = self.get(key)
                if not found:
                    value = compute()
        finally:
            with _lock:
                _inflight.pop(key, None)
        return value


def _units(value: Any) -> int:
    """A memoized value's share of MAX_ENTRIES: one, plus one per 100 items it holds (a
    view's ids, a lane's points), so that large values cannot fill a worker's memory."""
    items = value if isinstance(value, tuple | dict) else getattr(value, "points", ())
    return 1 + len(items) // 100


_values = Store(MAX_ENTRIES, weight=_units)
# The events of text searches (queries.matched_events) apart, bounded by their number:
# one common word finds up to 18,000 events at 200,000 (about 4 MB). In the shared store
# three such searches would push out each other and everything else.
SEARCHED_EVENTS = get_settings().search_cache_events  # per worker
_searches = Store(SEARCHED_EVENTS, weight=lambda events: 1 + len(events or ()))
# Bounded by bytes, not entries: answers run from 1 KB (an event's JSON) to 2 MB (a CSV).
_responses = Store(RESPONSE_CACHE_BYTES, weight=lambda frozen: len(frozen[1]))


def data_version(session: Session) -> tuple[Any, ...]:
    url = session.get_bind().engine.url
    database = sqlite_file(url)  # a plain path or a file: URI
    if database is not None:
        stamps: list[int] = []
        for path in (str(database), f"{database}-wal"):
            try:
                st = os.stat(path)
                stamps += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                stamps += [0, 0]
        return (str(url), *stamps)
    connection = session.connection()
    snapshot = None
    if connection.dialect.name == "postgresql":
        # Which transactions have committed (xmin:xmax:in-progress): it moves only when
        # a writing transaction begins or ends, on any database of the server. Read first
        # in the request's transaction, it is the snapshot its queries read.
        snapshot = connection.execute(text("SELECT pg_current_snapshot()::text")).scalar()
        known = _versions.get(str(url))
        if known is not None and known[0] == snapshot:
            return known[1]
    row = connection.execute(VERSION_COUNTS).one()
    version = (str(url), *row)
    if snapshot is not None:
        _versions[str(url)] = (snapshot, version)
    return version


# Counted again only when the PostgreSQL snapshot moved: they read whole tables.
VERSION_COUNTS = text(
    "SELECT (SELECT count(*) FROM article), (SELECT count(*) FROM mention),"
    " (SELECT count(*) FROM event), (SELECT max(updated_at) FROM event),"
    " (SELECT count(*) FROM eventalias), (SELECT max(id) FROM reviewaction)"
)
# Database URL -> (the snapshot the version was counted in, the version).
_versions: dict[str, tuple[str, tuple[Any, ...]]] = {}


def memo(session: Session, name: str, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """A query result (immutable: frozen dataclasses and tuples) for an unchanged database."""
    return _memo(_values, session, name, key, compute)


def memo_search(session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """The events a text search finds (a tuple, or None), kept in a store of their own."""
    return _memo(_searches, session, "matched", key, compute)


def _memo(
    where: Store, session: Session, name: str, key: tuple[Any, ...], compute: Callable[[], T]
) -> T:
    full_key = (name, data_version(session), key)

    def store() -> T:
        value = compute()
        where.put(full_key, value)
        return value

    result: T = where.get_or_compute(full_key, store)
    return result


async def cached_response(
    session: Session, request: Request, build: Callable[[], Response]
) -> Response:
    """A rendered GET response, reused while the database is unchanged.

    Pages and API answers are pure functions of (URL, a few headers, data), so an
    unchanged database can serve them again without querying or rendering. A hit is
    answered on the event loop; a miss is computed in a worker thread (app.web.threads).
    The data version of a SQLite file is two stat() calls, taken on the loop; another
    database's is a query, which runs in a worker thread like every other.
    """
    if sqlite_file(session.get_bind().engine.url) is not None:
        version = data_version(session)
    else:
        version = await off_loop(data_version, session)
    key = (
        version,
        request.url.path,
        request.url.query,
        site_root(request),  # absolute links in the body
        *(request.headers.get(h) for h in VARY_HEADERS),
    )

    def store() -> tuple[Response | None, tuple[int, bytes, list[tuple[bytes, bytes]]] | None]:
        response = build()
        body = bytes(response.body)
        frozen = (response.status_code, body, list(response.raw_headers))
        if response.status_code in (200, 301) and len(body) <= MAX_RESPONSE_BYTES:
            _responses.put(key, frozen)
        return response, frozen

    found, frozen = _responses.get(key)
    if not found:
        response, frozen = await off_loop(store_once, key, store)
        if response is not None:
            return response
    status, body, headers = frozen
    response = Response(body, status_code=status)
    response.raw_headers = list(headers)
    return response


def store_once(key: tuple[Any, ...], store: Callable[[], Any]) -> Any:
    """Run `store` unless a concurrent request just did: then reuse its stored bytes."""
    with _lock:
        flight = _inflight.setdefault(key, threading.RLock())
    try:
        with flight:
            found, frozen = _responses.get(key)
            if found:
                return None, frozen
            return store()
    finally:
        with _lock:
            _inflight.pop(key, None)


def clear() -> None:
    with _lock:
        _values.clear()
        _searches.clear()
        _responses.clear()
