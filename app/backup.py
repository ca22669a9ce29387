"""`timeline db backup PATH`: a consistent copy of the SQLite database, safe to take
while the site serves and ingestion writes.

SQLite's online backup API copies the pages of one read snapshot (in WAL mode readers
never block writers, and writers never disturb the snapshot), into a temporary file
beside PATH that is checked, made self-contained (rollback journal, no -wal file to
carry) and then renamed to PATH: a backup interrupted midway never leaves a truncated
file under the name. PostgreSQL has its own tools (pg_dump; README, "Backups").
"""

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupError(Exception):
    """The backup cannot be written where asked (the message says why)."""


@dataclass
class Backup:
    path: Path
    bytes: int
    articles: int
    events: int
    seconds: float
    check: str  # PRAGMA quick_check of the copy: "ok"


def backup_sqlite(engine: Engine, target: Path, *, overwrite: bool = False) -> Backup:
    if engine.dialect.name != "sqlite":
        raise BackupError(f"it copies SQLite databases, not {engine.dialect.name} ones")
    if target.is_dir():
        raise BackupError("it is a folder")
    if target.exists() and not overwrite:
        raise BackupError("it exists (--force replaces it)")
    if not target.parent.is_dir():
        raise BackupError(f"its folder {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise BackupError(f"its folder {target.parent} is not writable")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    started = time.perf_counter()
    try:
        copy = _copy(engine, partial)
        if copy.check != "ok":
            raise BackupError(f"the copy fails SQLite's check: {copy.check}")
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(str(error)) from error
    finally:
        with contextlib.suppress(OSError):  # gone (renamed), or never created
            partial.unlink()
    copy.path, copy.bytes = target, target.stat().st_size
    copy.seconds = time.perf_counter() - started
    return copy


def _copy(engine: Engine, partial: Path) -> Backup:
    source = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(destination)  # type: ignore[union-attr]
            # One self-contained file: back from WAL to a rollback journal.
            destination.execute("PRAGMA journal_mode=DELETE")
            check = destination.execute("PRAGMA quick_check").fetchone()[0]
            articles = destination.execute("SELECT count(*) FROM article").fetchone()[0]
            events = destination.execute("SELECT count(*) FROM event").fetchone()[0]
        finally:
            destination.close()
    finally:
        source.close()
    return Backup(partial, 0, int(articles), int(events), 0.0, str(check))


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
