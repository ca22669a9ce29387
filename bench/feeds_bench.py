"""Feed polling throughput: one poll of a feed of N entries served from 127.0.0.1,
every entry a distinct article page generated here from our own sentence templates.
Prints articles/s for the whole poll (fetch the feed, fetch the pages, read, extract,
store, record the feed state), the share of the fetch phase, and peak memory.

    .venv/bin/python bench/feeds_bench.py --entries 100 [--workers N]

The French language model is loaded before the clock starts, as in ingest_bench.py.
"""

import argparse
import random
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.db import make_engine  # noqa: E402
from app.extract.nlp import french  # noqa: E402
from app.ingest.feeds import FeedConfig, poll_feeds  # noqa: E402
from app.ingest.fetch import HttpPolicy  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402

COUNTRIES = ["Les Pays-Bas", "La Norvège", "Le Danemark", "La Suède", "La Finlande", "Le Canada"]
WEAPONS = ["ses F-16", "ses missiles ATACMS", "ses obus d'artillerie", "ses drones"]
PLACES = ["la région de Koursk", "la région de Belgorod", "les bases aériennes russes"]
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
NEWS = [
    "{country} a autorisé {day} l'Ukraine à utiliser {weapon} contre des cibles dans {place}.",
    "{country} a refusé {day} que {weapon} servent à frapper {place}, selon son ministre.",
    "Le gouvernement russe a averti {day} que toute frappe sur {place} aurait des conséquences.",
    "Kiev a demandé {day} la levée des restrictions sur {weapon}, a indiqué la présidence.",
]
FILLER = [
    "Le débat parlementaire sur l'aide militaire se poursuit dans plusieurs capitales.",
    "Les experts interrogés jugent que la décision pèsera sur la suite de la campagne.",
    "Le ministère a rappelé que les livraisons suivaient un calendrier arrêté au printemps.",
    "Des diplomates évoquent des discussions longues et parfois tendues entre alliés.",
    "La question du financement des munitions reste au cœur des échanges européens.",
    "Plusieurs élus de l'opposition réclament davantage de transparence sur ces choix.",
    "Sur le terrain, les unités ukrainiennes signalent une pression constante sur le front.",
    "Les chancelleries attendent désormais la réunion des ministres prévue le mois prochain.",
]


def make_article(number: int, rng: random.Random) -> tuple[str, bytes]:
    """A page of about 400 words: two news sentences among filler paragraphs."""
    fields = {
        "country": rng.choice(COUNTRIES),
        "weapon": rng.choice(WEAPONS),
        "place": rng.choice(PLACES),
        "day": rng.choice(DAYS),
    }
    title = f"Aide militaire : point de situation numéro {number}"
    sentences = [rng.choice(NEWS).format(**fields) for _ in range(2)]
    paragraphs = [f"Point de situation numéro {number}. {sentences[0]}"]
    while sum(len(p.split()) for p in paragraphs) < 400:
        paragraphs.append(" ".join(rng.sample(FILLER, 3)))
    paragraphs.insert(3, sentences[1])
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    page = (
        f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{title}</title>"
        "<meta property='article:published_time' content='2024-05-30'></head>"
        f"<body><nav><a href='/'>Accueil</a></nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Gazette de banc d'essai</footer></body></html>"
    )
    return title, page.encode()


def make_site(entries: int) -> dict[str, tuple[str, bytes]]:
    rng = random.Random(20240530)
    site: dict[str, tuple[str, bytes]] = {}
    items = []
    for number in range(entries):
        title, page = make_article(number, rng)
        site[f"/articles/{number}.html"] = ("text/html; charset=utf-8", page)
        items.append(
            f"<item><title>{title}</title><link>/articles/{number}.html?utm_source=rss</link>"
            "<pubDate>Thu, 30 May 2024 09:00:00 GMT</pubDate></item>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Gazette</title><link>http://127.0.0.1/</link>{''.join(items)}</channel></rss>"
    )
    site["/rss.xml"] = ("application/rss+xml", feed.encode())
    return site


def serve(site: dict[str, tuple[str, bytes]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once, as real servers do

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            content_type, body = site.get(self.path.split("?")[0], ("text/plain", b""))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="extraction processes")
    args = parser.parse_args()
    french()  # load the model once, outside the timing
    server = serve(make_site(args.entries))
    feed_url = f"http://127.0.0.1:{server.server_address[1]}/rss.xml"
    policy = HttpPolicy(max_bytes=5 * 1024 * 1024, allow_private=True)
    fetched_at: list[float] = []
    with tempfile.TemporaryDirectory(prefix="timeline-feeds-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        started = time.perf_counter()
        report = poll_feeds(
            [FeedConfig(name="Gazette", url=feed_url)],
            engine,
            policy,
            workers=args.workers,
            on_feeds_read=lambda _polls: fetched_at.append(time.perf_counter()),
        )
        elapsed = time.perf_counter() - started
        engine.dispose()
    server.shutdown()
    poll = report.feeds[0]
    new, failed = poll.ingest.count("new"), poll.ingest.count("failed")
    print(
        f"poll of {poll.entries} entries, {args.workers} worker(s): {new} new, {failed} failed, "
        f"{poll.ingest.events_created} events in {elapsed:.2f}s"
    )
    print(f"  {new / elapsed:.1f} articles/s (target: 20)")
    print(f"  fetch phase (feed and pages): {fetched_at[0] - started:.2f}s")
    print(
        f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
