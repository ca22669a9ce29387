"""A generated database for the web tests that need more than a handful of events: 240
events over 2023-2024 (some undated, reviewed or rejected, of various confidences),
told by articles of several outlets (two spellings of one), with random weapons,
places and words to search."""

import datetime as dt
import random

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from app.models import (
    Actor,
    Article,
    Event,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    Weapon,
)

ACTORS = ["norway", "germany", "russia", "ukraine"]
WEAPONS = ["atacms", "taurus", "f-16"]
PLACES = ["kursk", "crimea"]
OUTLETS = ["Le Monde", "Le monde", "Kyiv Ledger", None]
TYPES = ["authorization", "restriction", "warning", "request"]
# Words of the events' search text (one to three each), for the text search tests.
WORDS = ["frappe", "portee", "frontiere", "missile", "accord"]


def generate(engine: Engine, events: int = 240, seed: int = 7) -> None:
    """Events over 2023-2024 (some undated, some reviewed or rejected), each told by one
    to three articles of random outlets, with random weapons and places."""
    rnd = random.Random(seed)
    words = random.Random(seed + 1)  # apart, so the rest is as generated before words
    articles = [
        {
            "id": f"a{n:015d}",
            "content_hash": f"h{n}",
            "source": f"{n}.md",
            "text": "Texte. " * 5,
            "outlet": rnd.choice(OUTLETS),
            "ingested_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        }
        for n in range(40)
    ]
    rows, weapons, places, mentions = [], [], [], []
    for n in range(events):
        event_id = f"e{n:015d}"
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(730))
        rows.append(
            {
                "id": event_id,
                "type": rnd.choice(TYPES),
                "actor_id": rnd.choice(ACTORS),
                "date": None if rnd.random() < 0.1 else day,
                "date_basis": "text",
                "summary": f"event {n}",
                "search_text": " ".join(words.sample(WORDS, words.randrange(1, 4))),
                "review_status": rnd.choice(["unreviewed"] * 6 + ["confirmed", "rejected"]),
                "confidence": rnd.choice([None, 0.3, 0.5, 0.55, 0.7, 0.8, 0.9, 0.95]),
            }
        )
        weapons += [
            {"event_id": event_id, "weapon_id": w} for w in rnd.sample(WEAPONS, rnd.randrange(3))
        ]
        places += [
            {"event_id": event_id, "place_id": p} for p in rnd.sample(PLACES, rnd.randrange(2))
        ]
        for k, article in enumerate(rnd.sample(articles, rnd.randrange(1, 4))):
            mentions.append(
                {
                    "key": f"m{n:07d}{k}",
                    "event_id": event_id,
                    "article_id": article["id"],
                    "type": "request",
                    "actor_id": "ukraine",
                    "weapons": [],
                    "places": [],
                    "quote": "Texte.",
                    "start": n,
                    "end": n + 1,
                    "trigger": "T",
                    "trigger_start": n,
                    "trigger_end": n + 1,
                }
            )
    with engine.begin() as connection:
        for model, ids in ((Actor, ACTORS), (Weapon, WEAPONS), (Place, PLACES)):
            connection.execute(insert(model), [{"id": i, "name": i.title()} for i in ids])
        connection.execute(insert(Article), articles)
        connection.execute(insert(Event), rows)
        connection.execute(insert(EventWeapon), weapons)
        connection.execute(insert(EventPlace), places)
        connection.execute(insert(Mention), mentions)
