"""Display names of the policy state, and scopes in words."""

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.review import actions
from app.state.compute import CellState, PolicyEvent, ScopeState
from app.state.load import Names, _LinksInOrder, load_events
from tests.review import corpus

NAMES = Names(
    actors={"united-states": "United States"},
    weapons={"atacms": "ATACMS"},
    scopes={"russian-territory": "Russian territory", "kursk": "Kursk", "crimea": "Crimea",
            "kharkiv": "Kharkiv", "place-not-stated": "Place not stated"},
    unstated="place-not-stated",
)  # fmt: skip
EVENT = PolicyEvent("e1", "restriction", "united-states", (), (), None, None, "undated")


def cell(*scopes: tuple[str, str]) -> CellState:
    return CellState(
        "united-states",
        "atacms",
        "mixed",
        tuple(ScopeState(scope, status, (EVENT,)) for scope, status in scopes),
    )


def test_scopes_in_words_with_the_unstated_place_phrased_apart() -> None:
    state = cell(("russian-territory", "restricted"), ("place-not-stated", "authorized"))
    assert NAMES.describe(state) == (
        "restricted in Russian territory; authorized with no place stated"
    )


def test_long_scope_lists_are_cut_with_a_count() -> None:
    state = cell(
        ("russian-territory", "restricted"),
        ("kharkiv", "authorized"),
        ("kursk", "authorized"),
        ("crimea", "authorized"),
        ("place-not-stated", "restricted"),
    )
    assert NAMES.describe(state, 3) == (
        "restricted in Russian territory; authorized in Kharkiv; authorized in Kursk; "
        "and 2 more scopes"
    )
    assert NAMES.places(state, 2) == "Russian territory, Kharkiv, and 3 more"
    assert NAMES.places(state) == "Russian territory, Kharkiv, Kursk, Crimea, Place not stated"


def _reviewed(
    engine: Engine, *, confirm: tuple[str, ...] = (), reject: tuple[str, ...] = ()
) -> dict[str, str]:
    """The review corpus with these of its events confirmed or rejected by an editor."""
    ids = corpus.build(engine)
    with Session(engine) as session, session.begin():
        for name in confirm:
            actions.confirm(session, ids[name], actions.Editor("ana"))
        for name in reject:
            actions.reject(session, ids[name], actions.Editor("ana"))
    return ids


def test_confirmed_events_are_reviewed_and_rejected_ones_left_out(engine: Engine) -> None:
    ids = _reviewed(engine, confirm=("norway",), reject=("germany",))
    with Session(engine) as session:
        loaded = {e.id: e.reviewed for e in load_events(session)}
    assert loaded == {ids["norway"]: True, ids["russia"]: False}


def test_reviewed_loads_only_the_confirmed_events_and_unreviewed_only_the_others(
    engine: Engine,
) -> None:
    ids = _reviewed(engine, confirm=("norway",), reject=("germany",))
    with Session(engine) as session:
        confirmed = [e.id for e in load_events(session, reviewed=True)]
        unreviewed = [e.id for e in load_events(session, reviewed=False)]
    assert (confirmed, unreviewed) == ([ids["norway"]], [ids["russia"]])


def test_each_event_gets_its_own_weapons_and_places_around_a_rejected_one(
    engine: Engine,
) -> None:
    # Links are read in event order beside the events: a rejected event's links must
    # be skipped, not handed to the event read after it.
    ids = _reviewed(engine, reject=("germany",))
    with Session(engine) as session:
        loaded = {e.id: (e.weapons, e.places) for e in load_events(session)}
    assert loaded == {
        ids["norway"]: (("f-16",), ("russian-territory",)),
        ids["russia"]: ((), ()),
    }


def test_links_read_out_of_order_are_an_error_not_a_silent_loss() -> None:
    links = _LinksInOrder([("a", "x"), ("a", "y"), ("c", "z")])
    assert (links.take("a"), links.take("b")) == (["x", "y"], [])
    with pytest.raises(RuntimeError, match="link of event 'c' read out of order"):
        links.check_done()
