"""Web benchmark: 20,000 generated events, uvicorn on loopback, 20 concurrent clients.

    .venv/bin/python bench/web_bench.py            # generate (once), serve, measure, print
    .venv/bin/python bench/web_bench.py --regenerate --events 20000 --requests 600
    .venv/bin/python bench/web_bench.py --generate-only --db /tmp/big.sqlite3  # data only

Prints p50/p95 latency per scenario: the full timeline, a weapon filter, a text
search, an event page and /api/events. Target: p95 < 100 ms on a 2-core machine.
Then the cache-busting scenario: 25 clients each asking for a view nobody asked for
before (unique date ranges) while the other clients read cached pages; the target
holds for the cached pages. `--only busting` runs just that one. `--only flood` instead
streams 40 MB headers on 20 connections and prints the server's peak memory.
"""

import argparse
import asyncio
import datetime as dt
import importlib.util
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import make_engine  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
from app.models import (  # noqa: E402
    Actor,
    Article,
    Event,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    Weapon,
)
from app.slugs import fold, short_hash, slugify  # noqa: E402

ACTORS = [
    "United States", "United Kingdom", "Germany", "France", "Netherlands", "Norway",
    "Canada", "Italy", "Poland", "Sweden", "Denmark", "Finland", "NATO", "European Union",
    "Russia", "Ukraine",
]  # fmt: skip
WEAPONS = [
    "ATACMS", "HIMARS", "Storm Shadow", "SCALP", "Taurus", "F-16", "Patriot", "GMLRS",
    "Leopard 2", "Abrams", "Bradley", "Javelin", "Harpoon", "NASAMS", "IRIS-T", "Caesar",
    "M777", "Stinger", "Gepard", "JASSM",
]  # fmt: skip
PLACES = [
    "Kharkiv", "Crimea", "Kursk", "Belgorod", "Bryansk", "Donetsk", "Luhansk", "Zaporizhzhia",
    "Kherson", "Sevastopol", "Moscow", "Rostov", "Voronezh", "Kerch", "Mariupol", "Bakhmut",
    "Avdiivka", "Odesa", "Mykolaiv", "Sumy", "Chernihiv", "Kyiv", "Lviv", "Dnipro",
    "Kramatorsk", "Pokrovsk", "Novorossiysk", "Taganrog", "Engels", "Yeysk",
]  # fmt: skip
OUTLETS = [
    "Le Monde", "Example Post", "Kyiv Ledger", "Berlin Courier", "Meguetan Infos",
    "Nordic Wire", "Atlantic Desk", "Warsaw Herald", "Paris Soir Digital", "Baltic Review",
    "Danube Daily", "Eastern Front Monitor",
]  # fmt: skip
CITED = [None, None, None, "Reuters", "AFP", "Politico", "TASS", "AP", "Bloomberg"]
VERBS = {
    "authorization": ("authorizes strikes with", "allows the use of", "lifts limits on"),
    "restriction": ("restricts the use of", "refuses to allow strikes with", "keeps limits on"),
    "warning": ("warns against strikes with", "threatens a response to", "warns the West over"),
    "request": ("asks to use", "requests permission to fire", "urges allies to allow"),
}
TYPES = list(VERBS)


