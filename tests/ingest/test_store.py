"""Storing articles: one event per decision across articles, deterministic ids, aliases."""

import datetime as dt
from collections import Counter
from itertools import permutations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db import make_engine
from app.extract.types import ExtractedEvent
from app.ingest.normalize import analysis_view, content_fingerprint
from app.ingest.reader import ReadArticle
from app.ingest.store import rename_event, store_article
from app.migrate import upgrade_database
from app.models import Event, EventAlias, EventWeapon, Mention
from app.slugs import short_hash, slugify
from tests import facets
from tests.databases import Databases


def article(text: str, published: dt.date, outlet: str) -> ReadArticle:
    analysis = analysis_view(text)
    return ReadArticle(
        source=f"{outlet}.md",
        text=text,
        analysis_text=analysis,
        content_hash=content_fingerprint(analysis),
        outlet=outlet,
        language="en",
        published=published,
        published_precision="day",
    )


def told(text: str, sentence: str, trigger: str, **fields: object) -> ExtractedEvent:
    start = text.index(sentence)
    trigger_start = text.index(trigger, start)
    values: dict[str, object] = {
        "type": "request",
        "actor": "NATO",
        "weapons": (),
        "places": ("Russian territory",),
        "date": dt.date(2024, 5, 24),
        "date_precision": "day",
        "date_basis": "text",
        "start": start,
        "end": start + len(sentence),
        "trigger": trigger,
        "trigger_start": trigger_start,
        "trigger_end": trigger_start + len(trigger),
    }
    values.update(fields)
    return ExtractedEvent(**values)  # type: ignore[arg-type]


FIRST = "The alliance chief urged allies on Friday to lift limits on strikes in Russia."
SECOND = "Last week the alliance chief called on members to lift their restrictions. The rest."
THIRD = "Moscow warned of a response. The alliance chief had urged allies to lift limits."


def stories() -> list[tuple[ReadArticle, list[ExtractedEvent]]]:
    return [
        (
            article(FIRST, dt.date(2024, 5, 25), "Daily"),
            [told(FIRST, FIRST, "urged", cited_source="The Weekly")],
        ),
        (
            article(SECOND, dt.date(2024, 5, 31), "Herald"),
            [
                told(
                    SECOND,
                    "Last week the alliance chief called on members to lift their restrictions.",
                    "called on",
                    date=dt.date(2024, 5, 31),
                    date_basis="published",
                )
            ],
        ),
        (
            article(THIRD, dt.date(2024, 5, 26), "Courier"),
            [
                told(
                    THIRD,
                    "Moscow warned of a response.",
                    "warned",
                    type="warning",
                    actor="Russia",
                    places=(),
                ),
                told(
                    THIRD, "The alliance chief had urged allies to lift limits.", "urged", places=()
                ),
            ],
        ),
    ]


def store_all(engine: Engine, order: list[int]) -> None:
    items = stories()
    for index in order:
        with Session(engine) as session, session.begin():
            store_article(session, *items[index])


def snapshot(engine: Engine) -> dict[str, tuple[str, str, dt.date | None, str, list[str]]]:
    with Session(engine) as session:
        events = session.exec(select(Event).order_by(col(Event.id))).all()
        result = {}
        for event in events:
            mentions = session.exec(
                select(Mention.article_id).where(Mention.event_id == event.id)
            ).all()
            result[event.id] = (
                event.type,
                event.actor_id,
                event.date,
                event.date_basis,
                sorted(mentions),
            )
        return result


def test_the_same_call_told_by_three_articles_is_one_event(engine: Engine) -> None:
    store_all(engine, [0, 1, 2])
    events = snapshot(engine)
    assert sorted((t, a, d, b, len(m)) for t, a, d, b, m in events.values()) == [
        ("request", "nato", dt.date(2024, 5, 24), "text", 3),
        ("warning", "russia", dt.date(2024, 5, 24), "text", 1),
    ]
    with Session(engine) as session:
        request = session.exec(select(Event).where(Event.type == "request")).one()
        assert request.summary != ""
        assert "the weekly" in request.search_text and "herald" in request.search_text


