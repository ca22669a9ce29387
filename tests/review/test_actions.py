"""Editors' actions: what each changes, what the audit log records, and undo."""

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.models import (
    Event,
    EventAlias,
    EventWeapon,
    Mention,
    RetiredEvent,
    ReviewAction,
    ReviewedReading,
)
from app.review import actions
from app.review.actions import Editor, ReviewError
from app.review.snapshots import WITHDRAWN_REASON
from app.slugs import short_hash
from tests import facets
from tests.review import corpus

ANA, BOB = Editor("ana"), Editor("bob")


@pytest.fixture
def ids(engine: Engine) -> dict[str, str]:
    return corpus.build(engine)


def act(engine: Engine, do: "actions.Callable[[Session], ReviewAction]") -> ReviewAction:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return do(session)


def event(engine: Engine, event_id: str) -> Event | None:
    with Session(engine) as session:
        return session.get(Event, event_id)


def weapons(engine: Engine, event_id: str) -> list[str]:
    with Session(engine) as session:
        return sorted(
            session.exec(select(EventWeapon.weapon_id).where(EventWeapon.event_id == event_id))
        )


def database_state(engine: Engine) -> list[object]:
    """Every row that an action could change, to prove a refused one changed nothing."""
    with Session(engine) as session:
        return [
            [e.model_dump() for e in session.exec(select(Event).order_by(col(Event.id)))],
            sorted((m.key, m.event_id) for m in session.exec(select(Mention))),
            sorted((a.id, a.event_id) for a in session.exec(select(EventAlias))),
            sorted(r.key for r in session.exec(select(ReviewedReading))),
            session.exec(select(func.count()).select_from(ReviewAction)).one(),
        ]


def test_confirm_freezes_the_fields_and_decides_the_readings(
    engine: Engine, ids: dict[str, str]
) -> None:
    norway = ids["norway"]
    action = act(engine, lambda s: actions.confirm(s, norway, ANA))
    confirmed = event(engine, norway)
    assert confirmed is not None and confirmed.review_status == "confirmed"
    assert confirmed.reviewed_at is not None
    assert confirmed.reviewed_fields == {
        "type": "authorization",
        "actor_id": "norway",
        "date": "2024-06-03",
        "date_precision": "day",
        "date_basis": "text",
        "weapons": ["f-16"],
        "places": ["russian-territory"],
        "summary": None,
    }
    with Session(engine) as session:
        readings = session.exec(select(ReviewedReading)).all()
    assert sorted((r.event_id, r.rejected, r.decided_by) for r in readings) == [
        (norway, False, "ana"),
        (norway, False, "ana"),
    ]
    assert (action.action, action.editor, action.event_id) == ("confirm", "ana", norway)
    assert action.before["events"][norway]["shown"]["status"] == "unreviewed"
    assert action.after["events"][norway]["shown"]["status"] == "confirmed"


def test_confirming_twice_is_refused(engine: Engine, ids: dict[str, str]) -> None:
    act(engine, lambda s: actions.confirm(s, ids["norway"], ANA))
    with pytest.raises(ReviewError, match="already confirmed") as error:
        act(engine, lambda s: actions.confirm(s, ids["norway"], BOB))
    assert error.value.status == 409


def test_edit_changes_the_fields_and_regenerates_the_summary(
    engine: Engine, ids: dict[str, str]
) -> None:
    germany = ids["germany"]
    action = act(
        engine,
        lambda s: actions.edit(
            s, germany, ANA, {"actor": "France", "date": "2024-06", "weapons": ["SCALP", "taurus"]}
        ),
    )
    edited = event(engine, germany)
    assert edited is not None
    assert (
        edited.actor_id,
        edited.date.isoformat() if edited.date else None,
        edited.date_precision,
    ) == (
        "france",
        "2024-06-01",
        "month",
    )
    assert edited.summary == "France restricts use of SCALP and Taurus"
    assert weapons(engine, germany) == ["scalp", "taurus"]
    before, after = (
        action.before["events"][germany]["shown"],
        action.after["events"][germany]["shown"],
    )
    assert (before["actor"], after["actor"]) == ("Germany", "France")
    assert (before["date"], after["date"]) == ("2024-06-04", "2024-06-01")
    assert (before["weapons"], after["weapons"]) == (["Taurus"], ["SCALP", "Taurus"])


