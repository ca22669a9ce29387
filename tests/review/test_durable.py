"""Reviewed work survives re-extraction and re-ingestion."""

import datetime as dt
import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import get_engine
from app.ingest.reextract import reextract_article
from app.ingest.runner import ingest_paths
from app.ingest.store import store_article
from app.migrate import upgrade_database
from app.models import Article, Event, EventWeapon, Mention
from app.review import actions
from app.review.actions import Editor
from app.slugs import short_hash
from tests.conftest import SEEDS_DIR
from tests.ingest.test_store import article, told
from tests.review import corpus

ANA = Editor("ana")
FRANCE = {"actor": "France", "date": "2024-06", "weapons": ["SCALP"]}


def act(engine: Engine, do: "actions.Callable[[Session], object]") -> None:
    with Session(engine) as session, session.begin():
        do(session)


def fields(engine: Engine, event_id: str) -> tuple[object, ...]:
    with Session(engine) as session:
        event = session.get(Event, event_id)
        assert event is not None
        weapons = sorted(
            session.exec(select(EventWeapon.weapon_id).where(EventWeapon.event_id == event_id))
        )
        return (event.actor_id, event.date, event.date_precision, tuple(weapons), event.summary)


EDITED = ("france", dt.date(2024, 6, 1), "month", ("scalp",), "France restricts use of SCALP")


def reextract(engine: Engine, content: str, events: list[object]) -> None:
    with Session(engine) as session, session.begin():
        row = session.exec(select(Article).where(Article.text == content)).one()
        reextract_article(session, row, events)  # type: ignore[arg-type]


def test_an_edit_survives_reextraction_with_the_same_reading(engine: Engine) -> None:
    ids = corpus.build(engine)
    act(engine, lambda s: actions.edit(s, ids["germany"], ANA, FRANCE))
    reextract(engine, corpus.THREE, [corpus.refuses(weapons=("Taurus", "ATACMS"))])
    assert fields(engine, ids["germany"]) == EDITED


def test_a_confirmed_reading_the_extractor_lost_is_kept(engine: Engine) -> None:
    ids = corpus.build(engine)
    act(engine, lambda s: actions.edit(s, ids["germany"], ANA, FRANCE))
    reextract(engine, corpus.THREE, [])
    assert fields(engine, ids["germany"]) == EDITED
    with Session(engine) as session:
        assert (
            len(session.exec(select(Mention).where(Mention.event_id == ids["germany"])).all()) == 1
        )


def test_an_unreviewed_reading_the_extractor_lost_still_goes(engine: Engine) -> None:
    ids = corpus.build(engine)
    reextract(engine, corpus.THREE, [])
    with Session(engine) as session:
        assert session.get(Event, ids["germany"]) is None


def test_a_confirmed_event_keeps_its_id_when_a_smaller_key_joins(engine: Engine) -> None:
    ids = corpus.build(engine)
    norway = ids["norway"]
    act(engine, lambda s: actions.confirm(s, norway, ANA))
    # Our own sentence, numbered until its mention key sorts before the event's id.
    for number in range(200):
        text = f"Norway lets Kyiv fly F-16 jets against Russian airfields (report {number})."
        read = article(text, dt.date(2024, 6, 7), f"Gazette{number}")
        key = short_hash(read.content_hash, 0, len(text), "authorization", "norway")
        if key < norway:
            break
    reading = told(
        text,
        text,
        "lets",
        type="authorization",
        actor="Norway",
        weapons=("F-16",),
        places=(),
        date=corpus.MONDAY,
    )
    with Session(engine) as session, session.begin():
        store_article(session, read, [reading])
    with Session(engine) as session:
        assert session.exec(select(Mention.event_id).where(Mention.key == key)).one() == norway
        assert session.get(Event, norway) is not None


