"""Re-extraction: a new reading of stored articles, with stable ids, aliases and 410s."""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import get_engine
from app.extract.types import ExtractedEvent
from app.ingest.reextract import RETIRED_REASON, reextract_all, reextract_article
from app.ingest.runner import ingest_paths
from app.ingest.store import store_article
from app.main import app
from app.migrate import upgrade_database
from app.models import Article, Event, EventAlias, EventWeapon, Mention, RetiredEvent
from app.web import cache
from tests import facets
from tests.conftest import SEEDS_DIR
from tests.ingest.test_store import article, told

TEXT = (
    "Oslo allowed Kyiv on Monday to use its F-16 jets against airfields in Russia. "
    "Moscow warned of a harsh response."
)
ALLOWED = "Oslo allowed Kyiv on Monday to use its F-16 jets against airfields in Russia."
WARNED = "Moscow warned of a harsh response."


def allowed(**fields: object) -> ExtractedEvent:
    values: dict[str, object] = {
        "type": "authorization",
        "actor": "Norway",
        "weapons": ("F-16",),
        "confidence": 0.9,
        "notes": ("trigger 'allow*'", "actor by subject (seat)"),
    }
    values.update(fields)
    return told(TEXT, ALLOWED, "allowed", **values)


def warned() -> ExtractedEvent:
    return told(TEXT, WARNED, "warned", type="warning", actor="Russia", confidence=0.8)