def test_a_written_summary_is_kept(engine: Engine, ids: dict[str, str]) -> None:
    act(
        engine,
        lambda s: actions.edit(s, ids["germany"], ANA, {"summary": "Berlin keeps  Taurus home"}),
    )
    edited = event(engine, ids["germany"])
    assert edited is not None and edited.summary == "Berlin keeps Taurus home"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "threat"}, "type must be one of authorization, restriction, warning, request"),
        (
            {"actor": "Atlantis"},
            "unknown actor 'Atlantis': not in the database nor in the gazetteer",
        ),
        ({"weapons": ["Death Star"]}, "unknown weapon 'Death Star'"),
        ({"date": "2024-02-30"}, "the date 2024-02-30 does not exist"),
        ({"date": "30/05/2024"}, "date must be YYYY-MM-DD, YYYY-MM or YYYY"),
        ({"date": "2999-01-01"}, "the date 2999-01-01 is in the future"),
        (
            {"date": "2024-05", "date_precision": "day"},
            "the date 2024-05 is not precise to the day",
        ),
        ({"colour": "red"}, "unknown field 'colour'"),
        ({}, "fields is empty"),
        ({"type": "restriction"}, "the fields are unchanged: confirm the event instead"),
        ([], "fields must be an object"),
    ],
)
def test_bad_fields_are_refused_with_a_message_and_change_nothing(
    engine: Engine, ids: dict[str, str], fields: object, message: str
) -> None:
    before = database_state(engine)
    with pytest.raises(ReviewError, match=message) as error:
        act(engine, lambda s: actions.edit(s, ids["germany"], ANA, fields))
    assert error.value.status == 422
    assert database_state(engine) == before


def test_reject_marks_the_event_and_its_readings(engine: Engine, ids: dict[str, str]) -> None:
    russia = ids["russia"]
    act(engine, lambda s: actions.reject(s, russia, ANA))
    rejected = event(engine, russia)
    assert rejected is not None and rejected.review_status == "rejected"
    with Session(engine) as session:
        (reading,) = session.exec(select(ReviewedReading)).all()
    assert (reading.event_id, reading.rejected, reading.start, reading.end) == (
        russia,
        True,
        corpus.ONE.index(corpus.WARNED),
        len(corpus.ONE),
    )


def test_undo_puts_an_edit_back(engine: Engine, ids: dict[str, str]) -> None:
    germany = ids["germany"]
    before = database_state(engine)[0]
    action = act(engine, lambda s: actions.edit(s, germany, ANA, {"actor": "France"}))
    undone = act(engine, lambda s: actions.undo(s, action.id or 0, ANA))
    restored = event(engine, germany)
    assert restored is not None
    assert (restored.actor_id, restored.review_status, restored.reviewed_fields) == (
        "germany",
        "unreviewed",
        None,
    )
    assert restored.summary == "Germany restricts use of Taurus"
    assert (undone.action, undone.undoes) == ("undo", action.id)
    with Session(engine) as session:
        assert session.exec(select(ReviewedReading)).all() == []
    # Everything but the update time is as before.
    assert [{**e, "updated_at": None} for e in database_state(engine)[0]] == [
        {**e, "updated_at": None} for e in before
    ]


def test_undoing_an_undo_redoes(engine: Engine, ids: dict[str, str]) -> None:
    action = act(engine, lambda s: actions.reject(s, ids["russia"], ANA))
    undo = act(engine, lambda s: actions.undo(s, action.id or 0, ANA))
    act(engine, lambda s: actions.undo(s, undo.id or 0, ANA))
    again = event(engine, ids["russia"])
    assert again is not None and again.review_status == "rejected"


def test_another_editors_action_cannot_be_undone(engine: Engine, ids: dict[str, str]) -> None:
    action = act(engine, lambda s: actions.edit(s, ids["germany"], ANA, {"actor": "France"}))
    before = database_state(engine)
    with pytest.raises(ReviewError, match="only ana, who made this action, can undo it") as error:
        act(engine, lambda s: actions.undo(s, action.id or 0, BOB))
    assert error.value.status == 403
    assert database_state(engine) == before