def test_event_ids_do_not_depend_on_ingestion_order(databases: Databases) -> None:
    snapshots = []
    for number, order in enumerate(permutations([0, 1, 2])):
        url = databases.new(f"order{number}")
        upgrade_database(url)
        engine = make_engine(url)
        store_all(engine, list(order))
        snapshots.append(snapshot(engine))
        engine.dispose()
    assert all(s == snapshots[0] for s in snapshots)


def mention_key(item: tuple[ReadArticle, list[ExtractedEvent]]) -> str:
    read, (event, *_) = item
    return short_hash(read.content_hash, event.start, event.end, event.type, slugify(event.actor))


def test_an_id_changed_by_a_merge_stays_an_alias(engine: Engine) -> None:
    items = stories()
    keys = {index: mention_key(items[index]) for index in (0, 1)}
    larger, smaller = sorted(keys, key=keys.__getitem__, reverse=True)
    store_all(engine, [larger])
    with Session(engine) as session:
        assert session.exec(select(Event.id)).all() == [keys[larger]]
    store_all(engine, [smaller])
    with Session(engine) as session:
        assert session.exec(select(Event.id)).all() == [keys[smaller]]
        assert [(a.id, a.event_id) for a in session.exec(select(EventAlias))] == [
            (keys[larger], keys[smaller])
        ]
        mentions = session.exec(select(Mention.event_id)).all()
        assert mentions == [keys[smaller], keys[smaller]]


def test_a_rename_updates_the_rows_the_session_holds(engine: Engine) -> None:
    """Within a batch the session keeps what it loaded: after a rename, the old event is
    no longer among them, and the loaded mentions and aliases of it name the new id
    (those of other events are left alone)."""
    store_all(engine, [0, 2])
    with Session(engine) as session, session.begin():
        request, warning = (
            session.exec(select(Event).where(Event.type == kind)).one()
            for kind in ("request", "warning")
        )
        old_id, summary, warning_id = request.id, request.summary, warning.id
        told = session.exec(select(Mention).where(Mention.event_id == old_id)).all()
        other = session.exec(select(Mention).where(Mention.event_id == warning_id)).one()
        renamed = rename_event(session, old_id, "0-new-id")
        assert request not in session
        assert (renamed.id, renamed.summary, renamed.type) == ("0-new-id", summary, "request")
        assert [m.event_id for m in told] == ["0-new-id", "0-new-id"]
        assert other.event_id == warning_id
        alias = session.get(EventAlias, old_id)
        assert alias is not None and alias.event_id == "0-new-id"
    with Session(engine) as session:
        assert sorted(session.exec(select(Mention.event_id)).all()) == sorted(
            ["0-new-id", "0-new-id", warning_id]
        )


def test_storing_the_same_article_again_adds_nothing(engine: Engine) -> None:
    store_all(engine, [0, 1, 2])
    before = snapshot(engine)
    items = stories()
    with Session(engine) as session, session.begin():
        result = store_article(session, *items[1])
    assert (result.new, result.events_created, result.events_merged) == (False, 0, 0)
    assert snapshot(engine) == before


