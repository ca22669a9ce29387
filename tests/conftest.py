"""Shared fixtures: a migrated database per test (a temporary SQLite file, or a
PostgreSQL database under `make test-postgres`)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import get_settings
from app.db import get_engine, get_read_only_engine, make_engine
from app.migrate import upgrade_database
from app.web import cache
from tests.databases import Databases
from tests.local_server import LocalServer, serve

# The review desk's fixtures (editors, tokens, signed-in clients), for the web tests.
pytest_plugins = ["tests.web.desk_fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield database_url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Databases]:
    """Empty databases on the backend under test (SQLite, or TEST_DATABASE_URL's)."""
    made = Databases(tmp_path)
    yield made
    if made.created:
        made.drop_all()


@pytest.fixture
def database_url(databases: Databases) -> str:
    return databases.new()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file, whatever the backend under test (for SQLite's own behaviour)."""
    return f"sqlite:///{tmp_path / 'sqlite.sqlite3'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A local HTTP server on 127.0.0.1 serving what the test writes into it."""
    yield from serve()


@pytest.fixture
def site_settings(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """Settings, and the site's engine, for the test database (more with monkeypatch.setenv)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_read_only_engine.cache_clear()
    cache.clear()
    yield
    for engine in (get_engine, get_read_only_engine):
        if engine.cache_info().currsize:
            engine().dispose()
        engine.cache_clear()
    get_settings.cache_clear()
