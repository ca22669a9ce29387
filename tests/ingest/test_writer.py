"""The writer: batches in one transaction, a savepoint per article, the writers' lock,
and a full disk that stops the run with the finished articles kept."""

import datetime as dt
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import get_engine, make_engine
from app.ingest import store as store_module
from app.ingest.reader import read_article
from app.ingest.runner import IngestReport, ingest_paths
from app.ingest.writer import database_busy, storage_full, write_batch
from app.migrate import upgrade_database
from app.models import Article, Mention
from bench.corpus import Corpus
from tests.databases import Databases, backend
from tests.processes import start_ingest

TODAY = dt.date(2026, 1, 1)


def articles(folder: Path, count: int) -> list[Path]:
    return Corpus(articles=count).write(folder, range(count))


def run(engine: Engine, paths: list[Path], **options: Any) -> IngestReport:
    return ingest_paths(paths, engine, today=TODAY, **options)


def mention_keys(engine: Engine) -> dict[str, set[str]]:
    """article id -> the keys of its mentions."""
    with Session(engine) as session:
        keys: dict[str, set[str]] = {a: set() for a in session.exec(select(Article.id))}
        for article_id, key in session.exec(select(Mention.article_id, Mention.key)):
            keys[article_id].add(key)
    return keys


def test_one_article_that_fails_to_store_rolls_back_alone(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = articles(tmp_path / "articles", 4)
    real_store = store_module.store_article

    def fails_for_the_third(session: Session, article: Any, events: Any) -> Any:
        result = real_store(session, article, events)  # stored, then the error: rolled back
        if article.source.endswith("gen_000002.md"):
            raise RuntimeError("a bug")
        return result

    monkeypatch.setattr("app.ingest.writer.store_article", fails_for_the_third)
    report = run(engine, paths, batch_articles=10)
    assert [(Path(o.path).name, o.status, o.reason) for o in report.outcomes] == [
        ("gen_000000.md", "new", None),
        ("gen_000001.md", "new", None),
        ("gen_000002.md", "failed", "could not store: RuntimeError: a bug"),
        ("gen_000003.md", "new", None),
    ]
    stored = mention_keys(engine)
    assert len(stored) == 3
    assert all(stored.values())  # every stored article has its mentions


def test_a_batch_commits_once_for_its_articles(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three commits for seven articles in batches of three; the planner's statistics
    are refreshed once, after the run."""
    paths = articles(tmp_path / "articles", 7)
    statistics: list[Engine] = []
    monkeypatch.setattr("app.ingest.runner.refresh_statistics", statistics.append)
    commits: list[int] = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    report = run(engine, paths, batch_articles=3)
    assert report.count("new") == 7
    assert len(commits) == 3  # 3 + 3 + 1
    assert statistics == [engine]


def read_all(paths: list[Path]) -> list[tuple[Any, list[Any]]]:
    from app.extract import extract_events

    read = [read_article(path, max_bytes=10**6, today=TODAY) for path in paths]
    return [(article, extract_events(article.to_input())) for article in read]


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's write lock")
def test_a_batch_waits_for_another_writer_instead_of_failing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Another connection holds the write lock for a second: the batch waits (busy
    timeout), then commits; no "database is locked"."""
    prepared = read_all(articles(tmp_path / "articles", 2))
    path = database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, holder.commit)
    release.start()
    started = time.monotonic()
    stored = write_batch(engine, prepared, str)
    waited = time.monotonic() - started
    release.join()
    holder.close()
    assert [s.error for s in stored] == [None, None]
    assert [s.result.new for s in stored if s.result] == [True, True]
    assert waited >= 0.9


def test_sqlite_errors_are_told_apart(sqlite_url: str) -> None:
    full = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    full.execute("CREATE TABLE t (x)")
    full.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.OperationalError) as raised:
        full.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 10)
    full.close()
    wrapped = OperationalError("INSERT", {}, raised.value)
    assert (storage_full(wrapped), database_busy(wrapped)) == (raised.value, False)
    locked = OperationalError("BEGIN", {}, _locked_error(sqlite_url))
    assert (storage_full(locked), database_busy(locked)) == (None, True)


def _locked_error(url: str) -> sqlite3.Error:
    path = url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.rollback()
        holder.close()
        other.close()
    raise AssertionError("the second writer got the lock")


def limit_pages(engine: Engine, extra_pages: int) -> None:
    """SQLite's max_page_count: the database cannot grow past its size now plus
    `extra_pages` pages; past it SQLite fails with SQLITE_FULL, "database or disk is
    full", exactly as when the disk itself is full."""
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    assert isinstance(pages, int)

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    engine.dispose()
    event.listen(engine, "connect", cap)


