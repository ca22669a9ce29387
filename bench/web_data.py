"""The web benchmark's data: generated events told by generated articles, stored straight
into a migrated database (the database's triggers fill the facet counts and outlets).

    .venv/bin/python bench/web_bench.py --generate-only --events 200000
"""

import datetime as dt
import random
import sys
from pathlib import Path

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


REVIEW = {"unreviewed": 96.0, "confirmed": 3.5, "rejected": 0.5}  # shares, percent
CHUNK = 5000  # rows per INSERT


def generate(url: str, *, events: int, seed: int = 42) -> None:
    """Fill a fresh database with `events` varied events, ~3 mentions each, a few
    reviewed or rejected, with confidences from 0.35 to 0.99."""
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
        status = rnd.choices(list(REVIEW), weights=list(REVIEW.values()))[0]
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
                "confidence": round(rnd.uniform(0.35, 0.99), 2),
                "review_status": status,
                "reviewed_at": None if status == "unreviewed" else stamp,
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
        # Events before their links and mentions: the triggers count each link and
        # outlet under its event's fields (app/models.py, FacetCount).
        for model, rows in (
            (Article, article_rows),
            (Event, event_rows),
            (EventWeapon, weapon_rows),
            (EventPlace, place_rows),
            (Mention, mention_rows),
        ):
            for at in range(0, len(rows), CHUNK):
                conn.execute(insert(model), rows[at : at + CHUNK])
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    print(
        f"generated {len(event_rows)} events, {len(mention_rows)} mentions, "
        f"{len(article_rows)} articles"
    )
