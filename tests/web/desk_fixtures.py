"""Editors on the web corpus, signed-in clients, and a dump of the database to prove
that a refused write changed nothing."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app.config import get_settings
from app.review import accounts
from tests.web.dom import parse

PASSWORDS = {"ana": "ana's long passphrase", "bob": "bob's long passphrase"}


@pytest.fixture
def secret(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The sign-in form's key in a temporary file, never the repository's data/."""
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "secret_key"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def tokens(loaded: Engine, secret: None) -> dict[str, str]:
    """Editors ana and bob, each with an API token."""
    out = {}
    with Session(loaded) as session, session.begin():
        for name, password in PASSWORDS.items():
            accounts.add_editor(session, name, password)
            out[name] = accounts.create_token(session, name)[1]
    return out


def csrf_of(html: str) -> str:
    value = parse(html).find("input", name="csrf_token").attrs["value"]
    assert value
    return value


def sign_in(client: TestClient, name: str, password: str | None = None) -> TestClient:
    form = client.get("/review/login")
    response = client.post(
        "/review/login",
        data={
            "name": name,
            "password": password or PASSWORDS[name],
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def desk_csrf(client: TestClient) -> str:
    return csrf_of(client.get("/review").text)


def dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (SQLite's full-text table included; PostgreSQL's index
    is computed from the event rows)."""
    names = sorted(SQLModel.metadata.tables)
    if engine.dialect.name == "sqlite":
        names.append("event_fts")
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
            for name in names
        }
