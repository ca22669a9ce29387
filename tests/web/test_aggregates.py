"""Counts from the facet aggregates equal the counts over the events, for every filter
the aggregates answer (whole months, the days at the ends, types, actors, one link,
review status), on a generated database."""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import replace

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.web import aggregates, queries
from app.web.aggregates import Span, span
from app.web.filters import EventFilter
from tests import facets
from tests.web.generated import ACTORS, TYPES


def filters(count: int, seed: int = 11) -> list[EventFilter]:
    """Filters the aggregates answer: dates whole or cut mid-month, open or not; types
    and actors; at most one weapon, place or outlet; review status; the form's
    confidence floors."""
    rnd = random.Random(seed)
    found = []
    for _ in range(count):
        start = dt.date(2022, 12, 1) + dt.timedelta(days=rnd.randrange(800))
        end = start + dt.timedelta(days=rnd.randrange(400))
        if rnd.random() < 0.3:
            start = start.replace(day=1)
        link = rnd.choice(
            [{}, {}, {"weapon": ("atacms",)}, {"place": ("kursk",)}, {"outlet": ("le-monde",)}]
        )
        found.append(
            EventFilter(
                type=tuple(sorted(rnd.sample(TYPES, rnd.choice([0, 0, 1, 2])))),
                actor=tuple(sorted(rnd.sample(ACTORS, rnd.choice([0, 0, 1, 2])))),
                date_from=rnd.choice([None, start]),
                date_to=rnd.choice([None, end]),
                reviewed=rnd.choice([None, None, True, False]),
                min_confidence=rnd.choice([None, None, 0.5, 0.7, 0.9]),
                **link,  # type: ignore[arg-type]
            )
        )
    return found


def test_generated_database_counts_are_right(engine: Engine, generated: Session) -> None:
    facets.assert_counts_right(engine)


@pytest.mark.parametrize("name", ["type", "actor", "weapon", "place", "outlet"])
def test_facet_counts_from_aggregates_equal_counts_over_the_events(
    generated: Session, name: str
) -> None:
    answered = paired = 0
    for f in filters(150):
        f = f.without(name)
        if aggregates.facet(generated, f, name) is None:
            continue
        answered += 1
        paired += name in aggregates.LINKS and _linked(f)
        counts = queries._facet_values(generated, name, f)
        assert counts == queries._facet_values_from_events(generated, name, f), f
    assert answered > 60
    # A link's facet under another link (FacetPair): only filters without actors.
    if name in aggregates.LINKS:
        assert paired > 5


def _linked(f: EventFilter) -> bool:
    return any(f.values(name) for name in aggregates.LINKS)


def test_event_counts_from_aggregates_equal_counts_over_the_events(generated: Session) -> None:
    for f in filters(150):
        assert queries.count_events(session=generated, filter=f) == queries._count(generated, f), f
        dated = queries._count(generated, replace(f, date_from=f.date_from or dt.date(1, 1, 1)))
        assert queries.count_dated(session=generated, filter=f) == dated, f


def test_lane_cells_from_aggregates_equal_counts_over_the_events(generated: Session) -> None:
    for f in filters(80):
        for period in ("month", "quarter", "year"):
            expected: queries.Cells = defaultdict(Counter)
            queries._add_period_cells(generated, f, period, expected)
            points = queries._period_points(generated, f, period)
            found = {(p.date, p.actor.id): Counter(dict(p.by_type)) for p in points}
            assert found == expected, (f, period)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, Span(months=None, days=(), every_month=True)),
        (
            dt.date(2024, 1, 15),
            dt.date(2024, 4, 10),
            Span(
                months=("2024-02", "2024-03"),
                days=(
                    (dt.date(2024, 1, 15), dt.date(2024, 1, 31)),
                    (dt.date(2024, 4, 1), dt.date(2024, 4, 10)),
                ),
            ),
        ),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), Span(months=("2024-02", "2024-02"), days=())),
        (
            dt.date(2024, 2, 3),
            dt.date(2024, 3, 9),
            Span(months=None, days=((dt.date(2024, 2, 3), dt.date(2024, 3, 9)),)),
        ),
        (dt.date(2024, 12, 1), None, Span(months=("2024-12", "9999-12"), days=())),
        (
            None,
            dt.date(2024, 12, 30),
            Span(
                months=("0000-01", "2024-11"), days=((dt.date(2024, 12, 1), dt.date(2024, 12, 30)),)
            ),
        ),
    ],
)
def test_a_date_range_is_whole_months_and_the_days_at_its_ends(
    start: dt.date | None, end: dt.date | None, expected: Span
) -> None:
    assert span(start, end) == expected


@pytest.mark.parametrize(
    "f",
    [
        EventFilter(q="taurus"),
        EventFilter(min_confidence=0.65),  # not a floor of the form
        EventFilter(weapon=("atacms", "taurus")),
        EventFilter(weapon=("atacms",), place=("kursk",)),
    ],
)
def test_what_the_aggregates_do_not_key_is_counted_from_the_events(f: EventFilter) -> None:
    assert aggregates.cube(f) is None


@pytest.mark.parametrize(
    "f",
    [
        EventFilter(),
        EventFilter(order="desc"),
        EventFilter(weapon=("atacms",)),
        EventFilter(weapon=("atacms",), order="desc", reviewed=False),
        EventFilter(actor=("norway", "russia"), type=("warning", "authorization")),
    ],
)
def test_a_deep_page_that_skips_whole_months_holds_the_same_events(
    generated: Session, f: EventFilter
) -> None:
    """Pages far into a view start from their own month (months before counted in the
    aggregates): every page, undated events at the end included, is the slice of the
    whole view."""
    everything = [e.id for e in queries.all_events(session=generated, filter=f)]
    assert len(everything) > 40
    for offset in range(0, len(everything) + 10, 13):
        page = queries.list_events(session=generated, filter=f, limit=10, offset=offset)
        assert [e.id for e in page] == everything[offset : offset + 10], offset
