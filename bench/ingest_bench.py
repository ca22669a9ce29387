"""Ingestion throughput: articles/s, words/s and peak memory, full pipeline and the
extractor alone. Articles are the seeds made unique (a numbered line appended, so the
content hash differs) and padded to about 600 words with their own paragraphs.

    .venv/bin/python bench/ingest_bench.py --articles 200
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.db import make_engine  # noqa: E402
from app.extract import extract_events  # noqa: E402
from app.extract.nlp import french  # noqa: E402
from app.ingest.reader import read_article  # noqa: E402
from app.ingest.runner import ingest_paths  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402

TARGET_WORDS = 600


def make_articles(folder: Path, count: int) -> list[Path]:
    seeds = sorted((REPO / "seeds").glob("*.md"))
    paths = []
    for i in range(count):
        seed = seeds[i % len(seeds)].read_text("utf-8")
        head, _, body = seed.partition("\n---\n")
        while len(body.split()) < TARGET_WORDS:
            body += "\n" + body
        body = " ".join(body.split(" ")[:TARGET_WORDS])
        path = folder / f"bench_{i:05d}.md"
        path.write_text(f"{head}\n---\n{body}\nCopie numéro {i}.\n", "utf-8")
        paths.append(path)
    return paths


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument(
        "--workers", type=int, default=1, help="extraction processes for the full run"
    )
    args = parser.parse_args()
    french()  # load the model once, outside the timings
    with tempfile.TemporaryDirectory(prefix="timeline-bench-") as tmp:
        folder = Path(tmp)
        paths = make_articles(folder, args.articles)
        inputs = [read_article(p, max_bytes=10**7).to_input() for p in paths]
        words = sum(len(a.text.split()) for a in inputs)

        started, cpu = time.perf_counter(), time.process_time()
        events = sum(len(extract_events(a)) for a in inputs)
        alone, alone_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"extractor alone: {len(inputs)} articles, {words} words, {events} events in {alone:.2f}s"
        )
        print(
            f"  {len(inputs) / alone:.1f} articles/s, {words / alone:.0f} words/s "
            f"({len(inputs) / alone_cpu:.1f} articles per CPU second)"
        )

        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_paths(paths, engine, workers=args.workers)
        full, full_cpu = time.perf_counter() - started, time.process_time() - cpu
        engine.dispose()
        print(
            f"full ingestion (read, extract, store), {args.workers} worker(s): "
            f"{report.files_read} files in {full:.2f}s"
        )
        per_cpu = (
            f" ({len(paths) / full_cpu:.1f} articles per CPU second)" if args.workers == 1 else ""
        )
        print(f"  {len(paths) / full:.1f} articles/s, {words / full:.0f} words/s{per_cpu}")
    print(f"peak memory (max RSS): {peak_mb():.0f} MB")
    # The machine may be shared: CPU time says what one process costs, whatever the load.
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
