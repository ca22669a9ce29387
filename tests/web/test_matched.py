"""A text search answered from its events in memory (app/web/matched.py) gives exactly
the answers the database gives for the same filter: counts, pages in both orders,
facets and lanes, for searches crossed with every other filter."""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlmodel import Session

from app.web import cache, matched, queries
from app.web.filters import EventFilter
from app.web.matched import Matched
from tests.web.generated import ACTORS, OUTLETS, PLACES, TYPES, WEAPONS

SEARCHES = ["frappe", "Portée frontière", "missile accord frappe", "introuvable"]
OUTLET_IDS = ["le-monde", "kyiv-ledger"]


def searches(count: int, seed: int = 5) -> list[EventFilter]:
    """Each search crossed with random types, actors, weapons, places, outlets, dates,
    review status, confidence floors and orders."""
    rnd = random.Random(seed)

    def some(values: list[str]) -> tuple[str, ...]:
        return tuple(sorted(rnd.sample(values, rnd.choice([0] * 7 + [1, 2]))))

    found = []
    for n in range(count):
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(700))
        found.append(
            EventFilter(
                q=SEARCHES[n % len(SEARCHES)],
                type=some(TYPES),
                actor=some(ACTORS),
                weapon=some(WEAPONS),
                place=some(PLACES),
                outlet=some(OUTLET_IDS),
                date_from=rnd.choice([None] * 4 + [start]),
                date_to=rnd.choice([None] * 4 + [start + dt.timedelta(days=rnd.randrange(300))]),
                reviewed=rnd.choice([None, None, True, False]),
                min_confidence=rnd.choice([None, None, 0.5, 0.8]),
                order=rnd.choice(["asc", "desc"]),
            )
        )
    return found


def answers(session: Session, f: EventFilter) -> dict[str, Any]:
    cache.clear()
    pages = [
        [e.id for e in queries.list_events(session=session, filter=f, limit=9, offset=offset)]
        for offset in (0, 9, 30)
    ]
    return {
        "count": queries.count_events(session=session, filter=f),
        "dated": queries.count_dated(session=session, filter=f),
        "pages": pages,
        "all": [e.id for e in queries.all_events(session=session, filter=f)],
        "facets": queries.facet_counts(session=session, filter=f),
        "markers": queries.lane_data(session=session, filter=f),
        "periods": queries.lane_data(session=session, filter=f, marker_limit=3),
    }


def from_the_database(session: Session, f: EventFilter, monkeypatch: Any) -> dict[str, Any]:
    with monkeypatch.context() as patched:
        patched.setattr(queries, "MATCHED_LIMIT", 0)
        return answers(session, f)


def test_the_generated_events_can_be_searched(generated: Session) -> None:
    matched: Callable[[str], Any] = lambda q: queries.matched_events(generated, q)  # noqa: E731
    # Accents and case are ignored, every word is required, rejected events never found
    # (the counts are those of `search_text LIKE` over the unrejected events).
    assert len(matched("PORTÉE")) == len(matched("portee")) == 93
    assert len(matched("portee frontiere")) == 35
    assert matched("introuvable") == ()
    assert all(e.review_status != "rejected" for e in matched("frappe"))
    assert {len(e.weapon) for e in matched("frappe")} == {0, 1, 2}


def test_a_search_answered_in_memory_equals_the_database(
    generated: Session, monkeypatch: Any
) -> None:
    nonempty = 0
    for f in searches(80):
        in_memory = answers(generated, f)
        assert queries.matched_events(generated, f.q) is not None
        assert in_memory == from_the_database(generated, f, monkeypatch), f
        nonempty += in_memory["count"] > 0
    assert nonempty > 35


def test_a_search_matching_more_than_the_limit_is_asked_of_the_database(
    generated: Session, monkeypatch: Any
) -> None:
    monkeypatch.setattr(queries, "MATCHED_LIMIT", 92)
    assert queries.matched_events(generated, "portee") is None
    f = EventFilter(q="portee", type=("warning",))
    monkeypatch.setattr(queries, "MATCHED_LIMIT", 93)
    cache.clear()
    assert queries.matched_events(generated, "portee") is not None
    assert answers(generated, f) == from_the_database(generated, f, monkeypatch)


