"""Counts read from the facet aggregates (models.FacetCount, models.FacetMonth,
models.FacetPair) that the database's triggers keep (migrations 0006 and 0007): a sum
over days and months instead of a scan of the events. app/web/queries.py asks here first
and counts from the events whatever the aggregates cannot say.

The aggregates count events by facet value, review status and day or month, per month
crossed with type and actor, and per month by two links of different facets and type
(not actor: a weapon facet under one outlet). So they answer a filter that holds:

- no text search (not a key of theirs);
- no confidence floor, or one of those the filter form offers (0.5, 0.7, 0.9: events
  count under the highest they reach, models.FACET_TIERS);
- of weapon, place and outlet, at most one set, to one value (an event may have two
  weapons: the counts of two values cannot be added);
- any types and actors (an event has one of each), any review status;
- a date range: whole months from the month counts; the days left at either end from
  the day counts (FacetCount) or, where those lack the key (type, actor or one link
  crossed with another facet), from the events: returned as `rest`, date ranges the
  caller counts itself.
"""

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import Session

from app.models import FACET_TIERS, FacetCount, FacetMonth, FacetPair
from app.web.filters import EventFilter

LINKS = ("weapon", "place", "outlet")
COUNT, MONTH = FacetCount.__table__.c, FacetMonth.__table__.c  # type: ignore[attr-defined]
PAIR = FacetPair.__table__.c  # type: ignore[attr-defined]
# Undated events count under this period; every date sorts after it.
UNDATED = ""


def statuses(reviewed: bool | None) -> tuple[str, ...]:
    """Review statuses a filter counts: rejected events are in no public view."""
    if reviewed is None:
        return ("confirmed", "unreviewed")
    return ("confirmed",) if reviewed else ("unreviewed",)


class Counted(NamedTuple):
    counts: Counter[Any]
    # Date ranges (inclusive) the counts leave out, for the caller to count from events.
    rest: tuple[tuple[dt.date, dt.date], ...]


