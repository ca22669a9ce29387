"""`timeline db backup`: a consistent, checked, self-contained copy of the SQLite
database, taken while ingestion writes."""

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from app.backup import BackupError, backup_sqlite
from app.cli import cli
from app.config import get_settings
from app.db import get_engine, make_engine
from app.ingest.runner import ingest_paths
from app.migrate import upgrade_database
from bench.corpus import Corpus
from tests.conftest import SEEDS_DIR


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    upgrade_database(sqlite_url)
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def articles_and_mentions(path: Path) -> list[tuple[str, int]]:
    """(article id, its mentions) of a database file, read with plain sqlite3."""
    connection = sqlite3.connect(path)
    rows = connection.execute(
        "SELECT article.id, count(mention.id) FROM article"
        " LEFT JOIN mention ON mention.article_id = article.id"
        " GROUP BY article.id ORDER BY article.id"
    ).fetchall()
    connection.close()
    return rows


def test_backup_is_one_checked_file_with_everything(sqlite_engine: Engine, tmp_path: Path) -> None:
    ingest_paths([SEEDS_DIR], sqlite_engine)
    copy = backup_sqlite(sqlite_engine, tmp_path / "copy.sqlite3")
    assert (copy.articles, copy.check) == (5, "ok")
    assert copy.bytes == (tmp_path / "copy.sqlite3").stat().st_size
    source = Path(sqlite_engine.url.database or "")
    assert articles_and_mentions(tmp_path / "copy.sqlite3") == articles_and_mentions(source)
    connection = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    connection.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", "."))) == [
        "copy.sqlite3"
    ]


def test_backups_taken_while_ingestion_writes_hold_whole_articles(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Each backup is one committed state: every article it holds has all its
    mentions, as many as the finished database gives it."""
    folder = tmp_path / "articles"
    paths = Corpus(articles=60).write(folder, range(60))
    writing = threading.Thread(
        target=ingest_paths, args=(paths, sqlite_engine), kwargs={"batch_articles": 2}
    )
    writing.start()
    copies = []
    while writing.is_alive():
        copies.append(backup_sqlite(sqlite_engine, tmp_path / f"copy{len(copies)}.sqlite3"))
    writing.join()
    final = dict(articles_and_mentions(Path(sqlite_engine.url.database or "")))
    assert len(final) == 60
    assert len(copies) >= 2
    for copy in copies:
        held = articles_and_mentions(copy.path)
        assert copy.check == "ok"
        assert all(mentions == final[article] for article, mentions in held), copy.path


def test_backup_never_replaces_a_file_unless_forced(sqlite_engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(BackupError, match=r"^it exists \(--force replaces it\)$"):
        backup_sqlite(sqlite_engine, target)
    assert target.read_text(encoding="utf-8") == "keep me"
    assert backup_sqlite(sqlite_engine, target, overwrite=True).check == "ok"


def test_backup_command_prints_what_it_copied(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(SEEDS_DIR)]).exit_code == 0
    result = runner.invoke(cli, ["db", "backup", str(tmp_path / "copy.sqlite3")])
    missing = runner.invoke(cli, ["db", "backup", str(tmp_path / "no" / "copy.sqlite3")])
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"backup written to {tmp_path}/copy.sqlite3: ")
    assert result.stdout.endswith(" (quick_check: ok)\n")
    assert ", 5 articles, " in result.stdout
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"error: cannot write the backup {tmp_path}/no/copy.sqlite3: its folder "
        f"{tmp_path}/no does not exist\n",
    )


def test_backup_of_postgresql_points_to_its_own_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://timeline:secret@127.0.0.1:1/timeline")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["db", "backup", "copy.sqlite3"])
    get_settings.cache_clear()
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: cannot use the database postgresql://timeline:***@127.0.0.1:1/timeline: "
        "timeline db backup copies SQLite databases; back up postgresql with its own tools "
        "(pg_dump: README, Backups)\n"
    )
