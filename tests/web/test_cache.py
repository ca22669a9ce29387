"""Cached answers come straight from the event loop; a view that must be computed runs in
a worker thread, so a crowd of never-seen views cannot hold up the cached pages."""

import asyncio
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import get_settings
from app.db import SnapshotSession
from app.main import app
from app.web import cache, pages
from tests.databases import backend

E1 = "e100000000000001"


def test_a_cached_page_is_answered_while_a_new_view_is_computed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(f"/events/{E1}").status_code == 200  # now cached
    computing, release = threading.Event(), threading.Event()
    compute = pages._timeline

    def slow_timeline(*args: Any) -> Any:
        computing.set()
        release.wait(timeout=10)  # on the event loop (the bug), this stalls every request
        return compute(*args)

    monkeypatch.setattr(pages, "_timeline", slow_timeline)
    finished: list[str] = []

    async def visit(http: httpx.AsyncClient, path: str, name: str) -> int:
        status = (await http.get(path)).status_code
        finished.append(name)
        return status

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            new_view = asyncio.create_task(visit(http, "/?q=never+asked", "new view"))
            while not computing.is_set():
                await asyncio.sleep(0.01)
            cached = await visit(http, f"/events/{E1}", "cached page")
            release.set()
            return cached, await new_view

    assert asyncio.run(scenario()) == (200, 200)
    assert finished == ["cached page", "new view"]


def test_a_slow_new_view_does_not_hold_up_another_new_view(
    loaded: Any, site_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Views nobody asked for yet are computed in a pool of threads (RENDER_THREADS):
    a slow one takes one thread, the next new view another."""
    monkeypatch.setenv("RENDER_THREADS", "2")
    get_settings.cache_clear()
    computing, release = threading.Event(), threading.Event()
    compute = pages._timeline

    def slow_timeline(*args: Any) -> Any:
        computing.set()
        release.wait(timeout=10)
        return compute(*args)

    monkeypatch.setattr(pages, "_timeline", slow_timeline)
    finished: list[str] = []

    async def visit(http: httpx.AsyncClient, path: str, name: str) -> int:
        status = (await http.get(path)).status_code
        finished.append(name)
        return status

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            slow = asyncio.create_task(visit(http, "/?q=never+asked", "slow view"))
            while not computing.is_set():
                await asyncio.sleep(0.01)
            other = await visit(http, f"/events/{E1}", "other new view")
            release.set()
            return other, await slow

    assert asyncio.run(scenario()) == (200, 200)
    assert finished == ["other new view", "slow view"]


def test_the_response_cache_keeps_the_newest_answers_within_its_bytes() -> None:
    store = cache._Store(10, weight=len)
    for key, value in (("a", "xxxx"), ("b", "yyyy"), ("c", "zzzz")):
        store.put((key,), value)
    assert list(store.entries) == [("b",), ("c",)]
    assert store.total == 8


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's snapshot")
def test_postgresql_counts_the_data_version_again_only_after_a_write(engine: Engine) -> None:
    counted: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == str(cache.VERSION_COUNTS):
            counted.append(statement)

    event.listen(engine, "before_cursor_execute", record)

    def version() -> tuple[Any, ...]:
        with SnapshotSession(engine) as session:
            return cache.data_version(session)

    first, again = version(), version()
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO actor (id, name) VALUES ('nato', 'NATO')")
        connection.exec_driver_sql(
            "INSERT INTO event (id, type, actor_id, date_basis, summary, search_text,"
            " created_at, updated_at) VALUES ('e1', 'request', 'nato', 'undated', '', '',"
            " '2024-01-01', '2024-01-01')"
        )
    after = version()
    event.remove(engine, "before_cursor_execute", record)
    assert first == again != after
    assert len(counted) == 2
