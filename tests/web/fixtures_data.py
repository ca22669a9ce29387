"""A small, hand-written corpus for the web tests (our own sentences, exact values).

Five actors, four weapons, three places, six articles, five events (one undated,
one month-precision, one dated by publication only) and one merged-event alias.
"""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from app.models import (
    Actor,
    Article,
    Event,
    EventAlias,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    Weapon,
)
from app.slugs import fold, short_hash

ACTORS = ["United States", "Germany", "Russia", "Ukraine", "United Kingdom"]
WEAPONS = ["ATACMS", "Storm Shadow", "HIMARS", "Taurus"]
PLACES = ["Kharkiv", "Crimea", "Kursk"]


@dataclass
class Art:
    id: str
    outlet: str | None
    published: dt.date | None
    language: str
    title: str
    text: str
    url: str | None


ARTICLES = [
    Art(
        "a100000000000001",
        "Le Monde",
        dt.date(2024, 5, 31),
        "fr",
        "Washington change de cap sur les frappes",
        "Politique étrangère.\n"
        "Washington a autorisé Kiev à frapper le territoire russe près de Kharkiv "
        "avec des armes américaines, selon Reuters.\n"
        "Le débat continue à Berlin.",
        "https://lemonde.example/frappes",
    ),
    Art(
        "a200000000000002",
        "Example Post",
        dt.date(2024, 5, 30),
        "en",
        "US shifts on cross-border strikes",
        "The White House quietly approved strikes on Russian soil near Kharkiv "
        "using HIMARS and ATACMS, officials said on Thursday.",
        "https://post.example/us-shift",
    ),
    Art(
        "a300000000000003",
        "Kyiv Ledger",
        dt.date(2024, 9, 12),
        "en",
        "Moscow issues a new warning",
        "Moscow warned that any use of ATACMS or Storm Shadow deep inside Russia "
        "would make NATO a party to the war.",
        "javascript:alert(1)",
    ),
    Art(
        "a400000000000004",
        "Meguetan Infos",
        None,
        "fr",
        "Kiev insiste",
        "Kiev demande l'autorisation de frapper la Crimée avec des ATACMS, selon Politico.",
        None,
    ),
    Art(
        "a500000000000005",
        "Berlin Courier",
        dt.date(2024, 2, 20),
        "en",
        "No Taurus for now",
        "In February the chancellor refused to send Taurus missiles that could reach Moscow.",
        "https://courier.example/taurus",
    ),
    Art(
        "a600000000000006",
        "Example Post",
        dt.date(2024, 5, 16),
        "en",
        "London loosens its rules",
        "London said Kyiv may fire Storm Shadow missiles at targets in Crimea.",
        "https://post.example/london",
    ),
]


@dataclass
class Ev:
    id: str
    type: str
    actor: str
    date: dt.date | None
    precision: str | None
    basis: str
    weapons: list[str]
    places: list[str]
    summary: str
    # (article id, quote, trigger, cited source, negated)
    mentions: list[tuple[str, str, str, str | None, bool]]


