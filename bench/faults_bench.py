"""Faults survived, checked on real processes and printed (the tests check the same
behaviours on smaller runs):

1. `kill -9` of `timeline ingest` at a random moment, 20 times over the same folder:
   after each kill, PRAGMA integrity_check is ok and every stored article has exactly
   the mentions an uninterrupted run gives it; a last run completes the rest, and the
   database is then the one an uninterrupted run builds (same events, same ids).
2. Two `timeline ingest` at once on overlapping folders: both exit 0, no "database is
   locked", each article stored once, the same database as one run over both.
3. The disk filling up mid-run (a small tmpfs, in a mount namespace of its own: needs
   root and `unshare`): one clear line, exit code 2, the finished articles kept and
   whole; with space freed, the same command completes the rest.
4. The site under load while ingestion writes: request count, statuses, latency, and
   whether any response showed half an article.

    .venv/bin/python bench/faults_bench.py [--articles 1000] [--kills 20] [--workers 2]
"""

import argparse
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.db import make_engine  # noqa: E402
from app.ingest.runner import ingest_paths  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
from bench.corpus import Corpus  # noqa: E402
from tests.web.live import read_until, serve  # noqa: E402

TIMELINE = [sys.executable, "-c", "from app.cli import main; main()"]
Snapshot = tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]


