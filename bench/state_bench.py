"""Policy-state benchmark: the state computed from generated events, no server.

    .venv/bin/python bench/state_bench.py                    # 20,000 events, 200 dates
    .venv/bin/python bench/state_bench.py --events 50000 --dates 500 --seed 7
    .venv/bin/python bench/state_bench.py --db bench/out/web_bench.sqlite3  # a database's events
    .venv/bin/python bench/state_bench.py --reviewed 0.3  # 30% confirmed: the variants' memory

Generates events in memory (the mix of types, actors, weapons, places and date
precisions of the web benchmark, with "all supplied weapons", long-range, place-less
and month-precise decisions), builds the index once (what a new data version costs),
then prints p50/p95/max for: the whole matrix as of a random date (target: p95 < 50 ms),
one cell's detail, previous/next change, a month of changes, and an actor's history
(the step chart). With --db, the events are read from that database instead (e.g. the
one bench/web_bench.py generates), and the read is timed too: with the index build, it
is what the first request after a data change waits for.

The server keeps one index per `reviewed` variant asked for (every event, the confirmed
ones, the unreviewed ones): after the figures above, the two others are built too and
the memory the three hold together is printed. --reviewed sets the share of generated
events a person confirmed (with --db, the database's review status counts).
"""

import argparse
import dataclasses
import datetime as dt
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.state.compute import PolicyEvent, StateIndex  # noqa: E402
from app.state.hierarchy import scope_tree, weapon_columns  # noqa: E402
from app.state.load import load_events  # noqa: E402

SUPPLIERS = [
    "united-states", "united-kingdom", "germany", "france", "netherlands", "norway",
    "canada", "italy", "poland", "sweden", "denmark", "finland", "nato", "european-union",
]  # fmt: skip
WEAPONS = [
    "atacms", "himars", "storm-shadow", "scalp", "taurus", "f-16", "patriot", "gmlrs",
    "leopard-2", "abrams", "m270", "m777", "jassm", "long-range-weapons",
]  # fmt: skip
PLACES = [
    "russian-territory", "russian-territory", "kharkiv", "kursk", "belgorod", "bryansk",
    "crimea", "donbas", "moscow", "sevastopol",
]  # fmt: skip
START, END = dt.date(2022, 2, 24), dt.date(2025, 6, 30)


def generate(count: int, seed: int, reviewed: float = 0.0) -> list[PolicyEvent]:
    rnd = random.Random(seed)
    span = (END - START).days
    events = []
    for i in range(count):
        kind = rnd.choices(
            ("authorization", "restriction", "warning", "request"), weights=(35, 30, 25, 10)
        )[0]
        actor = {"warning": "russia", "request": "ukraine"}.get(kind) or rnd.choice(SUPPLIERS)
        weapons = () if rnd.random() < 0.25 else tuple(rnd.sample(WEAPONS, rnd.choice((1, 1, 2))))
        places = () if rnd.random() < 0.35 else tuple(rnd.sample(PLACES, rnd.choice((1, 1, 2))))
        basis = rnd.choices(("text", "published", "undated"), weights=(70, 25, 5))[0]
        precision = rnd.choices(("day", "month", "year"), weights=(80, 15, 5))[0]
        date = None if basis == "undated" else START + dt.timedelta(days=rnd.randrange(span))
        if date and precision == "month":
            date = date.replace(day=1)
        elif date and precision == "year":
            date = date.replace(month=1, day=1)
        events.append(
            PolicyEvent(
                id=f"bench{i:011d}",
                type=kind,
                actor=actor,
                weapons=tuple(sorted(set(weapons))),
                places=tuple(sorted(set(places))),
                date=date,
                precision=None if date is None else precision,
                basis=basis,
                reviewed=rnd.random() < reviewed,
            )
        )
    return events


