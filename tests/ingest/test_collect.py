"""Which files a run reads: folders walked recursively, symbolic links inside them
skipped unless asked for, every skip said."""

import os
from pathlib import Path

from app.ingest.collect import collect_files

SKIPPED_LINK = "symbolic link: skipped (--follow-symlinks reads it)"
SKIPPED_FOLDER_LINK = "symbolic link to a folder: skipped (--follow-symlinks walks it)"


def article(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Texte.\n", encoding="utf-8")
    return path


def test_folders_are_walked_in_order_without_hidden_entries(tmp_path: Path) -> None:
    b = article(tmp_path / "in" / "sub" / "b.md")
    a = article(tmp_path / "in" / "a.txt")
    article(tmp_path / "in" / ".hidden" / "c.md")
    article(tmp_path / "in" / ".d.md")
    (tmp_path / "in" / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    collected = collect_files([tmp_path / "in"])
    assert (collected.files, collected.errors, collected.warnings) == ([a, b], [], [])


def test_symlinked_file_inside_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    secret = article(tmp_path / "outside" / "secret.md")
    good = article(tmp_path / "in" / "good.md")
    link = tmp_path / "in" / "x.md"
    link.symlink_to(secret)
    collected = collect_files([tmp_path / "in"])
    assert (collected.files, collected.warnings) == ([good], [(str(link), SKIPPED_LINK)])


def test_symlinked_folder_inside_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    article(tmp_path / "outside" / "secret.md")
    good = article(tmp_path / "in" / "good.md")
    link = tmp_path / "in" / "more"
    link.symlink_to(tmp_path / "outside")
    collected = collect_files([tmp_path / "in"])
    assert (collected.files, collected.warnings) == ([good], [(str(link), SKIPPED_FOLDER_LINK)])


def test_symlink_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    article(tmp_path / "outside" / "secret.md")
    named = tmp_path / "named.md"
    named.symlink_to(tmp_path / "outside" / "secret.md")
    collected = collect_files([named])
    assert (collected.files, collected.warnings) == ([named], [])


def test_follow_symlinks_reads_links_and_walks_each_folder_once(tmp_path: Path) -> None:
    article(tmp_path / "outside" / "secret.md")
    good = article(tmp_path / "in" / "good.md")
    (tmp_path / "in" / "more").symlink_to(tmp_path / "outside")
    (tmp_path / "in" / "x.md").symlink_to(tmp_path / "outside" / "secret.md")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in")
    collected = collect_files([tmp_path / "in"], follow_symlinks=True)
    assert collected.files == [
        good,
        tmp_path / "in" / "more" / "secret.md",
        tmp_path / "in" / "x.md",
    ]
    assert collected.warnings == []


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    good = article(tmp_path / "in" / "good.md")
    broken = tmp_path / "in" / "gone.md"
    broken.symlink_to(tmp_path / "nowhere.md")
    collected = collect_files([tmp_path / "in"], follow_symlinks=True)
    assert (collected.files, collected.warnings) == (
        [good],
        [(str(broken), "broken symbolic link: skipped")],
    )


def test_skipped_symlink_warnings_are_capped(tmp_path: Path) -> None:
    secret = article(tmp_path / "outside" / "secret.md")
    article(tmp_path / "in" / "good.md")
    for n in range(25):
        (tmp_path / "in" / f"link{n:02}.md").symlink_to(secret)
    warnings = collect_files([tmp_path / "in"]).warnings
    assert warnings[:10] == [
        (str(tmp_path / "in" / f"link{n:02}.md"), SKIPPED_LINK) for n in range(10)
    ]
    assert warnings[10:] == [(str(tmp_path / "in"), "… and 15 more symbolic links skipped")]


def test_fifo_inside_a_folder_is_collected_so_the_reader_refuses_it(tmp_path: Path) -> None:
    good = article(tmp_path / "in" / "good.md")
    os.mkfifo(tmp_path / "in" / "pipe.md")
    assert collect_files([tmp_path / "in"]).files == [good, tmp_path / "in" / "pipe.md"]