@pytest.fixture
def stored(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        store_article(session, article(TEXT, dt.date(2024, 6, 5), "one"), [allowed(), warned()])
    return engine


def _ids(session: Session) -> list[str]:
    return sorted(session.exec(select(Event.id)))


def test_an_unchanged_reading_keeps_its_event_and_takes_new_fields(stored: Engine) -> None:
    with Session(stored) as session, session.begin():
        before = _ids(session)
        row = session.exec(select(Article)).one()
        change = reextract_article(
            session,
            row,
            [allowed(weapons=("F-16", "ATACMS"), confidence=0.6), warned()],
        )
    assert (change.kept, change.added, change.removed, change.retired_events) == (2, 0, 0, 0)
    with Session(stored) as session:
        assert _ids(session) == before
        norway = session.exec(select(Event).where(Event.actor_id == "norway")).one()
        weapons = set(
            session.exec(select(EventWeapon.weapon_id).where(EventWeapon.event_id == norway.id))
        )
        assert weapons == {"atacms", "f-16"}
        assert norway.confidence == 0.6


def test_a_vanished_reading_retires_its_event_and_a_new_one_is_added(stored: Engine) -> None:
    with Session(stored) as session:
        gone = session.exec(select(Event.id).where(Event.actor_id == "russia")).one()
    restriction = replace(warned(), type="restriction", actor="Norway", trigger="warned")
    with Session(stored) as session, session.begin():
        row = session.exec(select(Article)).one()
        change = reextract_article(session, row, [allowed(), restriction])
    assert (change.kept, change.added, change.removed, change.retired_events) == (1, 1, 1, 1)
    with Session(stored) as session:
        assert session.get(Event, gone) is None
        retired = session.get(RetiredEvent, gone)
        assert retired is not None and retired.reason == RETIRED_REASON
        assert {e.type for e in session.exec(select(Event))} == {"authorization", "restriction"}


def test_an_event_losing_its_smallest_key_takes_the_next_and_keeps_an_alias(
    engine: Engine,
) -> None:
    second_text = (
        "Norway has let Kyiv use F-16 jets on Russian airfields, its minister said on Monday."
    )
    second = told(
        second_text,
        second_text,
        "let",
        type="authorization",
        actor="Norway",
        weapons=("F-16",),
        date=dt.date(2024, 6, 3),
    )
    with Session(engine) as session, session.begin():
        store_article(
            session, article(TEXT, dt.date(2024, 6, 5), "one"), [allowed(date=dt.date(2024, 6, 3))]
        )
        store_article(session, article(second_text, dt.date(2024, 6, 5), "two"), [second])
    with Session(engine) as session:
        (event,) = session.exec(select(Event))
        keys = sorted(session.exec(select(Mention.key)))
        assert event.id == keys[0]
        first_article = session.exec(select(Mention.article_id).where(Mention.key == keys[0])).one()
    with Session(engine) as session, session.begin():
        row = session.get(Article, first_article)
        assert row is not None
        reextract_article(session, row, [])
    with Session(engine) as session:
        (event,) = session.exec(select(Event))
        assert event.id == keys[1]
        assert session.get(EventAlias, keys[0]) is not None
        assert session.get(RetiredEvent, keys[0]) is None


def test_reextracting_the_seeds_with_the_same_extractor_changes_nothing(engine: Engine) -> None:
    ingest_paths([SEEDS_DIR], engine)
    with Session(engine) as session:
        before = [
            (e.id, e.type, e.actor_id, e.date, e.summary)
            for e in session.exec(select(Event).order_by(Event.id))
        ]
    report = reextract_all(engine)
    assert report.articles == 5
    assert report.failed == []
    assert report.total("added") == report.total("removed") == 0
    assert report.total("kept") > 0
    with Session(engine) as session:
        after = [
            (e.id, e.type, e.actor_id, e.date, e.summary)
            for e in session.exec(select(Event).order_by(Event.id))
        ]
    assert after == before


def test_cli_reextract_prints_a_summary(cli_database: str) -> None:
    upgrade_database(cli_database)
    engine = get_engine()
    ingest_paths([SEEDS_DIR], engine)
    result = CliRunner().invoke(cli, ["reextract"])
    assert result.exit_code == 0, result.output
    rows = dict(re.findall(r"│ ([a-z ]+?) +│ (\d+) +│", result.output))
    assert rows["articles read again"] == "5"
    assert rows["readings added"] == rows["readings removed"] == rows["events retired"] == "0"
    assert rows["articles failed"] == "0"


@pytest.fixture
def web(stored: Engine, site_settings: None) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_a_retired_event_answers_410_with_its_reason(stored: Engine, web: TestClient) -> None:
    with Session(stored) as session:
        gone = session.exec(select(Event.id).where(Event.actor_id == "russia")).one()
    with Session(stored) as session, session.begin():
        row = session.exec(select(Article)).one()
        reextract_article(session, row, [allowed()])
    cache.clear()
    page = web.get(f"/events/{gone}")
    api = web.get(f"/api/events/{gone}")
    assert (page.status_code, api.status_code) == (410, 410)
    assert RETIRED_REASON in api.json()["detail"]
    assert web.get("/events/0000000000000000").status_code == 404


def test_reextracting_changed_readings_keeps_the_facet_counts(stored: Engine) -> None:
    """A kept reading with new weapons and date, a vanished one and a new one."""
    restriction = replace(warned(), type="restriction", actor="Norway", trigger="warned")
    with Session(stored) as session, session.begin():
        row = session.exec(select(Article)).one()
        reextract_article(
            session, row, [allowed(weapons=("Taurus",), date=dt.date(2024, 7, 1)), restriction]
        )
    counts = facets.stored(stored)["facetcount"]
    assert counts[("weapon", "day", "2024-07-01", "taurus", "unreviewed", "*")] == 1
    assert counts[("actor", "day", "2024-05-24", "russia", "unreviewed", "*")] == 0
    facets.assert_counts_right(stored)


def test_cli_reextract_puts_back_readings_and_keeps_the_facet_counts(cli_database: str) -> None:
    upgrade_database(cli_database)
    engine = get_engine()
    ingest_paths([SEEDS_DIR], engine)
    with engine.begin() as connection:  # readings as an older extractor might have left them
        connection.execute(text("UPDATE mention SET date = '2021-01-04', weapons = '[]'"))
        connection.execute(text("UPDATE event SET date = '2021-01-04'"))
    result = CliRunner().invoke(cli, ["reextract"])
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        assert "2021-01-04" not in {str(e.date) for e in session.exec(select(Event))}
    facets.assert_counts_right(engine)
