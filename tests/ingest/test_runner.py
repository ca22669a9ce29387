"""An ingestion run as a whole: file types, failures that stay per file, workers."""

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.extract.types import ArticleInput, ExtractedEvent
from app.ingest.reader import ReadArticle
from app.ingest.runner import (
    WORKER_DIED,
    IngestReport,
    Prepared,
    configure_run,
    describe,
    ingest_paths,
    prepare,
    prepare_all,
)
from app.models import Article
from tests.conftest import REPO_ROOT
from tests.processes import children_of, is_running, start_busy_ingest

TODAY = dt.date(2024, 6, 1)
GOOD = "---\npublished: 2024-05-30\nlanguage: fr\n---\nLe ministre a parlé de la météo.\n"
PARAGRAPH = "Le gouvernement a annoncé une nouvelle aide militaire pour les forces armées. "


def run(engine: Engine, *paths: Path, **options: object) -> IngestReport:
    return ingest_paths(list(paths), engine, today=TODAY, **options)  # type: ignore[arg-type]


def statuses(report: IngestReport) -> list[tuple[str, str, str | None]]:
    return [(Path(o.path).name, o.status, o.reason) for o in report.outcomes]


def test_html_reading_dependencies_are_declared() -> None:
    """trafilatura's fallback (jusText) imports lxml.html.clean, a separate package
    since lxml 5.2: without it every .html file fails with an ImportError."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(line) for line in pyproject["project"]["dependencies"]]
    assert any(
        r.name == "lxml-html-clean" or (r.name == "lxml" and "html_clean" in r.extras)
        for r in requirements
    )


def test_html_file_is_ingested_through_trafilatura(engine: Engine, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html lang='fr'><head><title>Aide militaire</title>"
        "<meta property='og:site_name' content='Le Quotidien'>"
        "<meta property='article:published_time' content='2024-05-30T08:00:00Z'></head>"
        "<body><nav><a href='/'>Accueil</a></nav><article><h1>Aide militaire</h1>"
        f"<p>{PARAGRAPH * 4}</p><p>{PARAGRAPH * 3}</p></article></body></html>",
        encoding="utf-8",
    )
    report = run(engine, page)
    assert statuses(report) == [("page.html", "new", None)]
    with Session(engine) as session:
        stored = session.exec(select(Article)).one()
    assert (stored.title, stored.outlet, stored.published) == (
        "Aide militaire",
        "Le Quotidien",
        dt.date(2024, 5, 30),
    )


def test_an_unexpected_error_in_one_file_is_that_files_failure(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ingest import runner

    real_read = runner.read_article

    def read_with_a_bug(path: Path, **options: object) -> ReadArticle:
        if path.name == "a.md":
            raise KeyError("published")
        return real_read(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "read_article", read_with_a_bug)
    for name, word in (("a.md", "pluie"), ("b.md", "neige")):
        (tmp_path / name).write_text(GOOD.replace("météo", word), encoding="utf-8")
    assert statuses(run(engine, tmp_path)) == [
        ("a.md", "failed", "unexpected error while reading: KeyError: 'published'"),
        ("b.md", "new", None),
    ]


def die_on_poison(path: Path) -> Prepared:
    """Runs in a worker process: a worker killed mid-file (out of memory, a crash)."""
    if path.name.startswith("poison"):
        os._exit(9)
    return prepare(path)


def test_a_worker_that_dies_fails_only_its_own_file(tmp_path: Path) -> None:
    names = ["a.md", "b.md", "poison.md", "c.md", "d.md"]
    for name in names:
        (tmp_path / name).write_text(GOOD.replace("météo", name), encoding="utf-8")
    configure_run(frozenset(), max_bytes=100_000, today=TODAY)
    prepared = prepare_all([tmp_path / name for name in names], 2, prepare_file=die_on_poison)
    assert sorted((Path(p.path).name, p.error) for p in prepared) == [
        ("a.md", None),
        ("b.md", None),
        ("c.md", None),
        ("d.md", None),
        ("poison.md", WORKER_DIED),
    ]


class PoolThatBreaksOnSubmit(ThreadPoolExecutor):
    """A pool whose worker died between two submissions: its next submit raises, as a
    broken ProcessPoolExecutor's does (the race behind a file lost under load)."""

    submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        PoolThatBreaksOnSubmit.submitted += 1
        if PoolThatBreaksOnSubmit.submitted == 3:
            raise BrokenProcessPool("a worker died")
        return super().submit(fn, *args, **kwargs)


