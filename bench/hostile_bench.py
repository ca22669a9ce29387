"""Hostile files and a killed run: time and peak memory, so a regression shows.

Each hostile file is read by `read_article` in a fresh Python process (peak memory is
then that file's own), and the outcome, wall time and peak RSS are printed. Then a
real `timeline ingest --workers 2` is killed with SIGKILL and the time until its
workers and resource tracker are gone is printed (Linux: reads /proc).

    .venv/bin/python bench/hostile_bench.py [--skip-workers]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.processes import children_of, is_running, start_busy_ingest  # noqa: E402

READ_ONE = """
import resource, sys, time
from pathlib import Path
from app.ingest.reader import IngestError, read_article
start = time.perf_counter()
try:
    article = read_article(Path(sys.argv[1]), max_bytes=6 * 1024 * 1024)
    outcome = f"read, {len(article.warnings)} warnings"
except IngestError as error:
    outcome = f"refused: {error}"
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.2f}\\t{peak:.0f}\\t{outcome[:90]}")
"""


def alias_bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    lines.append(f"published: [{','.join(['*h'] * 9)}]")
    return "\n".join(lines)


HOSTILE = {
    "alias bomb as published (~350 bytes)": alias_bomb(),
    "title nested 50,000 deep": "title: " + "[" * 50_000,
    "1,025 unknown keys (13 KB)": "\n".join(f"extra{n}: x" for n in range(1_025)),
    "200,000 unknown keys (2 MB)": "\n".join(f"k{n}: x" for n in range(200_000)),
    "published with 50,000 digits": "published: " + "9" * 50_000,
}


def bench_files(folder: Path) -> None:
    print(f"{'file':<40} {'seconds':>8} {'peak MB':>8}  outcome")
    for name, front_matter in HOSTILE.items():
        path = folder / "hostile.md"
        path.write_text(f"---\n{front_matter}\n---\nLe ministre a parlé.\n", "utf-8")
        done = subprocess.run(
            [sys.executable, "-c", READ_ONE, str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, peak, outcome = done.stdout.strip().split("\t")
        print(f"{name:<40} {seconds:>8} {peak:>8}  {outcome}")


def bench_killed_run(folder: Path) -> None:
    parent = start_busy_ingest(folder / "articles", folder / "db.sqlite3")
    children = children_of(parent.pid)
    memory = sum(
        int(line.split()[1])
        for pid in children
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    killed = time.perf_counter()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    while any(is_running(pid) for pid in children) and time.perf_counter() - killed < 30:
        time.sleep(0.01)
    left = [pid for pid in children if is_running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    print(
        f"killed run: {len(children)} children ({memory / 1024:.0f} MB RSS) "
        + (
            f"all gone {time.perf_counter() - killed:.2f} s after SIGKILL"
            if not left
            else f"{len(left)} still running after 30 s (killed by the bench)"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-workers", action="store_true", help="Only the hostile files.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_files(Path(folder))
        if not args.skip_workers and sys.platform.startswith("linux"):
            bench_killed_run(Path(folder))


if __name__ == "__main__":
    main()