@pytest.mark.skipif(backend() != "sqlite", reason="fills a SQLite file")
def test_a_full_disk_stops_the_run_and_keeps_the_finished_articles(
    engine: Engine, databases: Databases, tmp_path: Path
) -> None:
    paths = articles(tmp_path / "articles", 40)
    complete, _ = reference_snapshot(databases, paths)

    limit_pages(engine, 40)
    report = run(engine, paths, batch_articles=5)
    assert report.disk_full == "database or disk is full"
    assert not report.ok
    stored = mention_keys(engine)
    assert 0 < len(stored) < 40
    assert report.count("new") == len(stored)
    assert all(keys == complete[article] for article, keys in stored.items())
    failed = [o.reason for o in report.outcomes if o.status == "failed"]
    assert set(failed) == {"not stored: the database's disk is full (database or disk is full)"}
    assert len(failed) == 5  # the batch that did not fit
    assert len(report.not_read) == 40 - len(stored) - 5
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


@pytest.mark.skipif(backend() != "sqlite", reason="fills a SQLite file")
def test_a_full_disk_is_one_clear_line_and_exit_code_2(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    articles(folder, 30)
    monkeypatch.setenv("INGEST_BATCH_ARTICLES", "5")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    limit_pages(get_engine(), 30)
    result = runner.invoke(cli, ["ingest", str(folder)])
    engine = make_engine(cli_database)
    with Session(engine) as session:
        stored = session.exec(select(func.count()).select_from(Article)).one()
        in_order = list(session.exec(select(Article.source).order_by(col(Article.source))))
    engine.dispose()
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: cannot use the database {cli_database}: the disk holding it is full "
        f"(database or disk is full): the run stopped; the {stored} "
        "article(s) it stored are kept; free some space and run the same command again for "
        "the rest"
    )
    assert "Traceback" not in result.output
    assert 0 < stored < 30
    assert in_order == [str(folder / f"gen_{n:06d}.md") for n in range(stored)]


def snapshot(engine: Engine) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(article id -> its mention keys, event id -> its mention keys)."""
    events: dict[str, set[str]] = {}
    with Session(engine) as session:
        for event_id, key in session.exec(select(Mention.event_id, Mention.key)):
            events.setdefault(event_id, set()).add(key)
    return mention_keys(engine), events


def reference_snapshot(
    databases: Databases, paths: list[Path]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The database one uninterrupted run builds from `paths`."""
    url = databases.new("reference")
    upgrade_database(url)
    engine = make_engine(url)
    run(engine, paths)
    built = snapshot(engine)
    engine.dispose()
    return built


def stored_articles(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Article)).one()


def test_a_run_killed_mid_way_keeps_whole_articles_and_a_rerun_finishes(
    engine: Engine, database_url: str, databases: Databases, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    paths = articles(folder, 60)
    reference_articles, reference_events = reference_snapshot(databases, paths)
    killed = start_ingest(folder, database_url, batch_articles=4)
    deadline = time.monotonic() + 120
    while stored_articles(engine) < 8 and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    killed.kill()
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL
    stored, _ = snapshot(engine)
    assert 8 <= len(stored) < 60
    assert all(keys == reference_articles[article] for article, keys in stored.items())
    if backend() == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    rerun = start_ingest(folder, database_url, batch_articles=4)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert snapshot(engine) == (reference_articles, reference_events)


def test_two_runs_on_overlapping_folders_store_each_article_once(
    engine: Engine, database_url: str, databases: Databases, tmp_path: Path
) -> None:
    """Runs over 0-39 and 20-59 at once, committing every 3 articles: neither waits
    past its busy timeout nor fails, the overlap is stored once ("already known" for
    the run that comes second), and the events are those of one run over 0-59."""
    corpus = Corpus(articles=60)
    first = corpus.write(tmp_path / "first", range(40))
    second = corpus.write(tmp_path / "second", range(20, 60))
    reference = reference_snapshot(databases, first + second[20:])
    runs = [
        start_ingest(path[0].parent, database_url, batch_articles=3) for path in (first, second)
    ]
    outputs = [process.communicate(timeout=300) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    assert not any("locked" in err for _, err in outputs)
    new = [summary_value(out, "articles new") for out, _ in outputs]
    known = [summary_value(out, "articles already known") for out, _ in outputs]
    assert (sum(new), sum(known)) == (60, 20)
    assert snapshot(engine) == reference


def summary_value(output: str, label: str) -> int:
    line = next(line for line in output.splitlines() if f" {label} " in line)
    return int(line.strip(" │|").split()[-1].strip("│|"))