def test_a_pool_broken_at_submission_loses_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ingest import runner

    monkeypatch.setattr(PoolThatBreaksOnSubmit, "submitted", 0)
    monkeypatch.setattr(runner, "_start_pool", lambda workers: PoolThatBreaksOnSubmit(workers))
    names = ["a.md", "b.md", "c.md", "d.md", "e.md"]
    prepared = prepare_all(
        [Path(name) for name in names], 2, prepare_file=lambda p: Prepared(str(p))
    )
    assert sorted(p.path for p in prepared) == names


def test_an_article_another_run_stored_meanwhile_counts_as_known(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs ingesting the same file: the other run stores it while this run
    extracts it (after this run listed the articles already known). The writer looks
    again under the write lock: the article is known, not failed."""
    from app.ingest import runner

    path = tmp_path / "a.md"
    path.write_text(GOOD, encoding="utf-8")
    real_extract = runner.extract_events
    stored_by_other: list[IngestReport] = []
    other_started: list[bool] = []

    def other_run_stores_it_first(article: ArticleInput) -> list[ExtractedEvent]:
        if not other_started:
            other_started.append(True)
            stored_by_other.append(run(engine, path))
        return real_extract(article)

    monkeypatch.setattr(runner, "extract_events", other_run_stores_it_first)
    report = run(engine, path)
    assert statuses(stored_by_other[0]) == [("a.md", "new", None)]
    assert statuses(report) == [("a.md", "known", None)]
    assert report.outcomes[0].article_id == stored_by_other[0].outcomes[0].article_id
    assert report.ok


def test_a_database_error_is_reported_without_its_sql() -> None:
    error = IntegrityError(
        "INSERT INTO article (id) VALUES (?)",
        ("abc",),
        sqlite3.IntegrityError("UNIQUE constraint failed: article.id"),
    )
    assert describe(error) == "database error: UNIQUE constraint failed: article.id"


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="reads /proc; needs two cores for two workers",
)
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(tmp_path: Path, signal_number: int) -> None:
    parent = start_busy_ingest(tmp_path / "articles", tmp_path / "db.sqlite3")
    children: list[int] = []
    try:
        children = children_of(parent.pid)
        assert len(children) == 3  # two workers and multiprocessing's resource tracker
        parent.send_signal(signal_number)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(is_running(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in children if is_running(pid)] == []
    finally:
        for pid in [parent.pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        parent.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_watchdog_ends_a_process_whose_parent_is_gone(tmp_path: Path) -> None:
    """The fallback where prctl is missing: a thread that polls the parent's pid.
    The watched process lives as long as its parent, and ends soon after it."""
    watching = tmp_path / "watching"
    watched = (
        "import sys; from pathlib import Path; from app.processes import watch_parent; "
        "Path(sys.argv[2]).touch(); watch_parent(int(sys.argv[1]))"
    )
    parent = (
        "import os, subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {watched!r}, str(os.getpid()), "
        f"{str(watching)!r}], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"while not os.path.exists({str(watching)!r}): time.sleep(0.05)\n"
        "time.sleep(2.5)  # two polls: the child is still watching\n"
        "print(child.pid, child.poll() is None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", parent], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    child, alive_with_parent = done.stdout.split()
    try:
        assert alive_with_parent == "True"
        deadline = time.monotonic() + 5
        while is_running(int(child)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not is_running(int(child))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(child), signal.SIGKILL)


def test_workers_run_below_the_writers_priority() -> None:
    """The one writer (this process) must not share the CPU evenly with the workers
    that feed it: they run niced (runner.WORKER_NICENESS)."""
    from app.ingest import runner

    pool = runner._start_pool(1)
    try:
        worker = pool.submit(os.nice, 0).result(timeout=60)
    finally:
        pool.shutdown()
    assert runner.WORKER_NICENESS == 10
    assert worker == min(19, os.nice(0) + runner.WORKER_NICENESS)