def store_the_call_naming(engine: Engine, *weapons_told: tuple[str, ...]) -> None:
    """The same call told by one article per weapon list, each naming those weapons."""
    for number, weapons in enumerate(weapons_told):
        text = f"Article {number}. {FIRST}"
        with Session(engine) as session, session.begin():
            store_article(
                session,
                article(text, dt.date(2024, 5, 25), f"Outlet{number}"),
                [told(text, FIRST, "urged", weapons=weapons)],
            )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("ATACMS", "Taurus"), ("Taurus",)),  # stored under "*", found by one of its weapons
        ((), ("Taurus",)),  # stored under "", found by any weapon
        (("Taurus",), ()),  # a reading without weapons reads every weapon's mentions
    ],
)
def test_candidates_blocked_by_weapon_still_find_every_compatible_mention(
    engine: Engine, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    store_the_call_naming(engine, first, second)
    with Session(engine) as session:
        assert len(session.exec(select(Event.id)).all()) == 1
        assert len(session.exec(select(Mention.id)).all()) == 2


def test_a_mention_naming_another_weapon_is_another_event(engine: Engine) -> None:
    store_the_call_naming(engine, ("ATACMS",), ("Taurus",))
    with Session(engine) as session:
        assert len(session.exec(select(Event.id)).all()) == 2


def test_an_event_told_by_system_and_by_class_lists_the_system_only(engine: Engine) -> None:
    """ "ATACMS" in one article and "long-range weapons" in another: the event is about
    ATACMS, and the class name is dropped from its weapons (not from its mentions)."""
    store_the_call_naming(engine, ("long-range weapons",), ("ATACMS",))
    with Session(engine) as session:
        (event,) = session.exec(select(Event)).all()
        linked = session.exec(select(EventWeapon.weapon_id)).all()
        told = sorted(tuple(m.weapons) for m in session.exec(select(Mention)))
    assert linked == ["atacms"]
    assert event.summary == "NATO asks for ATACMS for use on Russian territory"
    assert told == [("atacms",), ("long-range-weapons",)]


def test_an_event_told_by_class_only_keeps_the_class(engine: Engine) -> None:
    store_the_call_naming(engine, ("long-range weapons",), ("long-range weapons",))
    with Session(engine) as session:
        assert session.exec(select(EventWeapon.weapon_id)).all() == ["long-range-weapons"]


def _derived(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        events = session.exec(select(Event).order_by(col(Event.id))).all()
        return [
            (e.id, e.summary, e.search_text, e.confidence, e.date, e.date_basis) for e in events
        ]


def test_one_transaction_derives_the_same_events_as_one_per_article(
    databases: Databases,
) -> None:
    """Derived fields are computed when the transaction commits (once per event per
    batch), including for an event renamed by a later mention in the same batch."""
    per_article, one_batch = (make_engine(databases.new(name)) for name in ("each", "batch"))
    for engine in (per_article, one_batch):
        upgrade_database(str(engine.url.render_as_string(hide_password=False)))
    store_all(per_article, [2, 1, 0])  # each later article renames the request
    items = stories()
    with Session(one_batch) as session, session.begin():
        for index in [2, 1, 0]:
            with session.begin_nested():
                store_article(session, *items[index])
    expected = _derived(per_article)
    assert all(summary for _, summary, *_ in expected)
    assert _derived(one_batch) == expected
    with Session(one_batch) as session:
        assert len(session.exec(select(EventAlias)).all()) == 2
    for engine in (per_article, one_batch):
        engine.dispose()


def test_storing_articles_keeps_the_facet_counts(engine: Engine) -> None:
    """The database's triggers count each event once per outlet that tells it."""
    store_all(engine, [0, 1, 2])
    counts = facets.stored(engine)
    events_told = Counter(outlet for _event, outlet in counts["eventoutlet"])
    assert events_told == {"daily": 1, "herald": 1, "courier": 2}
    assert counts["facetcount"][("outlet", "month", "2024-05", "courier", "unreviewed", "0.9")] == 2
    facets.assert_counts_right(engine)


def test_an_event_renamed_by_a_merge_keeps_its_facet_counts(engine: Engine) -> None:
    items = stories()
    keys = {index: mention_key(items[index]) for index in (0, 1)}
    larger, smaller = sorted(keys, key=keys.__getitem__, reverse=True)
    store_all(engine, [larger, smaller])
    counts = facets.stored(engine)
    assert sorted(counts["eventoutlet"]) == [(keys[smaller], "daily"), (keys[smaller], "herald")]
    assert counts["facetcount"][("actor", "day", "2024-05-24", "nato", "unreviewed", "*")] == 1
    facets.assert_counts_right(engine)
