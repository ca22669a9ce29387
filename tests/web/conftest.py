"""Web fixtures: a TestClient on the migrated temp database, empty or with the corpus.

The app reads the database the way it does in production: through its own engine,
built from DATABASE_URL, which these fixtures point at the test database.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import get_settings
from app.db import get_read_only_engine
from app.main import app
from app.web import cache
from tests.web import fixtures_data


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with Session(engine) as session:
        fixtures_data.load(session)
    return engine


@pytest.fixture
def site_settings(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """Settings (and the app's engine) for the test database; set more with monkeypatch.setenv."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_read_only_engine.cache_clear()
    cache.clear()
    yield
    get_read_only_engine().dispose()
    get_settings.cache_clear()
    get_read_only_engine.cache_clear()


def _client() -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def client(loaded: Engine, site_settings: None) -> Iterator[TestClient]:
    yield from _client()


@pytest.fixture
def empty_client(engine: Engine, site_settings: None) -> Iterator[TestClient]:
    yield from _client()


@pytest.fixture
def db(loaded: Engine) -> Iterator[Session]:
    cache.clear()
    with Session(loaded) as session:
        yield session