def timed(samples: int, run: Callable[[int], object]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call: on a shared machine the CPU time shows
    what the computation costs when other processes take turns on the cores."""
    wall, cpu = [], []
    for i in range(samples):
        t0, c0 = time.perf_counter(), time.process_time()
        run(i)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def _p95(ms: list[float]) -> float:
    return statistics.quantiles(ms, n=100)[94] if len(ms) > 1 else ms[0]


def report(name: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    print(
        f"{name:<34} n={len(wall):>4}  wall p50 {statistics.median(wall):6.1f}"
        f"  p95 {_p95(wall):6.1f}  max {max(wall):6.1f} ms"
        f" | cpu p50 {statistics.median(cpu):6.1f}  p95 {_p95(cpu):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--dates", type=int, default=200, help="as_of dates to sample")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="read the events of this SQLite file instead")
    parser.add_argument(
        "--reviewed", type=float, default=0.3, help="share of generated events confirmed"
    )
    args = parser.parse_args()
    # The machine is shared: the load says how much the figures may be inflated.
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    if args.db:
        engine = make_engine(f"sqlite:///{args.db}")
        t0, c0 = time.perf_counter(), time.process_time()
        with Session(engine) as session:
            events = load_events(session)
        wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        print(f"{'read events from the database':<34} wall {wall:.0f} ms, cpu {cpu:.0f} ms")
        engine.dispose()
    else:
        events = generate(args.events, args.seed, args.reviewed)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    index = StateIndex(events, scopes=scope_tree(), weapons=weapon_columns())
    build_ms = (time.perf_counter() - t0) * 1000
    build_cpu = (time.process_time() - c0) * 1000
    decisions = sum(e.type in ("authorization", "restriction") for e in events)
    cells = len(index.actors) * len(index.columns)
    print(
        f"{len(events):,} events ({decisions:,} decisions), {len(index.actors)} actors x "
        f"{len(index.columns)} columns = {cells} cells"
    )
    print(
        f"{'index build (once per data version)':<34} wall {build_ms:.0f} ms, cpu {build_cpu:.0f} ms"
    )
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_mb
    print(f"{'peak memory (max RSS) grew by':<34} {grown:.0f} MB for the index")

    rnd = random.Random(args.seed + 1)
    span = (END - START).days + 60
    days = [
        START - dt.timedelta(days=30) + dt.timedelta(days=rnd.randrange(span))
        for _ in range(args.dates)
    ]
    report("state as_of (whole matrix)", timed(len(days), lambda i: index.state(days[i])))
    report(
        "cell detail",
        timed(
            len(days),
            lambda i: index.detail(index.actors[i % len(index.actors)], "atacms", days[i]),
        ),
    )
    report(
        "previous + next change",
        timed(
            len(days),
            lambda i: (index.previous_change(days[i]), index.next_change(days[i])),
        ),
    )
    few = days[: max(1, len(days) // 10)]
    report(
        "changes over 30 days (all cells)",
        timed(len(few), lambda i: index.changes(few[i] - dt.timedelta(days=29), few[i])),
    )
    report(
        "newest 50 changes (the Atom feed)",
        timed(len(few), lambda i: index.changes(START, few[i], limit=50, newest_first=True)),
    )
    report(
        "actor history (step chart)",
        timed(
            5,
            lambda i: [index.history(index.actors[i], weapon) for weapon in index.columns],
        ),
    )
    variants(events, before_mb, index)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def variants(events: list[PolicyEvent], before_mb: float, index: StateIndex) -> None:
    """Build the reviewed and unreviewed indexes next to the whole one, as a server asked
    for all three holds them. Each from its own copies of the events, as the server reads
    each variant from the database."""
    kept = [index]
    used_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name, reviewed in (("reviewed=true", True), ("reviewed=false", False)):
        chosen = [dataclasses.replace(e) for e in events if e.reviewed is reviewed]
        t0 = time.perf_counter()
        kept.append(StateIndex(chosen, scopes=scope_tree(), weapons=weapon_columns()))
        build_ms = (time.perf_counter() - t0) * 1000
        print(f"{'index build, ' + name:<34} {len(chosen):,} events, wall {build_ms:.0f} ms")
        del chosen
    now_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The whole index has grown with the queries above (memoized steps): counted too.
    print(f"{'the two variants added':<34} {now_mb - used_mb:.0f} MB to the whole index in use")
    print(f"{'peak memory grew by':<34} {now_mb - before_mb:.0f} MB for the 3 indexes together")


if __name__ == "__main__":
    main()