def test_only_the_latest_action_on_an_event_can_be_undone(
    engine: Engine, ids: dict[str, str]
) -> None:
    first = act(engine, lambda s: actions.edit(s, ids["germany"], ANA, {"actor": "France"}))
    act(engine, lambda s: actions.edit(s, ids["germany"], BOB, {"date": "2024-06-03"}))
    before = database_state(engine)
    with pytest.raises(ReviewError, match=r"a later action \(edit by bob, #2\)") as error:
        act(engine, lambda s: actions.undo(s, first.id or 0, ANA))
    assert error.value.status == 409
    assert database_state(engine) == before


def test_merge_moves_the_mentions_and_leaves_an_alias(engine: Engine, ids: dict[str, str]) -> None:
    # Split the Norway event in two first, then merge the parts back.
    norway = ids["norway"]
    with Session(engine) as session:
        keys = sorted(session.exec(select(Mention.key).where(Mention.event_id == norway)))
    with Session(engine) as session:
        # The larger key was the event's first id: it is an alias now, never reused.
        assert session.get(EventAlias, keys[1]) is not None
    detached = act(engine, lambda s: actions.detach(s, norway, keys[1], ANA))
    new_id = detached.other_event_id
    assert new_id == short_hash("detached", keys[1], 0)
    act(engine, lambda s: actions.merge(s, new_id or "", norway, ANA))
    with Session(engine) as session:
        assert sorted(session.exec(select(Mention.key).where(Mention.event_id == norway))) == keys
        assert session.get(EventAlias, new_id) is not None
        assert session.get(Event, new_id) is None
        assert [a.action for a in actions.history(session, norway)] == ["detach", "merge"]


def test_undo_of_a_merge_brings_the_event_back(engine: Engine, ids: dict[str, str]) -> None:
    norway, germany = ids["norway"], ids["germany"]
    before = database_state(engine)
    merge = act(engine, lambda s: actions.merge(s, germany, norway, ANA))
    act(engine, lambda s: actions.undo(s, merge.id or 0, ANA))
    after = database_state(engine)
    assert after[1:3] == before[1:3]  # mentions and aliases as before
    restored = event(engine, germany)
    assert restored is not None and restored.summary == "Germany restricts use of Taurus"
    assert weapons(engine, norway) == ["f-16"]


def test_detach_needs_another_mention(engine: Engine, ids: dict[str, str]) -> None:
    with Session(engine) as session:
        key = session.exec(select(Mention.key).where(Mention.event_id == ids["germany"])).one()
    with pytest.raises(ReviewError, match="the event has only this mention"):
        act(engine, lambda s: actions.detach(s, ids["germany"], key, ANA))


def test_add_makes_a_confirmed_event_from_a_selection(engine: Engine, ids: dict[str, str]) -> None:
    with Session(engine) as session:
        article_id = session.exec(
            select(Mention.article_id).where(Mention.event_id == ids["germany"])
        ).one()
    end = len(corpus.THREE)
    action = act(
        engine,
        lambda s: actions.add(
            s,
            article_id,
            0,
            end,
            ANA,
            {"type": "request", "actor": "Ukraine", "weapons": ["Taurus"]},
            "send",
        ),
    )
    added = event(engine, action.event_id)
    assert added is not None and added.review_status == "confirmed"
    assert added.summary == "Ukraine asks for Taurus"
    with Session(engine) as session:
        mention = session.exec(select(Mention).where(Mention.key == action.event_id)).one()
    assert (mention.quote, mention.trigger, mention.trigger_start) == (
        corpus.THREE,
        "send",
        corpus.THREE.index("send"),
    )
    assert mention.notes == ["added by ana from a selected sentence"]


