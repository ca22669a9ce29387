"""Web benchmark: generated events served by `timeline serve` on loopback, 20 concurrent
clients (a lean asyncio client), figures printed.

    .venv/bin/python bench/web_bench.py                  # 20,000 events: cached pages,
                                                         # cache busting, first hits
    .venv/bin/python bench/web_bench.py --events 200000 --only misses --datasette
    .venv/bin/python bench/web_bench.py --events 200000 --only routes
    .venv/bin/python bench/web_bench.py --events 200000 --only cold
    .venv/bin/python bench/web_bench.py --only busting | --only flood
    .venv/bin/python bench/web_bench.py --generate-only --events 200000

The events are generated once per size into bench/out/ (bench/web_data.py).

- default: p50/p95 per scenario on cached views (the full timeline, a weapon filter, a
  text search, an event page, /api/events; target p95 < 100 ms), then cache busting: 25
  clients each asking for a view nobody asked for before while 20 read cached pages
  (target: cached p95 under 100 ms), then how long a first visitor waits for new views.
- misses (issue 13): each request a view nobody asked for before (bench/web_misses.py):
  p50/p95/max, requests over 1 s and server CPU per request, per scenario; with
  --datasette, Datasette 0.65.5 (`pip install -e ".[bench]"`) on the same file, run
  after ours, and the ratios. Then memory per worker and how the load spread over them.
  The database file is read into the page cache before each scenario, for both servers:
  what is measured is the server, not disk reads after a pause.
- routes (issue 10, web at scale): cold (first request for each URL) and warm (the same
  URLs again) p50/p95 per route, over varied filter combinations (the file in the page
  cache, as for misses).
- cold: a restart: seconds until the server answers, then the first requests.
- flood: 20 connections streaming 40 MB headers; prints the server's peak memory.
"""

import argparse
import asyncio
import datetime as dt
import importlib.util
import itertools
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web_data import generate  # noqa: E402
from web_load import (  # noqa: E402
    Connection,
    Server,
    connections_held,
    cpu_seconds,
    datasette,
    figures,
    into_page_cache,
    load,
    peak_rss_mb,
    process_tree,
    row,
    rss_mb,
    timeline,
)
from web_misses import PUBLIC, SCENARIOS, TWICE_AS_FAST  # noqa: E402

from app.db import make_engine  # noqa: E402

HEADER = f"{'scenario':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}{'errors':>8}"


def busting_path(n: int) -> str:
    """The n-th view of a client that busts the cache: a date range nobody asked for."""
    start = dt.date(2022, 3, 1) + dt.timedelta(days=(n * 7919) % 1100)
    end = start + dt.timedelta(days=1 + (n * 104729) % 365)
    return f"/?date_from={start.isoformat()}&date_to={end.isoformat()}"


async def busting(
    base: str,
    cached: list[str],
    *,
    bust_clients: int,
    requests: int,
    concurrency: int,
    max_seconds: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """Cached pages measured under `load` while `bust_clients` ask for a new view each time."""
    host, port = base.removeprefix("http://").split(":")
    stop = asyncio.Event()
    latencies: list[float] = []
    views = itertools.count()

    errors = 0

    async def buster() -> None:
        nonlocal errors
        conn = Connection(host, int(port))
        try:
            while not stop.is_set():
                t0 = time.perf_counter()
                status, _ = await conn.get(busting_path(next(views)))
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += status != 200
        finally:
            await conn.close()

    t_start = time.perf_counter()
    tasks = [asyncio.create_task(buster()) for _ in range(bust_clients)]
    await asyncio.sleep(2)  # the busting clients have the server busy before measuring
    result = await load(
        base, cached, requests=requests, concurrency=concurrency, max_seconds=max_seconds
    )
    stop.set()
    await asyncio.gather(*tasks)
    return result, figures(latencies, time.perf_counter() - t_start, errors)


async def header_flood(
    base: str, pid: int, *, connections: int, megabytes: int
) -> dict[str, float | str]:
    """`connections` clients each streaming a header of up to `megabytes` MB (one never ends)."""
    host, port = base.removeprefix("http://").split(":")
    pids = process_tree(pid)
    before = peak = rss_mb(pids)

    async def one() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET / HTTP/1.1\r\nHost: bench\r\nX-Flood: ")
        chunk, sent = b"a" * 65536, 0
        try:
            while sent < megabytes * 2**20:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except OSError:
            pass  # the server hung up
        try:
            answer = await asyncio.wait_for(reader.read(64), timeout=5)
        except (OSError, TimeoutError):
            answer = b""
        writer.close()
        return sent, answer.split(b"\r\n")[0]

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mb(pids))
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    t0 = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(connections)))
    elapsed = time.perf_counter() - t0
    sampler.cancel()
    answers = sorted({a.decode("latin-1") or "no answer" for _, a in results})
    return {
        "sent_mb": statistics.median(sent for sent, _ in results) / 2**20,
        "before_mb": before,
        "peak_mb": peak,
        "seconds": elapsed,
        "answers": ", ".join(answers),
    }


