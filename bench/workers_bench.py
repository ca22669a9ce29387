"""Parallel ingestion: the same generated articles ingested with one process and with
N worker processes, each run on a fresh database, as `timeline ingest` runs them (a
process of its own: spawning workers and loading their language model included).

    .venv/bin/python bench/workers_bench.py --articles 3000 --workers 2

Prints, per run: wall time, articles/s, CPU time of the run and of its workers, the
writer's share (storing and committing), peak memory; then the speed-up of N workers
over one process. The machine's load average is printed before and after: other
processes on the machine take cores from the run (run it when `uptime` is low).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import Corpus  # noqa: E402

RUN = """
import json, resource, sys, time
from pathlib import Path
from app.db import make_engine
from app.ingest.runner import ingest_paths
from app.migrate import upgrade_database
folder, url, workers = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
upgrade_database(url)
engine = make_engine(url)
started, cpu = time.perf_counter(), time.process_time()
report = ingest_paths([folder], engine, workers=workers)
wall = time.perf_counter() - started
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "wall": wall, "cpu": time.process_time() - cpu,
    "children_cpu": children.ru_utime + children.ru_stime,
    "store": report.store_seconds, "new": report.count("new"),
    "failed": report.count("failed"), "events": report.events_created,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "children_rss_mb": children.ru_maxrss / 1024,
}))
"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def run(folder: Path, database: Path, workers: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(folder), f"sqlite:///{database}", str(workers)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory(prefix="timeline-workers-bench-") as tmp:
        folder = Path(tmp) / "articles"
        Corpus(articles=args.articles).write(folder, range(args.articles))
        results = {}
        for workers in (1, args.workers):
            r = run(folder, Path(tmp) / f"w{workers}.sqlite3", workers)
            results[workers] = r
            label = "1 process" if workers == 1 else f"{workers} workers"
            print(
                f"{label}: {r['new']:.0f} articles ({r['failed']:.0f} failed, "
                f"{r['events']:.0f} events) in {r['wall']:.1f}s: "
                f"{r['new'] / r['wall']:.1f} articles/s"
            )
            print(
                f"  CPU: run {r['cpu']:.1f}s, workers {r['children_cpu']:.1f}s; "
                f"writer (store and commit) {r['store']:.1f}s wall; "
                f"peak RSS run {r['rss_mb']:.0f} MB, largest worker {r['children_rss_mb']:.0f} MB"
            )
        one, many = results[1], results[args.workers]
        speedup = (many["new"] / many["wall"]) / (one["new"] / one["wall"])
        print(f"speed-up of {args.workers} workers over 1 process: {speedup:.2f}x")
    print(f"after: {load()}")
    print(f"bench peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