def test_undo_of_an_add_withdraws_the_event_with_a_410_reason(
    engine: Engine, ids: dict[str, str]
) -> None:
    with Session(engine) as session:
        article_id = session.exec(
            select(Mention.article_id).where(Mention.event_id == ids["germany"])
        ).one()
    action = act(
        engine,
        lambda s: actions.add(s, article_id, 0, 20, ANA, {"type": "request", "actor": "Ukraine"}),
    )
    act(engine, lambda s: actions.undo(s, action.id or 0, ANA))
    with Session(engine) as session:
        assert session.get(Event, action.event_id) is None
        retired = session.get(RetiredEvent, action.event_id)
        assert retired is not None and retired.reason == WITHDRAWN_REASON
        assert session.exec(select(Mention).where(Mention.key == action.event_id)).first() is None


@pytest.mark.parametrize(
    ("start", "end", "fields", "message"),
    [
        (
            0,
            999,
            {"type": "request", "actor": "Ukraine"},
            "the selection 0-999 is outside the article",
        ),
        (
            0,
            20,
            {"actor": "Ukraine"},
            "a new event needs a type and an actor \\(type is missing\\)",
        ),
        (0, 20, {"type": "request"}, "\\(actor is missing\\)"),
    ],
)
def test_add_refuses_bad_selections(
    engine: Engine,
    ids: dict[str, str],
    start: int,
    end: int,
    fields: dict[str, object],
    message: str,
) -> None:
    with Session(engine) as session:
        article_id = session.exec(
            select(Mention.article_id).where(Mention.event_id == ids["germany"])
        ).one()
    with pytest.raises(ReviewError, match=message):
        act(engine, lambda s: actions.add(s, article_id, start, end, ANA, fields))


def test_the_history_lists_every_action_on_the_event(engine: Engine, ids: dict[str, str]) -> None:
    edit = act(engine, lambda s: actions.edit(s, ids["germany"], ANA, {"actor": "France"}))
    act(engine, lambda s: actions.undo(s, edit.id or 0, ANA))
    act(engine, lambda s: actions.confirm(s, ids["germany"], BOB))
    with Session(engine) as session:
        rows = actions.history(session, ids["germany"])
    assert [(r.action, r.editor, r.undoes) for r in rows] == [
        ("edit", "ana", None),
        ("undo", "ana", edit.id),
        ("confirm", "bob", None),
    ]


def _keys_of(engine: Engine, event_id: str) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(Mention.key).where(Mention.event_id == event_id)))


def _article_of(engine: Engine, event_id: str) -> str:
    with Session(engine) as session:
        return session.exec(select(Mention.article_id).where(Mention.event_id == event_id)).one()


# Each action, as a function of the engine and the corpus' event ids.
FACET_CHANGES = {
    "confirm": lambda engine, ids: lambda s: actions.confirm(s, ids["norway"], ANA),
    "reject": lambda engine, ids: lambda s: actions.reject(s, ids["russia"], ANA),
    "edit": lambda engine, ids: (
        lambda s: actions.edit(
            s,
            ids["norway"],
            ANA,
            {"type": "restriction", "actor": "France", "date": "2024-08", "weapons": ["Taurus"]},
        )
    ),
    "merge": lambda engine, ids: lambda s: actions.merge(s, ids["germany"], ids["norway"], ANA),
    "detach": lambda engine, ids: (
        lambda s: actions.detach(s, ids["norway"], _keys_of(engine, ids["norway"])[1], ANA)
    ),
    "add": lambda engine, ids: (
        lambda s: actions.add(
            s,
            _article_of(engine, ids["germany"]),
            0,
            20,
            ANA,
            {"type": "request", "actor": "Ukraine", "date": "2024-06-09", "places": ["Crimea"]},
        )
    ),
}


@pytest.mark.parametrize("name", sorted(FACET_CHANGES))
def test_an_action_and_its_undo_keep_the_facet_counts(
    engine: Engine, ids: dict[str, str], name: str
) -> None:
    """The counts follow the event's type, actor, date, status, weapons, places and
    outlets through the action, and back through its undo."""
    before = facets.stored(engine)
    action = act(engine, FACET_CHANGES[name](engine, ids))
    assert facets.stored(engine) != before
    facets.assert_counts_right(engine)
    act(engine, lambda s: actions.undo(s, action.id or 0, ANA))
    assert facets.stored(engine) == before
    facets.assert_counts_right(engine)
