"""The site only reads: it never writes the database file, so a read-only one serves."""

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.web.conftest import _client

E1 = "e100000000000001"
PAGES = ["/", f"/events/{E1}", "/api/events", "/api/facets", "/events.csv", "/events.atom"]


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        mode: str = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    return mode


@pytest.fixture
def rollback_journal_db(loaded: Engine, database_url: str) -> Path:
    """The corpus in a database copied the way sqlite3's `.backup` or `.dump` leave it:
    in rollback-journal mode, not WAL."""
    loaded.dispose()
    path = Path(loaded.url.database or "")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    return path


@pytest.fixture
def rollback_client(rollback_journal_db: Path, site_settings: None) -> Iterator[TestClient]:
    yield from _client()


def test_serving_never_writes_the_database_file(
    rollback_journal_db: Path, rollback_client: TestClient
) -> None:
    before = hashlib.sha256(rollback_journal_db.read_bytes()).hexdigest()
    for path in PAGES:
        assert rollback_client.get(path).status_code == 200, path
    assert journal_mode(rollback_journal_db) == "delete"
    assert hashlib.sha256(rollback_journal_db.read_bytes()).hexdigest() == before
