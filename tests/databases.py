"""Test databases: a temporary SQLite file each, or, when TEST_DATABASE_URL names a
PostgreSQL server (`make test-postgres`), a database of its own on that server,
dropped when the test ends."""

import os
import uuid
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app.db import engine_url

SERVER_URL = os.environ.get("TEST_DATABASE_URL")


def backend() -> str:
    return engine_url(SERVER_URL).get_backend_name() if SERVER_URL else "sqlite"


@lru_cache
def _server() -> Engine:
    assert SERVER_URL is not None
    return create_engine(engine_url(SERVER_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool)


class Databases:
    """Hands out empty databases for one test and removes them after it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[str] = []

    def new(self, name: str = "test") -> str:
        if SERVER_URL is None:
            return f"sqlite:///{self.folder / f'{name}.sqlite3'}"
        database = f"test_{name}_{uuid.uuid4().hex[:12]}"
        with _server().connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        self.created.append(database)
        url = engine_url(SERVER_URL).set(database=database)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with _server().connect() as connection:
            for database in self.created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.created.clear()
