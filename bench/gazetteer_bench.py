"""Gazetteer speed: time to build the automaton from the YAML files, and time to match
a 2,000-word text (the seed articles' bodies, repeated and cut to 2,000 words).

    .venv/bin/python bench/gazetteer_bench.py
"""

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.extract.gazetteer import Gazetteer, _entries  # noqa: E402
from app.extract.text import fold  # noqa: E402
from app.resources import load  # noqa: E402

WORDS = 2000
RUNS = 20


def sample_text() -> str:
    bodies = [p.read_text("utf-8").partition("\n---\n")[2] for p in sorted(REPO.glob("seeds/*.md"))]
    words = " ".join(bodies).split()
    while len(words) < WORDS:
        words += words
    return " ".join(words[:WORDS])


def main() -> None:
    started = time.perf_counter()
    for kind in ("actors", "people", "weapons", "places", "outlets"):
        load(f"gazetteer/{kind}.yaml")
    yaml_ms = (time.perf_counter() - started) * 1000
    aliases = sum(len(names) + len(exact) for _, names, exact in _entries())
    builds = []
    for _ in range(5):
        started = time.perf_counter()
        gazetteer = Gazetteer()
        builds.append((time.perf_counter() - started) * 1000)
    text = sample_text()
    folded = fold(text)
    finds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        matches = gazetteer.find(text, folded)
        finds.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    fold(text)
    fold_ms = (time.perf_counter() - started) * 1000
    print(f"entries+aliases: {len(_entries())} entries, {aliases} aliases")
    print(f"YAML load (first, uncached): {yaml_ms:.1f} ms")
    print(f"automaton build (YAML cached): median {statistics.median(builds):.1f} ms")
    print(
        f"match {len(text.split())} words: median {statistics.median(finds):.2f} ms "
        f"over {RUNS} runs, {len(matches)} matches (fold alone: {fold_ms:.2f} ms)"
    )


if __name__ == "__main__":
    main()