COLD_PATHS = [
    "/?place=kursk",
    "/?weapon=javelin&actor=france",
    "/?q=bryansk&order=desc",
    "/?date_from=2024-05&date_to=2024-05",
    "/api/events?offset=1234",
    "/api/facets?type=warning",
]


def server_stack() -> str:
    fast = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m)]
    if len(fast) == 2:
        return "uvicorn with httptools + uvloop"
    return "uvicorn with h11 + asyncio (install uvicorn[standard]: about 2x faster)"


def scenarios(url: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.exec_driver_sql(
                f"SELECT id FROM event WHERE {PUBLIC} ORDER BY id LIMIT 500"
            )
        ]
    engine.dispose()
    return {
        "timeline /": ["/"],
        "weapon filter": ["/?weapon=atacms", "/?weapon=taurus", "/?weapon=storm-shadow"],
        "text search": ["/?q=kharkiv", "/?q=crimea", "/?q=storm+shadow"],
        "event page": [f"/events/{i}" for i in ids],
        "/api/events": ["/api/events", "/api/events?weapon=himars", "/api/events?offset=500"],
    }


# --- cache misses (issue 13) ----------------------------------------------------------


def measure(server: Server, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Load over `paths`, with the server's CPU seconds per request (all its processes)
    and, a second in, how many of the clients' connections each worker holds."""
    pids = server.processes()
    before = sum(cpu_seconds(pid) for pid in pids)
    held: list[list[int]] = []
    port = int(server.base.rsplit(":", 1)[1])
    sampler = threading.Timer(1.0, lambda: held.append(connections_held(port, server.workers())))
    sampler.start()
    result: dict[str, Any] = asyncio.run(
        load(
            server.base,
            paths,
            requests=len(paths),
            concurrency=args.concurrency,
            max_seconds=args.max_seconds,
        )
    )
    sampler.cancel()
    used = sum(cpu_seconds(pid) for pid in pids) - before
    result["cpu_ms"] = used * 1000 / max(1, result["n"])
    result["held"] = "/".join(map(str, held[0])) if held else "-"
    return result


def miss_row(name: str, r: dict[str, Any]) -> str:
    return (
        f"  {name:<40}{r['n']:>5}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['max']:>9.0f}"
        f"{r['over_1s']:>7}{r['cpu_ms']:>9.1f}{r['errors']:>7}  {r['held']}"
    )


MISS_HEADER = (
    f"  {'scenario (each request a new view)':<40}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}"
    f"{'max ms':>9}{'>1 s':>7}{'cpu ms':>9}{'errors':>7}  connections per worker"
)


def misses(url: str, database: Path, args: argparse.Namespace) -> None:
    rnd = random.Random(args.seed)
    plan = {name: make(database.stem, args.requests, rnd) for name, make in SCENARIOS.items()}
    ours: dict[str, dict[str, float]] = {}
    with timeline(url, workers=args.workers, balance=args.balance) as server:
        workers = server.workers()
        cpu_before = {pid: cpu_seconds(pid) for pid in workers}
        print(
            f"timeline serve, {len(workers)} workers ({'handed in turn' if args.balance else 'shared socket'}), "
            f"{args.concurrency} clients, {args.requests} unique views per scenario; the "
            "database file read into the page cache before each scenario (both servers)"
        )
        print(MISS_HEADER)
        for name, pairs in plan.items():
            into_page_cache(database)
            ours[name] = measure(server, [path for path, _ in pairs], args)
            print(miss_row(name, ours[name]))
        used = {pid: cpu_seconds(pid) - before for pid, before in cpu_before.items()}
        total = sum(used.values()) or 1
        print(
            "load spread: CPU share per worker "
            + " / ".join(f"{100 * used[pid] / total:.0f}%" for pid in workers)
        )
        print(
            "memory per worker (RSS now, peak): "
            + ", ".join(f"{rss_mb([pid]):.0f} MB, {peak_rss_mb(pid):.0f} MB" for pid in workers)
        )
        print(state_memory(server))
    if not args.datasette:
        return
    theirs: dict[str, dict[str, float]] = {}
    with datasette(database) as server:
        print(f"Datasette 0.65.5 on the same file, {args.concurrency} clients")
        print(MISS_HEADER)
        for name, pairs in plan.items():
            into_page_cache(database)
            theirs[name] = measure(server, [path for _, path in pairs], args)
            print(miss_row(name, theirs[name]))
        print(
            f"memory (RSS now, peak): {rss_mb([server.pid]):.0f} MB, {peak_rss_mb(server.pid):.0f} MB"
        )
    print("Datasette's latency / ours (above 1: we are faster)")
    print(f"  {'scenario':<40}{'p50':>8}{'p95':>8}{'cpu':>8}  target")
    for name in plan:
        a, b = ours[name], theirs[name]
        target = (
            "x2 " + ("met" if b["p95"] >= 2 * a["p95"] else "MISSED")
            if name in TWICE_AS_FAST
            else ""
        )
        print(
            f"  {name:<40}{b['p50'] / a['p50']:>8.2f}{b['p95'] / a['p95']:>8.2f}"
            f"{b['cpu_ms'] / a['cpu_ms']:>8.2f}  {target}"
        )


# --- routes: cold and warm (issue 10) ---------------------------------------------------


def varied_filters(count: int, rnd: random.Random) -> list[str]:
    """Query strings of 1 to 3 filters of every kind, never twice the same."""
    choices = [
        lambda: f"weapon={rnd.choice(WEAPON_IDS)}",
        lambda: f"actor={rnd.choice(ACTOR_IDS)}",
        lambda: f"type={rnd.choice(['authorization', 'restriction', 'warning', 'request'])}",
        lambda: f"place={rnd.choice(PLACE_IDS)}",
        lambda: f"outlet={rnd.choice(OUTLET_IDS)}",
        lambda: "date_from={}&date_to={}".format(*_range(rnd)),
        lambda: f"q={rnd.choice(WORDS)}",
        lambda: f"reviewed={rnd.choice(['true', 'false'])}",
        lambda: f"min_confidence={rnd.choice(['0.5', '0.7', '0.9'])}",
    ]
    seen: set[str] = set()
    while len(seen) < count:
        picked = rnd.sample(choices, rnd.choice((1, 2, 2, 3)))
        seen.add("&".join(sorted(make() for make in picked)))
    return sorted(seen, key=lambda _: rnd.random())


def _range(rnd: random.Random) -> tuple[dt.date, dt.date]:
    start = dt.date(2022, 3, 1) + dt.timedelta(days=rnd.randrange(1150))
    return start, start + dt.timedelta(days=rnd.randrange(7, 500))


ACTOR_IDS = [
    "united-states",
    "germany",
    "france",
    "united-kingdom",
    "poland",
    "russia",
    "ukraine",
    "nato",
]
WEAPON_IDS = ["atacms", "himars", "storm-shadow", "taurus", "f-16", "patriot", "javelin", "jassm"]
PLACE_IDS = ["kharkiv", "crimea", "kursk", "belgorod", "bryansk", "moscow", "odesa", "sumy"]
OUTLET_IDS = ["le-monde", "kyiv-ledger", "nordic-wire", "warsaw-herald", "baltic-review"]
WORDS = ["kharkiv", "storm", "crimea", "taurus", "patriot", "kursk", "moscow", "javelin"]


def routes(url: str, database: Path, args: argparse.Namespace) -> None:
    rnd = random.Random(args.seed)
    n = args.requests
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.exec_driver_sql(
                f"SELECT id FROM event WHERE {PUBLIC} ORDER BY random() LIMIT {n}"
            )
        ]
    engine.dispose()
    days = [dt.date(2022, 3, 1) + dt.timedelta(days=rnd.randrange(1200)) for _ in range(n)]
    plan = {
        "/ (filtered)": [f"/?{q}" for q in varied_filters(n, rnd)],
        "/api/events (filtered)": [f"/api/events?{q}" for q in varied_filters(n, rnd)],
        "/api/facets (filtered)": [f"/api/facets?{q}" for q in varied_filters(n, rnd)],
        "/events/{id}": [f"/events/{i}" for i in ids],
        "/state?as_of=": [f"/state?as_of={d}" for d in sorted(set(days))],
    }
    with timeline(url, workers=args.workers, balance=args.balance) as server:
        print(
            f"{len(server.workers())} workers, {args.concurrency} clients; cold: each URL's "
            f"first request ({n} URLs), warm: {WARM_URLS} of them again and again"
        )
        print(
            f"  {'route':<26}{'n':>5}{'cold p50':>10}{'cold p95':>10}{'max':>8}"
            f"{'warm p50':>10}{'warm p95':>10}{'errors':>8}"
        )
        verdicts = []
        for name, paths in plan.items():
            into_page_cache(database)
            cold = measure(server, paths, args)
            warm_paths = paths[:WARM_URLS]
            # In every worker's cache: each asked on new connections in a row, which the
            # server hands to the workers in turn (twice round, for uvicorn's own way).
            for path in warm_paths:
                for _ in range(2 * len(server.workers())):
                    httpx.get(server.base + path, timeout=120)
            warm = measure(server, warm_paths * (n // WARM_URLS), args)
            print(
                f"  {name:<26}{cold['n']:>5}{cold['p50']:>10.0f}{cold['p95']:>10.0f}"
                f"{cold['max']:>8.0f}{warm['p50']:>10.1f}{warm['p95']:>10.1f}"
                f"{cold['errors'] + warm['errors']:>8}"
            )
            if "filtered" in name:
                verdicts.append(
                    f"{name}: warm p95 {'met' if warm['p95'] < 50 else 'MISSED'}, "
                    f"cold p95 {'met' if cold['p95'] < 150 else 'MISSED'}"
                )
        print("targets (filtered pages: p95 < 50 ms warm, < 150 ms cold): " + "; ".join(verdicts))


WARM_URLS = 20


# --- a restart --------------------------------------------------------------------------

FIRST_PATHS = ["/", "/api/facets", "/?weapon=taurus&actor=germany", "/state"]


def cold(url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        event = conn.exec_driver_sql(
            f"SELECT id FROM event WHERE {PUBLIC} LIMIT 1 OFFSET 777"
        ).scalar()
    engine.dispose()
    # The first requests as soon as the server answers: what a visitor after a restart gets.
    with timeline(url, workers=args.workers, balance=args.balance) as server:
        print(
            f"timeline serve --workers {args.workers}: answers {server.started:.1f} s after the command"
        )
        for path in [*FIRST_PATHS, f"/events/{event}"]:
            t0 = time.perf_counter()
            status = httpx.get(server.base + path, timeout=120).status_code
            print(f"  first {path:<40}{(time.perf_counter() - t0) * 1000:>8.0f} ms  {status}")
        print(
            "memory per worker (RSS): "
            + ", ".join(f"{rss_mb([pid]):.0f} MB" for pid in server.workers())
        )
        print(state_memory(server))


def state_memory(server: Server) -> str:
    """The state process's memory: the policy state the workers share."""
    pids = server.state_process()
    if not pids:
        return "no state process (each worker holds the policy state)"
    return f"state process (RSS now, peak): {rss_mb(pids):.0f} MB, {peak_rss_mb(pids[0]):.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="default: bench/out/web_bench[_EVENTS].sqlite3")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help="fill the database, stop")
    parser.add_argument("--requests", type=int, default=600, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per scenario")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--balance", action=argparse.BooleanOptionalAction, default=True,
        help="connections handed to the workers in turn, or uvicorn's shared socket",
    )  # fmt: skip
    parser.add_argument("--bust-clients", type=int, default=25, help="cache-busting clients")
    parser.add_argument("--only", choices=["busting", "flood", "misses", "routes", "cold"])
    parser.add_argument("--datasette", action="store_true", help="misses: Datasette too")
    parser.add_argument("--seed", type=int, default=13, help="of the unique views")
    args = parser.parse_args()
    default = "web_bench.sqlite3" if args.events == 20_000 else f"web_bench_{args.events}.sqlite3"
    db = Path(args.db or ROOT / "bench" / "out" / default)
    url = f"sqlite:///{db}"
    if args.regenerate or not db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        t0 = time.perf_counter()
        generate(url, events=args.events)
        print(f"in {time.perf_counter() - t0:.1f} s -> {db}")
    if args.generate_only:
        return
    print(f"{args.events:,} events ({db.name}), {server_stack()}")
    if args.only == "misses":
        misses(url, db, args)
    elif args.only == "routes":
        routes(url, db, args)
    elif args.only == "cold":
        cold(url, args)
    else:
        cached_views(url, args)


def cached_views(url: str, args: argparse.Namespace) -> None:
    plan = scenarios(url)
    with timeline(url, workers=args.workers, balance=args.balance) as server:
        base = server.base
        # Warm-up: first hits fill per-process caches, as on a running server.
        for paths in plan.values():
            for path in paths[:3] * 2 * args.workers:
                httpx.get(base + path, timeout=60)
        print(
            f"{args.concurrency} concurrent clients, up to {args.requests} requests "
            f"or {args.max_seconds:.0f} s per scenario, {args.workers} uvicorn workers"
        )
        print(
            f"{'scenario':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}{'errors':>8}"
        )
        worst = 0.0
        for name, paths in plan.items():
            if args.only:
                break
            r = asyncio.run(
                load(
                    base,
                    paths,
                    requests=args.requests,
                    concurrency=args.concurrency,
                    max_seconds=args.max_seconds,
                )
            )
            worst = max(worst, r["p95"])
            print(row(name, r))
        if not args.only:
            print(
                f"worst p95: {worst:.1f} ms (target < 100 ms): {'OK' if worst < 100 else 'MISSED'}"
            )
        if args.only == "flood":
            flood = asyncio.run(header_flood(base, server.pid, connections=20, megabytes=40))
            print(
                "header flood: 20 connections each streaming a header of up to 40 MB: "
                f"{flood['sent_mb']:.1f} MB sent (median) in {flood['seconds']:.1f} s, "
                f"answers: {flood['answers']}; server RSS {flood['before_mb']:.0f} MB, "
                f"peak {flood['peak_mb']:.0f} MB"
            )
            return
        cached_pages = plan["event page"][:10]
        for path in cached_pages * 8 * args.workers:  # in every worker's cache, surely
            httpx.get(base + path, timeout=60)
        cached, busted = asyncio.run(
            busting(
                base,
                cached_pages,
                bust_clients=args.bust_clients,
                requests=args.requests,
                concurrency=args.concurrency,
                max_seconds=args.max_seconds,
            )
        )
        print(
            f"cache busting: {args.bust_clients} clients asking for unique date ranges, "
            f"{args.concurrency} reading cached event pages"
        )
        for name, r in (("cached pages", cached), ("unique views", busted)):
            print(row(f"  {name}", r))
        ok = cached["p95"] < 100
        print(
            f"cached p95 while busting: {cached['p95']:.1f} ms (target < 100 ms): {'OK' if ok else 'MISSED'}"
        )
        if args.only:
            return
        # Views never requested before: what a first visitor waits, with nothing cached.
        print("cold first hits, one client:")
        for path in COLD_PATHS:
            t0 = time.perf_counter()
            status = httpx.get(base + path, timeout=60).status_code
            print(f"  {path:<44}{(time.perf_counter() - t0) * 1000:>8.1f} ms  {status}")


if __name__ == "__main__":
    main()
