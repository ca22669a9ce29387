"""Ingestion at scale: 100,000 generated articles (bench/corpus.py: about 600 words
each, two to four events per article, each event told by a handful of articles, in
French or English) ingested batch after batch into one database, as an operator
feeding a folder at a time would (`ingest_paths`, the code of `timeline ingest`,
with its worker processes started for each batch).

    .venv/bin/python bench/scale_bench.py [--articles 100000] [--batch 1000] [--workers 2]
        [--db FILE]   # keep the database (default: a temporary file, removed at the end)

Prints one line per batch: the batch's wall time and CPU time (this process and its
workers), the writer's time (storing and committing, the part that used to grow with
the database), articles/s, the database's size and the load average; then the last
batch's cost against the first, the mentions per event, and peak memory.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.ingest.runner import ingest_paths  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
from app.models import Event, Mention  # noqa: E402
from bench.corpus import Corpus  # noqa: E402


def cpu_seconds() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def size_mb(database: Path) -> float:
    files = [database, Path(f"{database}-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", type=Path, help="keep the database in this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="timeline-scale-"))
    database = args.db or work / "scale.sqlite3"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    engine = make_engine(url)
    corpus = Corpus(articles=args.articles)
    print(
        f"{args.articles} articles in batches of {args.batch}, {args.workers} worker(s), "
        f"{os.cpu_count()} cores; database {database}"
    )
    print(
        "batch   articles  wall s   cpu s (run+workers)  writer s  writer ms/article  "
        "articles/s  db MB   load"
    )
    costs: list[tuple[float, float]] = []  # (wall, writer) per batch
    started = time.perf_counter()
    try:
        for number, first in enumerate(range(0, args.articles, args.batch), start=1):
            folder = work / f"batch{number}"
            numbers = range(first, min(first + args.batch, args.articles))
            corpus.write(folder, numbers)
            own, children = cpu_seconds()
            batch_started = time.perf_counter()
            report = ingest_paths([folder], engine, workers=args.workers)
            wall = time.perf_counter() - batch_started
            own_after, children_after = cpu_seconds()
            shutil.rmtree(folder)
            if report.count("new") != len(numbers):
                failed = [o for o in report.outcomes if o.status != "new"][:3]
                raise SystemExit(f"batch {number}: not every article is new: {failed}")
            costs.append((wall, report.store_seconds))
            load = os.getloadavg()[0]
            print(
                f"{number:5d} {numbers.stop:10d} {wall:7.1f} {own_after - own:8.1f}+"
                f"{children_after - children:<8.1f}      {report.store_seconds:7.1f}"
                f"  {report.store_seconds / len(numbers) * 1000:12.2f}  "
                f"{len(numbers) / wall:13.1f} {size_mb(database):7.0f} {load:6.2f}",
                flush=True,
            )
        with Session(engine) as session:
            events = session.execute(select(func.count()).select_from(Event)).scalar_one()
            per_event = Counter(
                count
                for (count,) in session.execute(
                    select(func.count()).select_from(Mention).group_by(Mention.event_id)
                )
            )
    finally:
        engine.dispose()
        if args.db is None:
            shutil.rmtree(work)
    total = time.perf_counter() - started
    (first_wall, first_writer), (last_wall, last_writer) = costs[0], costs[-1]
    print(f"\n{args.articles} articles in {total / 60:.1f} min ({args.articles / total:.1f}/s)")
    print(
        f"last batch against the first: wall {last_wall:.1f}s / {first_wall:.1f}s = "
        f"{last_wall / first_wall:.2f}x; writer {last_writer:.1f}s / {first_writer:.1f}s = "
        f"{last_writer / first_writer:.2f}x (target: within 1.3x)"
    )
    if len(costs) >= 10:
        head = sum(c[1] for c in costs[:5]) / 5
        tail = sum(c[1] for c in costs[-5:]) / 5
        print(f"writer, mean of the last 5 batches against the first 5: {tail / head:.2f}x")
    spread = ", ".join(f"{n}: {per_event[n]}" for n in sorted(per_event)[:12])
    print(
        f"{events} events, {sum(k * v for k, v in per_event.items()) / events:.1f} mentions "
        f"per event on average, at most {max(per_event)}; events per mention count: {spread}"
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: writer (this process) {own:.0f} MB, largest worker {workers:.0f} MB")


if __name__ == "__main__":
    main()