def test_new_readings_never_join_a_rejected_event(engine: Engine) -> None:
    ids = corpus.build(engine)
    act(engine, lambda s: actions.reject(s, ids["germany"], ANA))
    text = "Germany refuses again to deliver Taurus missiles, a spokesman said on Tuesday."
    reading = told(
        text,
        text,
        "refuses",
        type="restriction",
        actor="Germany",
        weapons=("Taurus",),
        places=(),
        date=dt.date(2024, 6, 4),
    )
    with Session(engine) as session, session.begin():
        store_article(session, article(text, dt.date(2024, 6, 5), "Tribune"), [reading])
    with Session(engine) as session:
        joined = session.exec(select(Mention.event_id).where(Mention.quote == text)).one()
        assert joined != ids["germany"]
        new = session.get(Event, joined)
        assert new is not None and new.review_status == "unreviewed"


def test_a_rejected_reading_stays_rejected_when_its_article_comes_back_under_another_name(
    engine: Engine,
) -> None:
    ids = corpus.build(engine)
    russia = ids["russia"]
    act(engine, lambda s: actions.reject(s, russia, ANA))
    with Session(engine) as session, session.begin():
        # The article is removed (its mentions go with it) and the event with them.
        session.exec(sa.delete(Article).where(Article.text == corpus.ONE))  # type: ignore[arg-type]
        session.exec(sa.delete(Event).where(Event.id == russia))  # type: ignore[arg-type]
    renamed = article(corpus.ONE, dt.date(2024, 6, 5), "Mirror")
    with Session(engine) as session, session.begin():
        result = store_article(session, renamed, [corpus.allowed(), corpus.warned()])
    assert result.new
    with Session(engine) as session:
        back = session.get(Event, russia)
        assert back is not None and back.review_status == "rejected"
        assert (
            session.exec(select(Mention.event_id).where(Mention.quote == corpus.WARNED)).one()
            == russia
        )


def test_an_edit_survives_reingestion_of_the_same_text_under_a_new_name(engine: Engine) -> None:
    ids = corpus.build(engine)
    act(engine, lambda s: actions.edit(s, ids["germany"], ANA, FRANCE))
    with Session(engine) as session, session.begin():
        again = store_article(
            session, article(corpus.THREE, dt.date(2024, 6, 5), "Copycat"), [corpus.refuses()]
        )
    assert not again.new
    assert fields(engine, ids["germany"]) == EDITED
    with Session(engine) as session, session.begin():
        session.exec(sa.delete(Article).where(Article.text == corpus.THREE))  # type: ignore[arg-type]
    with Session(engine) as session, session.begin():
        back = store_article(
            session, article(corpus.THREE, dt.date(2024, 6, 5), "Copycat"), [corpus.refuses()]
        )
    assert back.new
    assert fields(engine, ids["germany"]) == EDITED
    with Session(engine) as session:
        assert (
            session.exec(select(Mention.event_id).where(Mention.quote == corpus.THREE)).one()
            == ids["germany"]
        )


def test_a_reviewed_edit_survives_the_reextract_command(cli_database: str) -> None:
    upgrade_database(cli_database)
    engine = get_engine()
    ingest_paths([SEEDS_DIR], engine)
    with Session(engine) as session:
        target = session.exec(
            select(Event).where(Event.actor_id == "russia").order_by(Event.id)
        ).first()
        assert target is not None
        target_id = target.id
    act(
        engine,
        lambda s: actions.edit(
            s, target_id, ANA, {"type": "restriction", "summary": "Checked by hand"}
        ),
    )
    result = CliRunner().invoke(cli, ["reextract"])
    assert result.exit_code == 0, result.output
    rows = dict(re.findall(r"│ ([a-z ]+?) +│ (\d+) +│", result.output))
    assert rows["articles failed"] == "0"
    with Session(engine) as session:
        event = session.get(Event, target_id)
        assert event is not None
        assert (event.type, event.summary, event.review_status) == (
            "restriction",
            "Checked by hand",
            "confirmed",
        )
