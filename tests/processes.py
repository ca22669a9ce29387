"""Watching real processes (Linux /proc): a run of `timeline ingest --workers 2` with
its workers busy, its children, whether they still run. Shared by the tests and by
bench/hostile_bench.py."""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def start_busy_ingest(folder: Path, database: Path) -> subprocess.Popen[str]:
    """`timeline ingest --workers 2` over 200 undated articles, returned once the
    first one is stored (each prints a warning), so the workers are at work."""
    folder.mkdir()
    for n in range(200):
        (folder / f"{n:03}.md").write_text(f"Le ministre a parlé {n} fois.\n", encoding="utf-8")
    timeline = [sys.executable, "-c", "from app.cli import main; main()"]
    parent = subprocess.Popen(
        [*timeline, "ingest", "--workers", "2", str(folder)],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert parent.stderr is not None
    first = parent.stderr.readline()
    assert first.startswith(f"warning {folder}/"), first
    return parent


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its entry waits to be reaped


def start_ingest(
    folder: Path, database_url: str, *, batch_articles: int = 4, workers: int = 1
) -> subprocess.Popen[str]:
    """`timeline ingest FOLDER` in a process of its own, committing every few articles."""
    timeline = [sys.executable, "-c", "from app.cli import main; main()"]
    return subprocess.Popen(
        [*timeline, "ingest", "--no-migrate", "--workers", str(workers), str(folder)],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "INGEST_BATCH_ARTICLES": str(batch_articles),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
