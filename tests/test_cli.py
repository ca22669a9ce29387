"""The `timeline` command end to end on a temporary database."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings
from app.db import get_engine, make_engine
from app.migrate import upgrade_database
from app.models import Article, Event, Mention
from tests.conftest import REPO_ROOT, SEEDS_DIR

runner = CliRunner()


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        result = tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Article, Event, Mention)
        )
    engine.dispose()
    return result  # type: ignore[return-value]


def summary_value(output: str, label: str) -> int:
    line = next(line for line in output.splitlines() if f" {label} " in line)
    return int(line.strip(" │|").split()[-1].strip("│|"))


def test_ingest_seeds_then_again_adds_nothing(cli_database: str) -> None:
    first = runner.invoke(cli, ["ingest", str(SEEDS_DIR)])
    assert first.exit_code == 0, first.output
    assert summary_value(first.output, "files read") == 5
    assert summary_value(first.output, "articles new") == 5
    articles, events, mentions = counts(cli_database)
    assert articles == 5
    assert summary_value(first.output, "events created") == events
    assert summary_value(first.output, "events merged") == mentions - events

    again = runner.invoke(cli, ["ingest", str(SEEDS_DIR)])
    assert again.exit_code == 0, again.output
    assert summary_value(again.output, "articles new") == 0
    assert summary_value(again.output, "articles already known") == 5
    assert summary_value(again.output, "events created") == 0
    assert counts(cli_database) == (articles, events, mentions)


def test_ingest_exits_non_zero_and_names_each_failure(cli_database: str, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("---\npublished: 2024-05-30\n---\nLe ministre a parlé.\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    missing = tmp_path / "missing.md"
    result = runner.invoke(cli, ["ingest", str(good), str(empty), str(missing)])
    assert result.exit_code == 1
    assert f"{empty}: empty file" in result.output
    assert f"{missing}: path does not exist" in result.output
    assert summary_value(result.output, "articles new") == 1
    assert summary_value(result.output, "articles failed") == 1
    assert counts(cli_database)[0] == 1


def test_db_upgrade_and_downgrade(cli_database: str) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert counts(cli_database) == (0, 0, 0)
    down = runner.invoke(cli, ["db", "downgrade"])
    assert (down.exit_code, down.output.strip()) == (0, "database at base")


def test_markup_in_names_and_keys_is_printed_literally(cli_database: str, tmp_path: Path) -> None:
    folder = tmp_path / "[link=file:evil]x"
    (folder / "a[").mkdir(parents=True)
    article = folder / "a[/b].md"  # a folder 'a[' and a file 'b].md'

    article.write_text(
        '---\n"[/bold]": 1\npublished: 2024-05-30\n---\nLe ministre a parlé.\n', encoding="utf-8"
    )
    result = runner.invoke(cli, ["ingest", str(article), str(folder / "[red]missing.md")])
    assert result.exit_code == 1, result.output
    assert (
        f"warning {article}: unknown front-matter key '[/bold]' ignored "
        "(known: title, url, outlet, language, published, published_precision)"
    ) in result.stderr.splitlines()
    assert f"  {folder}/[red]missing.md: path does not exist" in result.stderr.splitlines()


def test_terminal_control_sequences_in_names_are_not_printed(
    cli_database: str, tmp_path: Path
) -> None:
    (tmp_path / "red\x1b[31m.md").write_text("", encoding="utf-8")
    (tmp_path / "bell\x07.txt").write_text("", encoding="utf-8")
    (tmp_path / ":warning:.md").write_text("", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", str(tmp_path)])
    assert result.exit_code == 1, result.output
    problems = result.stderr.splitlines()[-3:]
    assert problems == [
        f"  {tmp_path}/:warning:.md: empty file",
        f"  {tmp_path}/bell?.txt: empty file",
        f"  {tmp_path}/red.md: empty file",
    ]
    assert "\x1b" not in result.output


def test_symlinks_inside_folders_need_follow_symlinks(cli_database: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("---\npublished: 2024-05-30\n---\nLe ministre a parlé.\n", "utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "link.md").symlink_to(outside)
    skipped = runner.invoke(cli, ["ingest", str(folder)])
    assert skipped.exit_code == 1  # the folder holds no article file of its own
    assert (
        f"warning {folder}/link.md: symbolic link: skipped (--follow-symlinks reads it)"
        in skipped.stderr.splitlines()
    )
    followed = runner.invoke(cli, ["ingest", "--follow-symlinks", str(folder)])
    assert followed.exit_code == 0, followed.output
    assert summary_value(followed.output, "articles new") == 1


@pytest.fixture
def use_database_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Points the command at a database URL that may not work."""

    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()

    yield use
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def assert_one_line_error(result: Result, line: str) -> None:
    assert (result.exit_code, result.stderr, result.stdout) == (2, line + "\n", "")
    assert isinstance(result.exception, SystemExit)  # a clean exit, no traceback