EVENTS = [
    Ev(
        "e100000000000001",
        "authorization",
        "united-states",
        dt.date(2024, 5, 30),
        "day",
        "text",
        ["atacms", "himars"],
        ["kharkiv"],
        "United States allows strikes on Russian soil near Kharkiv with US weapons",
        [
            (
                "a100000000000001",
                "Washington a autorisé Kiev à frapper le territoire russe près de Kharkiv "
                "avec des armes américaines, selon Reuters.",
                "a autorisé",
                "Reuters",
                False,
            ),
            (
                "a200000000000002",
                "The White House quietly approved strikes on Russian soil near Kharkiv "
                "using HIMARS and ATACMS, officials said on Thursday.",
                "approved",
                None,
                False,
            ),
        ],
    ),
    Ev(
        "e200000000000002",
        "restriction",
        "germany",
        dt.date(2024, 2, 1),
        "month",
        "text",
        ["taurus"],
        [],
        "Germany refuses Taurus missiles that could reach Moscow",
        [
            (
                "a500000000000005",
                "In February the chancellor refused to send Taurus missiles that could "
                "reach Moscow.",
                "refused",
                None,
                False,
            )
        ],
    ),
    Ev(
        "e300000000000003",
        "warning",
        "russia",
        dt.date(2024, 9, 12),
        "day",
        "published",
        ["atacms", "storm-shadow"],
        [],
        "Russia warns that strikes deep inside Russia would make NATO a party to the war",
        [
            (
                "a300000000000003",
                "Moscow warned that any use of ATACMS or Storm Shadow deep inside Russia "
                "would make NATO a party to the war.",
                "warned",
                None,
                False,
            )
        ],
    ),
    Ev(
        "e400000000000004",
        "request",
        "ukraine",
        None,
        None,
        "undated",
        ["atacms"],
        ["crimea"],
        "Ukraine asks for permission to strike Crimea with ATACMS",
        [
            (
                "a400000000000004",
                "Kiev demande l'autorisation de frapper la Crimée avec des ATACMS, selon Politico.",
                "demande l'autorisation",
                "Politico",
                False,
            )
        ],
    ),
    Ev(
        "e500000000000005",
        "authorization",
        "united-kingdom",
        dt.date(2024, 5, 16),
        "day",
        "text",
        ["storm-shadow"],
        ["crimea"],
        "United Kingdom lets Ukraine fire Storm Shadow at targets in Crimea",
        [
            (
                "a600000000000006",
                "London said Kyiv may fire Storm Shadow missiles at targets in Crimea.",
                "may fire",
                None,
                False,
            )
        ],
    ),
]

STAMP = dt.datetime(2024, 10, 1, 12, 0, 0, tzinfo=dt.UTC)
# The extractor's confidence in each event (e400 was never scored: an old database).
CONFIDENCE = {
    "e100000000000001": 0.95,
    "e200000000000002": 0.81,
    "e300000000000003": 0.6,
    "e400000000000004": None,
    "e500000000000005": 0.72,
}
ALIAS = ("e1aa00000000aaaa", "e100000000000001")


def slug(name: str) -> str:
    from app.slugs import slugify

    return slugify(name)


def load(session: Session) -> None:
    names: dict[str, str] = {}
    for model, group in ((Actor, ACTORS), (Weapon, WEAPONS), (Place, PLACES)):
        for name in group:
            session.add(model(id=slug(name), name=name))
            names[slug(name)] = name
    texts = {}
    for a in ARTICLES:
        texts[a.id] = a.text
        session.add(
            Article(
                id=a.id,
                content_hash=short_hash(a.text, length=64),
                source=f"seeds/{a.id}.md",
                url=a.url,
                title=a.title,
                outlet=a.outlet,
                language=a.language,
                published=a.published,
                published_precision="day" if a.published else None,
                text=a.text,
                word_count=len(a.text.split()),
                # explicit and tz-aware: the model's default is naive, which UTCDateTime refuses
                ingested_at=STAMP,
            )
        )
    session.flush()
    for e in EVENTS:
        quotes = " ".join(m[1] for m in e.mentions)
        extra = " ".join(names[i] for i in [e.actor, *e.weapons, *e.places])
        session.add(
            Event(
                id=e.id,
                type=e.type,
                actor_id=e.actor,
                date=e.date,
                date_precision=e.precision,
                date_basis=e.basis,
                summary=e.summary,
                confidence=CONFIDENCE[e.id],
                search_text=fold(f"{e.summary} {quotes} {extra}"),
                created_at=STAMP,
                updated_at=STAMP,
            )
        )
        session.flush()
        for w in e.weapons:
            session.add(EventWeapon(event_id=e.id, weapon_id=w))
        for p in e.places:
            session.add(EventPlace(event_id=e.id, place_id=p))
        for article_id, quote, trigger, cited, negated in e.mentions:
            start = texts[article_id].index(quote)
            t = texts[article_id].index(trigger, start)
            session.add(
                Mention(
                    key=short_hash(article_id, start, e.id),
                    event_id=e.id,
                    article_id=article_id,
                    type=e.type,
                    actor_id=e.actor,
                    weapons=e.weapons,
                    places=e.places,
                    date=e.date,
                    date_precision=e.precision,
                    date_basis=e.basis,
                    quote=quote,
                    start=start,
                    end=start + len(quote),
                    trigger=trigger,
                    trigger_start=t,
                    trigger_end=t + len(trigger),
                    cited_source=cited,
                    negated=negated,
                )
            )
    session.add(EventAlias(id=ALIAS[0], event_id=ALIAS[1]))
    session.commit()
