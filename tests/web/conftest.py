"""Web fixtures: a TestClient on the migrated temp database, empty or with the corpus.

The app reads the database the way it does in production: through its own engine,
built from DATABASE_URL, which `site_settings` (tests/conftest.py) points at the test
database.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.main import app
from app.web import cache
from tests.web import fixtures_data
from tests.web.browsing import browser  # noqa: F401 (the real-browser tests' fixture)
from tests.web.generated import generate


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with Session(engine) as session:
        fixtures_data.load(session)
    return engine


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


@pytest.fixture
def generated(engine: Engine) -> Iterator[Session]:
    """A session on tests/web/generated.py's 240 events."""
    generate(engine)
    with Session(engine) as session:
        yield session
