"""The site refuses to start on a database it cannot serve: one clear line, no traceback,
and it never creates the database file."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import make_engine
from app.main import app
from app.migrate import head_revision, upgrade_database
from app.web.startup import DatabaseUnusable, database_problem
from tests.databases import backend
from tests.web.live import REPO_ROOT, free_port, serve_env, serve_refused


def problem_for(path: Path) -> str | None:
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    try:
        return database_problem(engine)
    finally:
        engine.dispose()


def test_a_missing_database_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "timeline.sqlite3"
    assert problem_for(path) == (
        f"no database at {path}: create it with `timeline db upgrade` or `timeline ingest`, "
        "or set DATABASE_URL to an existing one"
    )
    assert not path.parent.exists()


def test_an_empty_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    assert problem_for(path) == (
        f"the database at {path} has no schema (this code needs migration {head_revision()}): "
        "run `timeline db upgrade`"
    )


def test_a_database_from_unknown_code_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    assert problem_for(path) == (
        f"the database at {path} is at migration 9999_future, which this code does not know "
        f"(it needs {head_revision()}): serve it with the code that wrote it"
    )


def test_a_migrated_database_has_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "ok.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    assert problem_for(path) is None


def test_serve_refuses_a_wrong_path_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "timeline.sqlite3"
    done = serve_refused(f"sqlite:///{path}")
    assert done.returncode == 2
    assert done.stderr == (
        f"error: no database at {path}: create it with `timeline db upgrade` or "
        "`timeline ingest`, or set DATABASE_URL to an existing one\n"
    )
    assert not path.parent.exists()


def test_uvicorn_run_by_hand_refuses_a_wrong_path_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "timeline.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(free_port())],
        cwd=REPO_ROOT,
        env=serve_env(f"sqlite:///{path}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3  # uvicorn's "startup failed"
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")]
    assert errors == [
        f"ERROR:    no database at {path}: create it with `timeline db upgrade` or "
        "`timeline ingest`, or set DATABASE_URL to an existing one",
        "ERROR:    Application startup failed. Exiting.",
    ]
    assert "Traceback" not in done.stderr
    assert not path.parent.exists()


@pytest.mark.skipif(backend() != "sqlite", reason="a missing SQLite file")
def test_the_app_fails_its_startup_when_the_database_is_missing(
    site_settings: None, database_url: str
) -> None:
    path = database_url.removeprefix("sqlite:///")
    with pytest.raises(DatabaseUnusable, match=f"^no database at {path}: "), TestClient(app):
        pass
