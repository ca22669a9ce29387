"""Every bad input: a message naming the file and the reason, the other files still
ingested, and nothing of the failed file left in the database."""

import datetime as dt
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.ingest.runner import FileOutcome, IngestReport, ingest_paths
from app.models import Article

TODAY = dt.date(2024, 6, 1)
GOOD = "---\npublished: 2024-05-30\nlanguage: fr\n---\nLe ministre a parlé de la météo.\n"


def run(engine: Engine, *paths: Path, **options: object) -> IngestReport:
    return ingest_paths(list(paths), engine, today=TODAY, **options)  # type: ignore[arg-type]


def stored_sources(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(Article.source)))


def folder_with_one_bad(tmp_path: Path, name: str, content: str | bytes) -> tuple[Path, Path, Path]:
    folder = tmp_path / "articles"
    folder.mkdir()
    good = folder / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    bad = folder / name
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")
    return folder, good, bad


def assert_only_bad_failed(
    engine: Engine, report: IngestReport, good: Path, bad: Path, reason: str
) -> None:
    failed = [(o.path, o.reason) for o in report.outcomes if o.status == "failed"]
    assert failed == [(str(bad), reason)]
    assert report.count("new") == 1
    assert not report.ok
    assert stored_sources(engine) == [str(good)]


def test_empty_file(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(tmp_path, "empty.txt", "  \n")
    assert_only_bad_failed(engine, run(engine, folder), good, bad, "empty file")


def test_binary_file(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(
        tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    )
    reason = "binary file (contains NUL or control bytes), not article text"
    assert_only_bad_failed(engine, run(engine, folder), good, bad, reason)


def test_text_that_is_not_utf8_nor_windows_1252(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(tmp_path, "legacy.txt", b"Texte \x81 casse")
    reason = "not valid UTF-8 (byte 0x81 at offset 6) and not Windows-1252 either"
    assert_only_bad_failed(engine, run(engine, folder), good, bad, reason)


def test_legacy_encoding_is_ingested_with_a_warning(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(
        tmp_path, "latin.txt", "Le député a parlé.".encode("cp1252")
    )
    report = run(engine, folder)
    assert report.ok
    latin = next(o for o in report.outcomes if o.path == str(bad))
    assert latin.status == "new"
    assert latin.warnings[0].startswith(
        "not valid UTF-8 (byte 0xe9 at offset 4); decoded as Windows-1252"
    )
    assert stored_sources(engine) == [str(good), str(bad)]


def test_malformed_front_matter(engine: Engine, tmp_path: Path) -> None:
    content = "---\ntitle: [unclosed\npublished: 2024-05-30\n---\nTexte.\n"
    folder, good, bad = folder_with_one_bad(tmp_path, "broken.md", content)
    report = run(engine, folder)
    reason = next(o.reason for o in report.outcomes if o.path == str(bad))
    assert reason is not None and reason.startswith("malformed front matter: ")
    assert_only_bad_failed(engine, report, good, bad, reason)


def test_front_matter_without_closing_line(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(tmp_path, "open.md", "---\ntitle: X\nTexte sans fin.\n")
    reason = "malformed front matter: the opening '---' has no closing '---' line"
    assert_only_bad_failed(engine, run(engine, folder), good, bad, reason)


def test_unknown_front_matter_key_is_a_warning(engine: Engine, tmp_path: Path) -> None:
    content = "---\nauthor: Quelqu'un\npublished: 2024-05-30\n---\nLe texte de l'article.\n"
    folder, _good, bad = folder_with_one_bad(tmp_path, "extra.md", content)
    report = run(engine, folder)
    assert report.ok
    outcome = next(o for o in report.outcomes if o.path == str(bad))
    assert (outcome.status, outcome.warnings) == (
        "new",
        [
            "unknown front-matter key 'author' ignored "
            "(known: title, url, outlet, language, published, published_precision)"
        ],
    )


def test_invalid_date(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(
        tmp_path, "date.md", "---\npublished: 2024-02-30\n---\nTexte.\n"
    )
    reason = "invalid publication date '2024-02-30': day is out of range for month"
    assert_only_bad_failed(engine, run(engine, folder), good, bad, reason)


def test_future_date(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(
        tmp_path, "future.md", "---\npublished: 2024-06-15\n---\nTexte.\n"
    )
    reason = "publication date 2024-06-15 is in the future"
    assert_only_bad_failed(engine, run(engine, folder), good, bad, reason)


def test_folder_with_no_articles(engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    report = run(engine, empty, good)
    assert report.path_errors == [(str(empty), "folder holds no .txt, .md or .html article files")]
    assert report.count("new") == 1
    assert not report.ok
    assert stored_sources(engine) == [str(good)]


def test_path_that_does_not_exist(engine: Engine, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    missing = tmp_path / "missing.md"
    report = run(engine, missing, good)
    assert report.path_errors == [(str(missing), "path does not exist")]
    assert stored_sources(engine) == [str(good)]


def test_file_over_the_size_limit(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(tmp_path, "huge.txt", "Mot. " * 100)
    reason = "file is 500 bytes, over the 200-byte limit (MAX_FILE_BYTES)"
    assert_only_bad_failed(engine, run(engine, folder, max_file_bytes=200), good, bad, reason)


def test_file_deleted_while_the_run_goes_on(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    first, second = folder / "a.md", folder / "b.md"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(GOOD.replace("météo", "pluie"), encoding="utf-8")

    def delete_the_next_file(outcome: FileOutcome) -> None:
        if outcome.path == str(first):
            second.unlink()

    # One article per batch: the first file's outcome comes before the second is read.
    report = run(engine, folder, on_file_done=delete_the_next_file, batch_articles=1)
    failed = [(o.path, o.reason) for o in report.outcomes if o.status == "failed"]
    assert failed == [(str(second), "file disappeared before it could be read")]
    assert stored_sources(engine) == [str(first)]


def test_store_failure_leaves_nothing_of_the_article(
    engine: Engine, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """One transaction per article: an error half-way through storing rolls it all back."""
    from app.extract.types import ExtractedEvent
    from app.ingest import runner

    text = "Le ministre a autorisé les frappes.\n"
    good = tmp_path / "a.md"
    good.write_text("---\npublished: 2024-05-30\n---\n" + text, encoding="utf-8")
    broken = ExtractedEvent(
        type="authorization",
        actor="France",
        weapons=(),
        places=(),
        date=None,
        date_precision=None,
        date_basis="published",
        start=0,
        end=len(text) + 50,
        trigger="autorisé",
        trigger_start=14,
        trigger_end=22,
    )
    monkeypatch.setattr(runner, "extract_events", lambda article: [broken])
    report = run(engine, good)
    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("failed", "could not store: ValueError: evidence offsets 0-86 outside the article")
    ]
    assert stored_sources(engine) == []
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == 0


DEEP = "---\ntitle: " + "[" * 50_000 + "\n---\nTexte.\n"
DEEP_REASON = "malformed front matter: nested more than 20 levels deep (front-matter line 1)"


def test_deeply_nested_front_matter_fails_alone(engine: Engine, tmp_path: Path) -> None:
    folder, good, bad = folder_with_one_bad(tmp_path, "deep.md", DEEP)
    assert_only_bad_failed(engine, run(engine, folder), good, bad, DEEP_REASON)


def test_deeply_nested_front_matter_fails_alone_with_workers(
    engine: Engine, tmp_path: Path
) -> None:
    folder, _good, _bad = folder_with_one_bad(tmp_path, "deep.md", DEEP)
    (folder / "other.md").write_text(GOOD.replace("météo", "neige"), encoding="utf-8")
    report = run(engine, folder, workers=2)
    assert [(Path(o.path).name, o.status, o.reason) for o in report.outcomes] == [
        ("deep.md", "failed", DEEP_REASON),
        ("good.md", "new", None),
        ("other.md", "new", None),
    ]


@contextmanager
def at_most(seconds: int) -> Iterator[None]:
    """Fail instead of hanging forever (a FIFO opened for reading waits for a writer)."""

    def give_up(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_fifo_named_on_the_command_line_is_refused(engine: Engine, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    with at_most(10):
        report = run(engine, fifo, good)
    reason = "not a regular file: a FIFO (named pipe)"
    assert_only_bad_failed(engine, report, good, fifo, reason)


def test_socket_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "socket.md"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        good = tmp_path / "good.md"
        good.write_text(GOOD, encoding="utf-8")
        with at_most(10):
            report = run(engine, path, good)
    assert_only_bad_failed(engine, report, good, path, "not a regular file: a socket")


def test_symlink_out_of_the_folder_is_not_followed(engine: Engine, tmp_path: Path) -> None:
    secret = tmp_path / "private" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(GOOD.replace("météo", "secret"), encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    good = folder / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    (folder / "x.md").symlink_to(secret)
    report = run(engine, folder)
    assert report.ok
    assert stored_sources(engine) == [str(good)]