def test_outlets_of_two_spellings_are_one_option(generated: Session) -> None:
    f = EventFilter(q="frappe")
    outlets = {o.id: o.count for o in queries.facet_counts(session=generated, filter=f)["outlet"]}
    assert set(outlets) == {"le-monde", "kyiv-ledger"}
    assert len(OUTLETS) == 4  # two spellings of Le Monde, and articles with no outlet


def test_a_view_of_few_linked_events_equals_the_database(
    generated: Session, monkeypatch: Any
) -> None:
    """A view on weapons, places or outlets with few events reads them once (id, date,
    type, actor) and answers from them in Python: its pages in both orders, and, when
    the aggregates cannot count it, its counts, lanes and type and actor facets. The
    same answers as the database's own."""
    checked = uncounted = 0
    for f in searches(80, seed=9):
        f = EventFilter(**{**f.__dict__, "q": ""})  # the same filters, without the text
        if not (f.weapon or f.place or f.outlet):
            continue
        cache.clear()
        assert queries._matching(generated, f) is not None
        in_memory = answers(generated, f)
        with monkeypatch.context() as patched:
            patched.setattr(queries, "MATCHING_IDS", -1)
            assert in_memory == answers(generated, f), f
        checked += in_memory["count"] > 9
        uncounted += queries._uncounted_links(f) and in_memory["count"] > 3
    assert (checked > 10, uncounted > 5) == (True, True)


def _event(event_id: str, day: dt.date | None, status: str = "unreviewed") -> Matched:
    return Matched(event_id, "authorization", "germany", day, status, 0.8, (), (), ())


def test_the_first_ids_of_a_page_are_those_of_the_whole_order() -> None:
    """ordered(first=n) picks a page's worth by a heap: the same ids, in the same order,
    as the first n of the whole order; undated events come last, by id."""
    events = [
        _event("e3", dt.date(2024, 5, 1)),
        _event("e1", dt.date(2024, 5, 1)),
        _event("e9", None),
        _event("e2", dt.date(2023, 1, 9)),
        _event("e0", None),
        _event("e7", dt.date(2025, 2, 2)),
    ]
    assert matched.ordered(events, "asc") == ["e2", "e1", "e3", "e7", "e0", "e9"]
    assert matched.ordered(events, "desc") == ["e7", "e3", "e1", "e2", "e0", "e9"]
    assert matched.ordered(events, "asc", 2) == ["e2", "e1"]
    assert matched.ordered(events, "desc", 3) == ["e7", "e3", "e1"]
    # More than the dated events: the whole order, undated included.
    assert matched.ordered(events, "desc", 5) == ["e7", "e3", "e1", "e2", "e0", "e9"]


def test_the_shared_parts_of_a_filter_are_applied_again_when_they_change() -> None:
    """keep() reuses the last search's review-status, date and confidence pass for the
    page's next questions, and only while those parts stay the same."""
    events = (
        _event("a", dt.date(2024, 1, 1), "confirmed"),
        _event("b", dt.date(2024, 6, 1)),
        _event("c", dt.date(2025, 1, 1), "confirmed"),
    )
    reviewed = EventFilter(q="x", reviewed=True)
    assert [e.id for e in matched.keep(events, reviewed)] == ["a", "c"]
    assert [e.id for e in matched.keep(events, replace(reviewed, type=("warning",)))] == []
    assert [e.id for e in matched.keep(events, reviewed)] == ["a", "c"]
    later = replace(reviewed, date_from=dt.date(2024, 3, 1))
    assert [e.id for e in matched.keep(events, later)] == ["c"]
    assert [e.id for e in matched.keep(events, EventFilter(q="x"))] == ["a", "b", "c"]
