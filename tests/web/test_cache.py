"""Cached answers come straight from the event loop; a view that must be computed runs in
a worker thread, so a crowd of never-seen views cannot hold up the cached pages."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import get_settings
from app.db import SnapshotSession
from app.web import cache, pages
from tests.databases import backend
from tests.web.races import Hold, get

E1 = "e100000000000001"


def test_a_cached_page_is_answered_while_a_new_view_is_computed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(f"/events/{E1}").status_code == 200  # now cached
    hold = Hold(monkeypatch, pages, "_timeline")
    order = hold.finishing_order(get("/?q=never+asked"), get(f"/events/{E1}"))
    assert order == [("other", 200), ("held", 200)]


def test_a_slow_new_view_does_not_hold_up_another_new_view(
    loaded: Any, site_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Views nobody asked for yet are computed in a pool of threads (RENDER_THREADS):
    a slow one takes one thread, the next new view (not cached) another."""
    monkeypatch.setenv("RENDER_THREADS", "2")
    get_settings.cache_clear()
    hold = Hold(monkeypatch, pages, "_timeline")
    order = hold.finishing_order(get("/?q=never+asked"), get(f"/events/{E1}"))
    assert order == [("other", 200), ("held", 200)]


def test_the_response_cache_keeps_the_newest_answers_within_its_bytes() -> None:
    store = cache.Store(10, weight=len)
    for key, value in (("a", "xxxx"), ("b", "yyyy"), ("c", "zzzz")):
        store.put((key,), value)
    assert list(store.entries) == [("b",), ("c",)]
    assert store.total == 8


def test_searches_are_kept_apart_bounded_by_their_events(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large search fills the searches' store, not the one of every other view."""
    monkeypatch.setattr(cache, "_searches", cache.Store(10, weight=cache._searches.weight))
    cache.clear()
    with SnapshotSession(engine) as session:
        cache.memo(session, "count", ("view",), lambda: 3)
        for word, found in (("big", ("e",) * 6), ("none", None), ("small", ("e",) * 3)):
            cache.memo_search(session, (word,), lambda found=found: found)
        # 7 + 1 + 4 units: the oldest search went; the other view stayed.
        kept = [key[2] for key in cache._searches.entries]
        assert (kept, cache._searches.total) == ([("none",), ("small",)], 5)
        assert [key[2] for key in cache._values.entries] == [("view",)]


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
