"""Web fixtures: a TestClient on the migrated temp database, empty or with the corpus."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import get_session
from app.main import app
from app.web import cache
from tests.web import fixtures_data


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with Session(engine) as session:
        fixtures_data.load(session)
    return engine


def _client(engine: Engine) -> Iterator[TestClient]:
    def session_override() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    cache.clear()
    app.dependency_overrides[get_session] = session_override
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.dependency_overrides.clear()


@pytest.fixture
def client(loaded: Engine) -> Iterator[TestClient]:
    yield from _client(loaded)


@pytest.fixture
def empty_client(engine: Engine) -> Iterator[TestClient]:
    yield from _client(engine)


@pytest.fixture
def db(loaded: Engine) -> Iterator[Session]:
    cache.clear()
    with Session(loaded) as session:
        yield session