def generate(url: str, *, events: int, seed: int = 42) -> None:
    """Fill a fresh database with `events` varied events, ~3 mentions each."""
    rnd = random.Random(seed)
    upgrade_database(url)
    engine = make_engine(url)
    start = dt.date(2022, 2, 24)
    span = (dt.date(2025, 6, 30) - start).days
    n_articles = max(1, events // 2)
    article_sentences: list[list[dict]] = [[] for _ in range(n_articles)]
    event_rows, weapon_rows, place_rows = [], [], []
    stamp = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    for i in range(events):
        eid = short_hash("bench-event", i)
        etype = rnd.choices(TYPES, weights=(35, 30, 25, 10))[0]
        actor = "Russia" if etype == "warning" else rnd.choice(ACTORS[:-2])
        actor = "Ukraine" if etype == "request" else actor
        weapons = rnd.sample(WEAPONS, rnd.choice((1, 1, 2, 3)))
        places = rnd.sample(PLACES, rnd.choice((0, 1, 1, 2)))
        basis = rnd.choices(("text", "published", "undated"), weights=(70, 25, 5))[0]
        precision = rnd.choices(("day", "month", "year"), weights=(80, 15, 5))[0]
        date = None if basis == "undated" else start + dt.timedelta(days=rnd.randrange(span))
        if date and precision == "month":
            date = date.replace(day=1)
        elif date and precision == "year":
            date = date.replace(month=1, day=1)
        where = f" against targets in {', '.join(places)}" if places else ""
        summary = f"{actor} {rnd.choice(VERBS[etype])} {' and '.join(weapons)}{where}"
        quotes = []
        for k in range(rnd.choice((1, 2, 3, 3, 4, 5))):
            cited = rnd.choice(CITED)
            quote = f"Officials in {actor} said on day {i}-{k} that it {summary.split(' ', len(actor.split()))[-1]}"
            quote += f", according to {cited}." if cited else "."
            quotes.append(quote)
            article_sentences[rnd.randrange(n_articles)].append(
                {
                    "event": eid,
                    "quote": quote,
                    "type": etype,
                    "actor": slugify(actor),
                    "weapons": [slugify(w) for w in weapons],
                    "places": [slugify(p) for p in places],
                    "date": date,
                    "precision": None if date is None else precision,
                    "basis": basis,
                    "cited": cited,
                    "negated": rnd.random() < 0.03,
                }
            )
        names = " ".join([actor, *weapons, *places])
        event_rows.append(
            {
                "id": eid,
                "type": etype,
                "actor_id": slugify(actor),
                "date": date,
                "date_precision": None if date is None else precision,
                "date_basis": basis,
                "summary": summary,
                "search_text": fold(f"{summary} {' '.join(quotes)} {names}"),
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        weapon_rows += [{"event_id": eid, "weapon_id": slugify(w)} for w in weapons]
        place_rows += [{"event_id": eid, "place_id": slugify(p)} for p in places]
    article_rows, mention_rows = [], []
    for a, sentences in enumerate(article_sentences):
        if not sentences:
            continue
        text, offsets = "Dispatch.\n", []
        for s in sentences:
            offsets.append(len(text))
            text += s["quote"] + " "
        aid = short_hash("bench-article", a)
        published = start + dt.timedelta(days=rnd.randrange(span)) if rnd.random() > 0.05 else None
        article_rows.append(
            {
                "id": aid,
                "content_hash": short_hash(text, length=64),
                "source": f"bench/{a}.md",
                "url": f"https://news.example/{a}",
                "title": f"Dispatch {a}",
                "outlet": rnd.choice(OUTLETS),
                "language": "en",
                "published": published,
                "published_precision": "day" if published else None,
                "text": text,
                "word_count": len(text.split()),
                "ingested_at": stamp,
            }
        )
        for s, at in zip(sentences, offsets, strict=True):
            mention_rows.append(
                {
                    "key": short_hash(aid, at),
                    "event_id": s["event"],
                    "article_id": aid,
                    "type": s["type"],
                    "actor_id": s["actor"],
                    "weapons": s["weapons"],
                    "places": s["places"],
                    "date": s["date"],
                    "date_precision": s["precision"],
                    "date_basis": s["basis"],
                    "quote": s["quote"],
                    "start": at,
                    "end": at + len(s["quote"]),
                    "trigger": "said",
                    "trigger_start": at,
                    "trigger_end": at + 4,
                    "cited_source": s["cited"],
                    "speaker": None,
                    "negated": s["negated"],
                }
            )
    with engine.begin() as conn:
        for model, group in ((Actor, ACTORS), (Weapon, WEAPONS), (Place, PLACES)):
            conn.execute(insert(model), [{"id": slugify(n), "name": n} for n in group])
        conn.execute(insert(Article), article_rows)
        conn.execute(insert(Event), event_rows)
        conn.execute(insert(EventWeapon), weapon_rows)
        conn.execute(insert(EventPlace), place_rows)
        conn.execute(insert(Mention), mention_rows)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    print(
        f"generated {len(event_rows)} events, {len(mention_rows)} mentions, "
        f"{len(article_rows)} articles"
    )


@contextmanager
def serve(url: str, *, workers: int) -> Iterator[tuple[str, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # timeline serve: the production server (request-head limits included).
    cmd = [str(Path(sys.executable).with_name("timeline")), "serve", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--workers", str(workers),
           "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "DATABASE_URL": url})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/static/site.css", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx costs ~1 ms of CPU per request, which on 2 cores would be taken from the
    server under test; this reads just the status line, headers and the body.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                raise RuntimeError("chunked responses are not expected here")
        body = await self.reader.readexactly(length)
        return status, len(body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def load(
    base: str, paths: list[str], *, requests: int, concurrency: int, max_seconds: float
) -> dict[str, float]:
    """`concurrency` clients, each sending its next request when the previous one returns."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    deadline = time.perf_counter() + max_seconds

    async def client() -> None:
        nonlocal errors
        conn = Connection(host, int(port))
        try:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                status, _ = await conn.get(paths[i % len(paths)])
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += status != 200
        finally:
            await conn.close()

    t_start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return figures(latencies, time.perf_counter() - t_start, errors)


def figures(latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    latencies = sorted(latencies)
    q = statistics.quantiles(latencies, n=100)
    return {
        "n": len(latencies),
        "p50": q[49],
        "p95": q[94],
        "max": latencies[-1],
        "rps": len(latencies) / elapsed,
        "errors": errors,
    }


def row(name: str, r: dict[str, float]) -> str:
    return (
        f"{name:<16}{r['n']:>6}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
        f"{r['rps']:>8.0f}{r['errors']:>8}"
    )


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


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the uvicorn workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kb += sum(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
        )
    return total_kb / 1024


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
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM event ORDER BY id LIMIT 500")]
    engine.dispose()
    return {
        "timeline /": ["/"],
        "weapon filter": ["/?weapon=atacms", "/?weapon=taurus", "/?weapon=storm-shadow"],
        "text search": ["/?q=kharkiv", "/?q=crimea", "/?q=storm+shadow"],
        "event page": [f"/events/{i}" for i in ids],
        "/api/events": ["/api/events", "/api/events?weapon=himars", "/api/events?offset=500"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "bench" / "out" / "web_bench.sqlite3"))
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help="fill the database, stop")
    parser.add_argument("--requests", type=int, default=600, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=30.0, help="per scenario")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--bust-clients", type=int, default=25, help="cache-busting clients")
    parser.add_argument("--only", choices=["busting", "flood"], help="run one scenario")
    args = parser.parse_args()
    db = Path(args.db)
    url = f"sqlite:///{db}"
    if args.regenerate or not db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        t0 = time.perf_counter()
        generate(url, events=args.events)
        print(f"in {time.perf_counter() - t0:.1f} s -> {db}")
    if args.generate_only:
        return
    plan = scenarios(url)
    with serve(url, workers=args.workers) as (base, server_pid):
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
            flood = asyncio.run(header_flood(base, server_pid, connections=20, megabytes=40))
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