# `serve` creates nothing: it says there is no database (tests/web/test_startup.py).
@pytest.mark.parametrize("command", [["ingest", "seeds"], ["db", "upgrade"], ["db", "downgrade"]])
def test_database_under_a_file_is_one_line_error(
    use_database_url: Callable[[str], None], tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/file.txt/timeline.sqlite3"
    use_database_url(url)
    assert_one_line_error(
        runner.invoke(cli, command),
        f"error: cannot use the database {url}: "
        f"cannot create the folder {tmp_path}/file.txt: File exists",
    )


def test_database_path_that_is_a_folder_is_one_line_error(
    use_database_url: Callable[[str], None], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}"
    use_database_url(url)
    assert_one_line_error(
        runner.invoke(cli, ["ingest", str(SEEDS_DIR)]),
        f"error: cannot use the database {url}: unable to open database file: the path is a folder",
    )


def test_read_only_database_is_one_line_error_before_any_file_is_read(
    sqlite_url: str, use_database_url: Callable[[str], None]
) -> None:
    """mode=ro is what SQLite does with a file it may not write (chmod 444 for a user;
    root writes any file, so a test run as root could not use chmod)."""
    use_database_url(sqlite_url)
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    path = sqlite_url.removeprefix("sqlite:///")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    use_database_url(url)
    assert_one_line_error(
        runner.invoke(cli, ["ingest", str(SEEDS_DIR)]),
        f"error: cannot use the database {url}: attempt to write a readonly database",
    )
    assert counts(sqlite_url) == (0, 0, 0)


def test_database_without_its_driver_is_one_line_error(
    use_database_url: Callable[[str], None],
) -> None:
    url = "mysql+pymysql://timeline:secret@127.0.0.1:1/timeline"
    use_database_url(url)
    assert_one_line_error(
        runner.invoke(cli, ["db", "upgrade"]),
        "error: cannot use the database mysql+pymysql://timeline:***@127.0.0.1:1/timeline: "
        "its driver is not installed (No module named 'pymysql')",
    )


def _can_mount() -> bool:
    """Read-only mounts need a mount namespace of our own: root with `unshare`."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


needs_mounts = pytest.mark.skipif(not _can_mount(), reason="needs root and unshare -m")
TIMELINE = f"{sys.executable} -c 'from app.cli import main; main()'"


def run_with_read_only(
    folder: Path, command: str, url: str, *, bind: bool = False
) -> subprocess.CompletedProcess[str]:
    """`timeline COMMAND` with `folder` read-only (a read-only file system, which stops
    root as it stops anyone): an empty tmpfs over it, or itself bound read-only."""
    mount = (
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder}"
        if bind
        else f"mount -t tmpfs -o ro,size=1m tmpfs {folder}"
    )
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{mount} && exec {TIMELINE} {command}"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert (done.returncode, done.stderr, done.stdout) == (2, line + "\n", "")


@needs_mounts
def test_database_in_a_folder_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    url = f"sqlite:///{folder}/timeline.sqlite3"
    assert_one_line(
        run_with_read_only(folder, f"ingest {SEEDS_DIR}", url),
        f"error: cannot use the database {url}: unable to open database file: "
        f"its folder {folder} is not writable",
    )


@needs_mounts
def test_database_folder_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    url = f"sqlite:///{folder}/missing/timeline.sqlite3"
    assert_one_line(
        run_with_read_only(folder, "db upgrade", url),
        f"error: cannot use the database {url}: cannot create the folder {folder}/missing: "
        "Read-only file system",
    )


@needs_mounts
def test_database_on_a_read_only_file_system_reads_but_refuses_to_ingest(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    url = f"sqlite:///{folder}/timeline.sqlite3"
    subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "ingest", str(SEEDS_DIR)],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        check=True,
    )
    assert_one_line(
        run_with_read_only(folder, f"ingest {SEEDS_DIR}", url, bind=True),
        f"error: cannot use the database {url}: attempt to write a readonly database",
    )
    upgrade = run_with_read_only(folder, "db upgrade", url, bind=True)
    assert (upgrade.returncode, upgrade.stdout) == (0, "database at head\n")
    assert counts(url)[0] == 5


@needs_mounts
def test_backup_into_a_folder_that_cannot_be_written_is_one_line(
    sqlite_url: str, tmp_path: Path
) -> None:
    upgrade_database(sqlite_url)
    folder = tmp_path / "read-only"
    folder.mkdir()
    assert_one_line(
        run_with_read_only(folder, f"db backup {folder}/copy.sqlite3", sqlite_url),
        f"error: cannot write the backup {folder}/copy.sqlite3: its folder {folder} is not "
        "writable",
    )
