"""The site's sessions: they only read, and each sees one committed state."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.db import get_session
from app.models import Actor


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
