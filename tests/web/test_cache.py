"""Cached answers come straight from the event loop; a view that must be computed runs in
a worker thread, so a crowd of never-seen views cannot hold up the cached pages."""

import asyncio
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import app
from app.web import cache, pages

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
