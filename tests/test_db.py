"""The site's sessions: they only read, and each sees one committed state."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.db import get_session, refresh_statistics
from app.models import Actor
from tests.databases import backend
from tests.web.generated import generate


async def _first_session() -> Session:
    return await anext(get_session())


def test_the_sites_session_refuses_to_write(site_settings: None, engine: Engine) -> None:
    """SQLite opens the file read-only (mode=ro); PostgreSQL runs a read-only
    transaction. Either way a write from a page's session fails."""
    session = asyncio.run(_first_session())
    with pytest.raises(DBAPIError, match=r"read-only|readonly"):
        session.execute(text("INSERT INTO actor (id, name) VALUES ('norway', 'Norway')"))
    session.close()
    with Session(engine) as reading:
        assert reading.get(Actor, "norway") is None


def test_the_sites_session_reads_one_snapshot(site_settings: None, engine: Engine) -> None:
    """A commit made while a page is being built is not seen half-way through it."""
    session = asyncio.run(_first_session())
    assert session.execute(text("SELECT count(*) FROM actor")).scalar() == 0
    with Session(engine) as writing:
        writing.add(Actor(id="norway", name="Norway"))
        writing.commit()
    assert session.execute(text("SELECT count(*) FROM actor")).scalar() == 0
    session.close()
    session = asyncio.run(_first_session())
    assert session.execute(text("SELECT count(*) FROM actor")).scalar() == 1
    session.close()


def _event_statistics(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'event'")
        return {idx: stat for idx, stat in rows}


def _copy_events(engine: Engine, count: int, prefix: str) -> None:
    """`count` more events, copies of stored ones under new ids."""
    columns = "type, actor_id, date, date_precision, date_basis, summary, search_text, "
    columns += "created_at, updated_at, confidence, review_status"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO event (id, {columns}) SELECT '{prefix}' || substr(id, 3), {columns} "
            f"FROM event WHERE id NOT LIKE 'x%' LIMIT {count}"
        )


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's planner statistics")
def test_planner_statistics_are_full_and_refreshed_when_the_events_drift(engine: Engine) -> None:
    generate(engine, events=200)
    refresh_statistics(engine)
    stats = _event_statistics(engine)
    # Full statistics: rows, then rows per review status (3 of them among 200 events),
    # where approximate ones would stop at the first entries of each index.
    assert stats["ix_event_review_status"] == "200 67"
    _copy_events(engine, 15, "xa")  # 7.5 % more: the statistics stay
    refresh_statistics(engine)
    assert _event_statistics(engine) == stats
    _copy_events(engine, 10, "xb")  # 12.5 % more than when they were taken
    refresh_statistics(engine)
    assert _event_statistics(engine)["ix_event_review_status"] == "225 75"
