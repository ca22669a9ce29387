"""The site only reads: it never writes the database file, so a read-only one serves."""

import ctypes
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.databases import backend
from tests.web.conftest import _client
from tests.web.live import serve, serve_refused

# A SQLite file's journal and modes (PostgreSQL's read-only transactions: test_pages.py).
pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="a SQLite file")

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


PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_mode_override() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def bound_by_file_modes() -> dict[str, Any]:
    """Popen arguments under which file modes bind the server: root ignores them unless it
    drops the capabilities that override them."""
    return {"preexec_fn": _drop_file_mode_override} if os.geteuid() == 0 else {}


@contextmanager
def read_only_copy(database: Path) -> Iterator[Path]:
    """The database alone in a folder where neither it nor its folder can be written."""
    folder = Path(tempfile.mkdtemp(prefix="timeline-read-only-"))
    try:
        copy = folder / "timeline.sqlite3"
        shutil.copyfile(database, copy)
        copy.chmod(0o444)
        folder.chmod(0o555)
        yield copy
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_a_read_only_database_file_serves(rollback_journal_db: Path) -> None:
    with (
        read_only_copy(rollback_journal_db) as copy,
        serve(f"sqlite:///{copy}", **bound_by_file_modes()) as base,
    ):
        for path in PAGES:
            assert httpx.get(base + path, timeout=30).status_code == 200, path


def test_a_read_only_wal_database_without_its_side_files_is_refused_in_one_line(
    loaded: Engine,
) -> None:
    loaded.dispose()  # the last connection folds the WAL back into the file
    with read_only_copy(Path(loaded.url.database or "")) as copy:
        done = serve_refused(f"sqlite:///{copy}", **bound_by_file_modes())
    assert done.returncode == 2
    assert done.stderr == (
        f"error: cannot read the database at {copy}: attempt to write a readonly database "
        "(a read-only database in WAL mode needs its -wal and -shm files, or a writable "
        "folder)\n"
    )