def timeline(url: str, *args: str, batch: int | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url}
    if batch is not None:
        env["INGEST_BATCH_ARTICLES"] = str(batch)
    return subprocess.Popen(
        [*TIMELINE, *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def snapshot(database: Path) -> Snapshot:
    """(article id -> its mention keys, event id -> its mention keys), read with sqlite3."""
    connection = sqlite3.connect(database)
    articles: dict[str, set[str]] = {
        row[0]: set() for row in connection.execute("SELECT id FROM article")
    }
    events: dict[str, set[str]] = defaultdict(set)
    for article_id, event_id, key in connection.execute(
        "SELECT article_id, event_id, key FROM mention"
    ):
        articles[article_id].add(key)
        events[event_id].add(key)
    connection.close()
    return (
        {k: frozenset(v) for k, v in articles.items()},
        {k: frozenset(v) for k, v in events.items()},
    )  # fmt: skip


def integrity(database: Path) -> str:
    connection = sqlite3.connect(database)
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    connection.close()
    return str(result)


def reference(folder_paths: list[Path], database: Path) -> Snapshot:
    url = f"sqlite:///{database}"
    upgrade_database(url)
    engine = make_engine(url)
    ingest_paths(folder_paths, engine)
    engine.dispose()
    return snapshot(database)


def whole(stored: Snapshot, ref: Snapshot) -> bool:
    """Every stored article has exactly the mentions the uninterrupted run gives it."""
    return all(keys == ref[0][article] for article, keys in stored[0].items())


def kills(folder: Path, ref: Snapshot, work: Path, count: int, workers: int, seed: int) -> bool:
    print(f"\n1. kill -9 at random moments, {count} times (workers: {workers})")
    database = work / "killed.sqlite3"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    rng = random.Random(seed)
    ok = True
    for number in range(1, count + 1):
        delay = rng.uniform(0.3, 10.0)
        run = timeline(url, "ingest", "--no-migrate", "--workers", str(workers), str(folder))
        try:
            run.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            run.send_signal(signal.SIGKILL)
            run.wait()
            finished = False
        run.communicate()
        stored = snapshot(database)
        check, is_whole = integrity(database), whole(stored, ref)
        ok &= check == "ok" and is_whole
        state = "finished before the kill" if finished else f"killed after {delay:.1f}s"
        print(
            f"  {number:2d}: {state}; {len(stored[0])} articles stored; integrity_check: "
            f"{check}; every stored article whole: {'yes' if is_whole else 'NO'}"
        )
    last = timeline(url, "ingest", "--no-migrate", "--workers", str(workers), str(folder))
    last.communicate()
    final = snapshot(database)
    same = final == ref
    ok &= last.returncode == 0 and same
    print(
        f"  re-run: exit {last.returncode}; {len(final[0])} articles; the database equals an "
        f"uninterrupted run's (events, ids, mentions): {'yes' if same else 'NO'}"
    )
    return ok


def concurrent(corpus: Corpus, work: Path, total: int) -> bool:
    third = total // 3
    print(
        f"\n2. two ingests at once on overlapping folders (0-{2 * third - 1} and {third}-{total - 1})"
    )
    first = corpus.write(work / "first", range(0, 2 * third))
    second = corpus.write(work / "second", range(third, total))
    ref = reference(first + second[third:], work / "concurrent-reference.sqlite3")
    database = work / "concurrent.sqlite3"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    started = time.perf_counter()
    runs = [
        timeline(url, "ingest", "--no-migrate", str(folder))
        for folder in (work / "first", work / "second")
    ]
    outputs = [run.communicate() for run in runs]
    elapsed = time.perf_counter() - started
    locked = sum("locked" in err for _, err in outputs)
    stored = snapshot(database)
    same = stored == ref
    print(
        f"  exit codes {[run.returncode for run in runs]} in {elapsed:.1f}s; 'database is locked' "
        f"in {locked} output(s); {len(stored[0])} articles (expected {total}); the database "
        f"equals one run over both: {'yes' if same else 'NO'}"
    )  # fmt: skip
    return [run.returncode for run in runs] == [0, 0] and locked == 0 and same


def disk_full(folder: Path, ref: Snapshot, work: Path) -> bool:
    print("\n3. the disk filling up mid-run (a 4 MB tmpfs)")
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("  skipped: needs root and unshare (a mount namespace of our own)")
        return True
    done = subprocess.run(
        ["unshare", "-m", sys.executable, __file__, "--disk-full-inside", str(folder), str(work)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.rstrip())
    database = work / "full" / "timeline.sqlite3"
    final = snapshot(database)
    same = final == ref
    print(
        f"  the database after the re-run equals an uninterrupted run's: {'yes' if same else 'NO'}"
    )
    return done.returncode == 0 and same


def disk_full_inside(folder: Path, work: Path) -> int:
    """Runs in its own mount namespace: the tmpfs vanishes with it, so the database is
    copied out at the end for the parent to compare."""
    mount = work / "tmpfs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    database = mount / "timeline.sqlite3"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    full = timeline(url, "ingest", "--no-migrate", str(folder), batch=20)
    _, err = full.communicate()
    last_line = err.strip().splitlines()[-1] if err.strip() else ""
    stored = snapshot(database)
    print(f"  exit code {full.returncode}; last line on stderr:\n    {last_line}")
    tracebacks = "Traceback" in err
    check = integrity(database)
    print(
        f"  {len(stored[0])} articles kept; integrity_check: {check}; tracebacks: "
        f"{'yes' if tracebacks else 'none'}"
    )
    subprocess.run(["mount", "-o", "remount,size=512m", str(mount)], check=True)
    again = timeline(url, "ingest", "--no-migrate", str(folder))
    again.communicate()
    after = snapshot(database)
    print(
        f"  space freed, the same command again: exit {again.returncode}; {len(after[0])} articles"
    )
    (work / "full").mkdir()
    source = sqlite3.connect(database)
    copy = sqlite3.connect(work / "full" / "timeline.sqlite3")
    source.backup(copy)
    copy.close()
    source.close()
    good = full.returncode == 2 and "disk holding it is full" in last_line and not tracebacks
    return 0 if good and check == "ok" and again.returncode == 0 else 1


def under_load(folder: Path, ref: Snapshot, work: Path, readers: int) -> bool:
    print(f"\n4. the site under load ({readers} clients) while ingestion writes")
    database = work / "served.sqlite3"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    with serve(url) as base:
        ingest = timeline(url, "ingest", "--no-migrate", str(folder), batch=10)
        replies = read_until(
            base,
            ["/api/events?limit=500&order=desc", "/", "/state"],
            lambda: ingest.poll() is not None,
            clients=readers,
        )
        ingest.communicate()
    statuses = Counter(reply.status for reply in replies)
    latencies = [reply.seconds for reply in replies]
    responses = [reply.json for reply in replies if reply.json is not None]
    final = snapshot(database)[0]
    half = 0
    for response in responses:
        shown: dict[str, set[str]] = defaultdict(set)
        for event in response["data"]:
            for mention in event["mentions"]:
                shown[mention["article_id"]].add((mention["start"], mention["end"]))
        half += sum(1 for article, spans in shown.items() if len(spans) != len(final[article]))
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    print(
        f"  ingest exit {ingest.returncode}; {len(latencies)} requests, statuses "
        f"{dict(statuses)}; latency p50 {p50:.0f} ms, p95 {p95:.0f} ms; responses showing "
        f"half an article: {half}; database equals an uninterrupted run's: "
        f"{'yes' if snapshot(database) == ref else 'NO'}"
    )
    return ingest.returncode == 0 and set(statuses) == {200} and half == 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--disk-full-inside", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.disk_full_inside:
        raise SystemExit(disk_full_inside(*args.disk_full_inside))
    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="timeline-faults-") as tmp:
        work = Path(tmp)
        corpus = Corpus(articles=args.articles)
        folder = work / "articles"
        paths = corpus.write(folder, range(args.articles))
        started = time.perf_counter()
        ref = reference(paths, work / "reference.sqlite3")
        print(
            f"reference: {len(ref[0])} articles, {len(ref[1])} events, built in "
            f"{time.perf_counter() - started:.0f}s by one uninterrupted run"
        )
        results = {
            "kill -9": kills(folder, ref, work, args.kills, args.workers, args.seed),
            "concurrent ingests": concurrent(corpus, work, args.articles),
            "disk full": disk_full(folder, ref, work),
            "site under load": under_load(folder, ref, work, args.readers),
        }
    print(
        "\n" + "; ".join(f"{name}: {'ok' if good else 'FAILED'}" for name, good in results.items())
    )
    raise SystemExit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
