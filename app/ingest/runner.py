"""An ingestion run: collect files, read and extract each (optionally in worker
processes), store each article in its own transaction, report every outcome."""

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.extract import ExtractedEvent, extract_events
from app.ingest.reader import (
    ARTICLE_SUFFIXES,
    SUPPORTED_LANGUAGES,
    IngestError,
    ReadArticle,
    read_article,
)
from app.ingest.store import store_article
from app.models import Article


class Source(Protocol):
    """An article that is not a file, e.g. a page fetched over HTTP (app/ingest/fetch.py).
    str() names it in outcomes; read() raises IngestError with the reason it failed."""

    def read(self, *, today: dt.date | None) -> ReadArticle: ...


@dataclass
class FileOutcome:
    path: str
    status: str  # new | known | failed
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    article_id: str | None = None
    events_created: int = 0
    events_merged: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    path_errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def files_read(self) -> int:
        return len(self.outcomes)

    @property
    def events_created(self) -> int:
        return sum(o.events_created for o in self.outcomes)

    @property
    def events_merged(self) -> int:
        return sum(o.events_merged for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.path_errors and self.count("failed") == 0


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named directly, and article files under folders (recursive, sorted)."""
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in ARTICLE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                errors.append((str(path), "folder holds no .txt, .md or .html article files"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append((str(path), "path does not exist"))
    return files, errors


@dataclass
class Prepared:
    """A file read and extracted, ready to store (or the reason it cannot be)."""

    path: str
    article: ReadArticle | None = None
    events: list[ExtractedEvent] = field(default_factory=list)
    known: bool = False
    error: str | None = None


# Set in each worker (and in the main process for single-process runs).
_known_hashes: frozenset[str] = frozenset()
_max_bytes: int = 0
_today: dt.date | None = None


def _init_worker(known: frozenset[str], max_bytes: int, today: dt.date | None) -> None:
    global _known_hashes, _max_bytes, _today
    _known_hashes, _max_bytes, _today = known, max_bytes, today


def prepare(path: Path | Source) -> Prepared:
    try:
        if isinstance(path, Path):
            article = read_article(path, max_bytes=_max_bytes, today=_today)
        else:
            article = path.read(today=_today)
    except IngestError as error:
        return Prepared(str(path), error=str(error))
    if article.content_hash in _known_hashes:
        return Prepared(str(path), article=article, known=True)
    if article.language is not None and article.language not in SUPPORTED_LANGUAGES:
        return Prepared(str(path), article=article)
    try:
        events = extract_events(article.to_input())
    except Exception as error:  # an extractor bug must not stop the other files
        return Prepared(str(path), article=article, error=f"extractor failed: {error!r}")
    return Prepared(str(path), article=article, events=events)


def _prepared(files: Sequence[Path | Source], workers: int) -> Iterator[Prepared]:
    if workers <= 1 or len(files) <= 1:
        for path in files:
            yield prepare(path)
        return
    # spawn, not fork: the parent may run threads (progress display); each worker loads
    # the language model once and keeps it for all its files.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(_known_hashes, _max_bytes, _today),
    ) as pool:
        yield from pool.map(prepare, files, chunksize=1)


def ingest_paths(
    paths: Sequence[Path],
    engine: Engine,
    *,
    max_file_bytes: int = 5 * 1024 * 1024,
    workers: int = 1,
    today: dt.date | None = None,
    on_file_done: Callable[[FileOutcome], None] | None = None,
    on_files_collected: Callable[[list[Path]], None] | None = None,
    sources: Sequence[Source] = (),
) -> IngestReport:
    """Ingest the files under `paths`, then `sources` (fetched pages)."""
    report = IngestReport()
    files, report.path_errors = collect_files(paths)
    if on_files_collected is not None:
        on_files_collected(files)
    with Session(engine) as session:
        known = frozenset(session.exec(select(Article.content_hash)))
    _init_worker(known, max_file_bytes, today)
    items: list[Path | Source] = [*files, *sources]
    for prepared in _prepared(items, max(1, min(workers, os.cpu_count() or 1))):
        outcome = _store(engine, prepared)
        report.outcomes.append(outcome)
        if on_file_done is not None:
            on_file_done(outcome)
    return report


def _store(engine: Engine, prepared: Prepared) -> FileOutcome:
    article = prepared.article
    warnings = article.warnings if article else []
    if prepared.error is not None or article is None:
        return FileOutcome(prepared.path, "failed", reason=prepared.error, warnings=warnings)
    try:
        with Session(engine) as session, session.begin():
            result = store_article(session, article, prepared.events)
    except Exception as error:  # the transaction rolled back: nothing of the file is kept
        return FileOutcome(
            prepared.path, "failed", reason=f"could not store: {error}", warnings=warnings
        )
    return FileOutcome(
        prepared.path,
        "new" if result.new else "known",
        warnings=warnings,
        article_id=result.article_id,
        events_created=result.events_created,
        events_merged=result.events_merged,
    )