@dataclass(frozen=True)
class Span:
    """A date filter as whole months (period strings, inclusive) and the days at its
    ends. No date filter: every month, the undated included."""

    months: tuple[str, str] | None
    days: tuple[tuple[dt.date, dt.date], ...]
    every_month: bool = False


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _shift(month: tuple[int, int], by: int) -> tuple[int, int]:
    index = month[0] * 12 + month[1] - 1 + by
    return (index // 12, index % 12 + 1)


def span(start: dt.date | None, end: dt.date | None) -> Span:
    if start is None and end is None:
        return Span(months=None, days=(), every_month=True)
    # The first and last whole months in the range ((year, month); open ends reach far).
    first = (0, 1) if start is None else (start.year, start.month)
    if start is not None and start.day != 1:
        first = _shift(first, 1)
    last = (9999, 12) if end is None else (end.year, end.month)
    if end is not None and end != month_end(end):
        last = _shift(last, -1)
    if first > last:  # no whole month: days only (start and end are both set)
        assert start is not None and end is not None
        return Span(months=None, days=((start, end),))
    days = []
    if start is not None and start.day != 1:
        days.append((start, month_end(start)))
    if end is not None and end != month_end(end):
        days.append((end.replace(day=1), end))
    months = (f"{first[0]:04d}-{first[1]:02d}", f"{last[0]:04d}-{last[1]:02d}")
    return Span(months=months, days=tuple(days))


@dataclass(frozen=True)
class Cube:
    """What a filter counts in the aggregates' keys."""

    link: tuple[str, str] | None  # (facet, value) of the one weapon, place or outlet
    types: tuple[str, ...]
    actors: tuple[str, ...]
    statuses: tuple[str, ...]
    tiers: tuple[str, ...] | None  # the confidence tiers counted; None: every event
    span: Span

    @property
    def untyped(self) -> bool:
        """No types or actors: FacetCount holds its events by day and month (all of
        them, or its link's)."""
        return not self.types and not self.actors

    @property
    def plain(self) -> bool:
        """Only dates and review status: FacetCount holds every facet of it by day."""
        return self.link is None and self.untyped


def cube(filter: EventFilter) -> Cube | None:
    """The filter in the aggregates' keys, or None when they cannot count it."""
    if filter.q:
        return None
    tiers = None
    if filter.min_confidence is not None:
        if f"{filter.min_confidence:g}" not in FACET_TIERS:
            return None
        tiers = tuple(t for t in FACET_TIERS if float(t) >= filter.min_confidence)
    links = [(name, filter.values(name)) for name in LINKS if filter.values(name)]
    if len(links) > 1 or any(len(values) > 1 for _, values in links):
        return None
    link = (links[0][0], links[0][1][0]) if links else None
    return Cube(
        link=link,
        types=filter.type,
        actors=filter.actor,
        statuses=statuses(filter.reviewed),
        tiers=tiers,
        span=span(filter.date_from, filter.date_to),
    )


def _rows(session: Session, stmt: Any) -> Any:
    return session.connection().execute(stmt)


def _periods(cube: Cube) -> ColumnElement[bool] | None:
    """FacetCount's rows for the cube's span: its whole months, the days at its ends
    (those only without a confidence floor: day rows hold every tier together)."""
    if cube.span.every_month:
        return COUNT.grain == "month"
    ranges = []
    if cube.span.months is not None:
        low, high = cube.span.months
        ranges.append(and_(COUNT.grain == "month", COUNT.period.between(low, high)))
    if cube.tiers is None:
        ranges += [
            and_(COUNT.grain == "day", COUNT.period.between(lo.isoformat(), hi.isoformat()))
            for lo, hi in cube.span.days
        ]
    return or_(*ranges) if ranges else None


def _counted(cube: Cube) -> list[ColumnElement[bool]]:
    """FacetCount's rows of the cube's review statuses and confidence tiers."""
    conditions = [COUNT.status.in_(cube.statuses)]
    if cube.tiers is not None:
        conditions.append(COUNT.tier.in_(cube.tiers))
    return conditions


def _day_rest(cube: Cube) -> tuple[tuple[dt.date, dt.date], ...]:
    """The days FacetCount leaves to the caller: those at the ends of the span under a
    confidence floor (its day rows do not tell tiers apart)."""
    return cube.span.days if cube.tiers is not None else ()


def _months(cube: Cube, facet: str | None = None) -> list[ColumnElement[bool]] | None:
    """FacetMonth's rows for the cube: its link's (or every event's), or with `facet`
    those of every value of that facet. None: no whole month in its span."""
    if facet is not None:
        keys = [MONTH.facet == facet]
    else:
        facet, value = cube.link or ("event", "")
        keys = [MONTH.facet == facet, MONTH.value == value]
    rows = _in_months(MONTH, cube)
    return None if rows is None else [*keys, *rows]


def _in_months(table: Any, cube: Cube) -> list[ColumnElement[bool]] | None:
    """Rows of a month table (FacetMonth, FacetPair: its columns) of the cube's review
    statuses, confidence tiers, types, actors and whole months. None: no whole month in
    its span."""
    conditions = [table.status.in_(cube.statuses)]
    if cube.tiers is not None:
        conditions.append(table.tier.in_(cube.tiers))
    if cube.types:
        conditions.append(table.type.in_(cube.types))
    if cube.actors:
        conditions.append(table.actor_id.in_(cube.actors))
    if cube.span.months is not None:
        conditions.append(table.month.between(*cube.span.months))
    elif not cube.span.every_month:
        return None
    return conditions


def _sum(session: Session, keys: Iterable[Any], where: Iterable[Any], n: Any) -> Counter[Any]:
    keys = list(keys)
    stmt = select(*keys, func.sum(n)).where(*where)
    if keys:
        stmt = stmt.group_by(*keys)
    counts: Counter[Any] = Counter()
    for *key, total in _rows(session, stmt):
        if total:
            counts[tuple(key) if len(key) != 1 else key[0]] += int(total)
    return counts


def facet(session: Session, filter: EventFilter, name: str) -> Counted | None:
    """Events per value of the facet `name` under `filter` (which should not filter
    on `name` itself: facet counts ignore their own facet)."""
    found = cube(filter)
    if found is None:
        return None
    if name in LINKS and found.link is not None:
        return _paired(session, found, name)
    if found.plain:
        periods = _periods(found)
        if periods is None:
            return Counted(Counter(), _day_rest(found))
        where = [COUNT.facet == name, *_counted(found), periods]
        return Counted(_sum(session, [COUNT.value], where, COUNT.n), _day_rest(found))
    if name in LINKS:
        key, conditions = MONTH.value, _months(found, name)
    else:
        key, conditions = (MONTH.type if name == "type" else MONTH.actor_id), _months(found)
    counts = Counter() if conditions is None else _sum(session, [key], conditions, MONTH.n)
    return Counted(counts, found.span.days)


def _paired(session: Session, cube: Cube, name: str) -> Counted | None:
    """Events per value of the link facet `name` under the cube's link, from FacetPair:
    which keys types but not actors."""
    if cube.actors:
        return None
    assert cube.link is not None
    facet, value = cube.link
    rows = _in_months(PAIR, cube)
    if rows is None:  # no whole month: the days only
        return Counted(Counter(), cube.span.days)
    where = [PAIR.facet == facet, PAIR.value == value, PAIR.other == name, *rows]
    return Counted(_sum(session, [PAIR.other_value], where, PAIR.n), cube.span.days)


def total(session: Session, filter: EventFilter) -> Counted | None:
    """How many events the filter holds ({(): n})."""
    found = cube(filter)
    if found is None:
        return None
    if found.untyped:
        # FacetCount holds the days too: of every event under its type, of a link's.
        periods = _periods(found)
        counts: Counter[Any] = Counter()
        if periods is not None:
            where = [*_link_or_all(found), *_counted(found), periods]
            counts[()] = sum(_sum(session, [], where, COUNT.n).values())
        return Counted(counts, _day_rest(found))
    conditions = _months(found)
    counts = Counter()
    if conditions is not None:
        counts[()] = sum(_sum(session, [], conditions, MONTH.n).values())
    return Counted(counts, found.span.days)


def undated(session: Session, filter: EventFilter) -> int | None:
    """How many of the filter's events have no date (none under a date filter)."""
    found = cube(filter)
    if found is None:
        return None
    if not found.span.every_month:
        return 0
    conditions = _months(found)
    assert conditions is not None
    return sum(_sum(session, [], [*conditions, MONTH.month == UNDATED], MONTH.n).values())


def lane_cells(session: Session, filter: EventFilter) -> Counted | None:
    """Dated events per (actor, type, month "YYYY-MM"), what the lanes draw when they
    gather markers by month, quarter or year."""
    found = cube(filter)
    if found is None:
        return None
    conditions = _months(found)
    counts: Counter[Any] = Counter()
    if conditions is not None:
        keys = [MONTH.actor_id, MONTH.type, MONTH.month]
        counts = _sum(session, keys, [*conditions, MONTH.month != UNDATED], MONTH.n)
    return Counted(counts, found.span.days)


def month_counts(session: Session, filter: EventFilter) -> list[tuple[str, int]] | None:
    """Dated events per month ("YYYY-MM", in date order) of a filter without dates: how
    far into its events each month begins (a deep page skips the months before it)."""
    found = cube(filter)
    if found is None or not found.span.every_month:
        return None
    if found.untyped:
        # FacetCount's month rows: one per month, status and tier, not crossed with
        # every type and actor as FacetMonth's are.
        where = [*_link_or_all(found), *_counted(found), COUNT.grain == "month"]
        counts = _sum(session, [COUNT.period], [*where, COUNT.period != UNDATED], COUNT.n)
        return sorted(counts.items())
    conditions = _months(found)
    assert conditions is not None
    counts = _sum(session, [MONTH.month], [*conditions, MONTH.month != UNDATED], MONTH.n)
    return sorted(counts.items())


def _link_or_all(cube: Cube) -> list[ColumnElement[bool]]:
    """FacetCount's rows of an untyped cube: its link's, or every event's (each
    counted once, under its type)."""
    if cube.link is None:
        return [COUNT.facet == "type"]
    facet, value = cube.link
    return [COUNT.facet == facet, COUNT.value == value]
