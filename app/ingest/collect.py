"""Which files a run reads: the paths named, and article files under named folders.

Like `grep -r`, a symbolic link named on the command line is followed, and links met
while walking a folder are not (a link planted in a folder could otherwise make the
run read and store any file the operator may read): each one skipped is a warning,
and `follow_symlinks` follows them, walking each real folder once.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.ingest.reader import ARTICLE_SUFFIXES

# Beyond this many per named folder, skipped links are counted, not listed.
MAX_LINK_WARNINGS = 10


@dataclass
class Collected:
    files: list[Path] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def collect_files(paths: Iterable[Path], *, follow_symlinks: bool = False) -> Collected:
    """Files named directly, and article files under folders (recursive, sorted,
    hidden files and folders left out)."""
    collected = Collected()
    for path in paths:
        if path.is_dir():
            if not _walk(path, follow_symlinks, collected):
                collected.errors.append(
                    (str(path), "folder holds no .txt, .md or .html article files")
                )
        elif path.exists():
            collected.files.append(path)
        elif path.is_symlink():
            collected.errors.append((str(path), "broken symbolic link"))
        else:
            collected.errors.append((str(path), "path does not exist"))
    return collected


def _walk(root: Path, follow_symlinks: bool, collected: Collected) -> int:
    """Adds the article files under `root` to `collected`; returns how many."""
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    walked = {_identity(root)}
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            collected.errors.append((str(folder), f"cannot read folder: {error.strerror}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            is_article = path.suffix.lower() in ARTICLE_SUFFIXES
            if entry.is_symlink():
                reason = _link_skip_reason(path, is_article, follow_symlinks)
                if reason is not None:
                    skipped.append((str(path), reason))
                    continue
            if entry.is_dir():
                identity = _identity(path)
                if identity not in walked:  # a link back to a folder already walked
                    walked.add(identity)
                    folders.append(path)
            elif is_article:
                found.append(path)  # not-regular files too: the reader says why it refuses them
    skipped.sort()
    collected.warnings.extend(skipped[:MAX_LINK_WARNINGS])
    if len(skipped) > MAX_LINK_WARNINGS:
        rest = len(skipped) - MAX_LINK_WARNINGS
        collected.warnings.append((str(root), f"… and {rest:,} more symbolic links skipped"))
    collected.files.extend(sorted(found))
    return len(found)


def _link_skip_reason(path: Path, is_article: bool, follow_symlinks: bool) -> str | None:
    """Why a symbolic link met in a folder is skipped, or None to go through it."""
    if not path.exists():
        return "broken symbolic link: skipped" if is_article else None
    if follow_symlinks:
        return None
    if path.is_dir():
        return "symbolic link to a folder: skipped (--follow-symlinks walks it)"
    return "symbolic link: skipped (--follow-symlinks reads it)" if is_article else None


def _identity(folder: Path) -> tuple[int, int]:
    status = folder.stat()
    return status.st_dev, status.st_ino
