"""A small corpus stored through the real ingestion path (our own sentences)."""

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.extract.types import ExtractedEvent
from app.ingest.reader import ReadArticle
from app.ingest.store import store_article
from app.models import Event
from tests.ingest.test_store import article, told

ONE = (
    "Oslo allowed Kyiv on Monday to use its F-16 jets against airfields in Russia. "
    "Moscow warned of a harsh response."
)
ALLOWED = "Oslo allowed Kyiv on Monday to use its F-16 jets against airfields in Russia."
WARNED = "Moscow warned of a harsh response."
TWO = "Norway has let Kyiv use F-16 jets on Russian airfields, its minister said on Monday."
THREE = "Berlin still refuses to send Taurus missiles to Kyiv, the chancellor said on Tuesday."
MONDAY = dt.date(2024, 6, 3)


def allowed(**fields: object) -> ExtractedEvent:
    values: dict[str, object] = {
        "type": "authorization",
        "actor": "Norway",
        "weapons": ("F-16",),
        "places": ("Russian territory",),
        "date": MONDAY,
        "confidence": 0.9,
        "notes": (
            "trigger 'allow*'",
            "actor by subject (seat)",
            "date: weekday before publication",
        ),
    }
    values.update(fields)
    return told(ONE, ALLOWED, "allowed", **values)


def warned(**fields: object) -> ExtractedEvent:
    values: dict[str, object] = {
        "type": "warning",
        "actor": "Russia",
        "places": (),
        "date": dt.date(2024, 6, 5),
        "date_basis": "published",
        "confidence": 0.55,
    }
    values.update(fields)
    return told(ONE, WARNED, "warned", **values)


def let(**fields: object) -> ExtractedEvent:
    values: dict[str, object] = {
        "type": "authorization",
        "actor": "Norway",
        "weapons": ("F-16",),
        "places": (),
        "date": MONDAY,
        "confidence": 0.8,
    }
    values.update(fields)
    return told(TWO, TWO, "let", **values)


def refuses(**fields: object) -> ExtractedEvent:
    values: dict[str, object] = {
        "type": "restriction",
        "actor": "Germany",
        "weapons": ("Taurus",),
        "places": (),
        "date": dt.date(2024, 6, 4),
        "confidence": 0.7,
    }
    values.update(fields)
    return told(THREE, THREE, "refuses", **values)


def first() -> ReadArticle:
    return article(ONE, dt.date(2024, 6, 5), "Daily")


def second(name: str = "Herald") -> ReadArticle:
    return article(TWO, dt.date(2024, 6, 6), name)


def third() -> ReadArticle:
    return article(THREE, dt.date(2024, 6, 5), "Courier")


def build(engine: Engine) -> dict[str, str]:
    """Store the three articles; the event ids by actor id."""
    for read, events in (
        (first(), [allowed(), warned()]),
        (second(), [let()]),
        (third(), [refuses()]),
    ):
        with Session(engine) as session, session.begin():
            store_article(session, read, events)
    with Session(engine) as session:
        return {e.actor_id: e.id for e in session.exec(select(Event))}
