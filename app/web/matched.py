"""A text search's questions answered in Python, from its events read once.

A search's page asks about sixteen questions of the same matching events: its count,
its page, its lanes, five facets each without its own filter. Asked of the database,
each searches the full-text index again and looks up every match (111 ms of CPU per
two-word search at 200,000 events). When a search matches few events
(queries.MATCHED_LIMIT), queries.py reads their few columns and links once per data
version, and the rest of the filter (types, actors, links, dates, review status,
confidence) is applied to them here, with the same meaning as the SQL of
queries.conditions.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from app.web.aggregates import LINKS, statuses
from app.web.filters import EventFilter

# (first day of a period, actor id) -> events per type: what the lanes draw.
Cells = dict[tuple[dt.date, str], Counter[str]]


@dataclass(frozen=True, slots=True)
class Matched:
    """What the filter, the facets, the order and the lanes need of one event."""

    id: str
    type: str
    actor: str
    date: dt.date | None
    review_status: str  # never "rejected": those are in no public view
    confidence: float | None
    weapon: tuple[str, ...]
    place: tuple[str, ...]
    outlet: tuple[str, ...]

    def values(self, facet: str) -> tuple[str, ...]:
        if facet == "type":
            return (self.type,)
        if facet == "actor":
            return (self.actor,)
        values: tuple[str, ...] = getattr(self, facet)
        return values


class Linked(NamedTuple):
    """What a view on weapons, places or outlets with few events reads of each
    (queries._matching): enough for its page order, counts, lanes, type and actor facets."""

    id: str
    date: dt.date | None
    type: str
    actor: str

    def values(self, facet: str) -> tuple[str, ...]:
        if facet == "type":
            return (self.type,)
        if facet == "actor":
            return (self.actor,)
        raise ValueError(f"the {facet} facet is not read for a view's few events")


def keep(events: Iterable[Matched], filter: EventFilter) -> list[Matched]:
    """The events that pass every part of the filter but its text (which found them).
    One pass per part, each a plain comprehension: a search keeps up to 20,000 events
    and is filtered about ten times per page (once per facet), so no call per event."""
    kept = list(events)
    if filter.reviewed is not None:
        counted = statuses(filter.reviewed)[0]
        kept = [e for e in kept if e.review_status == counted]
    # As in SQL, an undated event or one of unknown confidence fails any bound.
    if (start := filter.date_from) is not None:
        kept = [e for e in kept if e.date is not None and e.date >= start]
    if (end := filter.date_to) is not None:
        kept = [e for e in kept if e.date is not None and e.date <= end]
    if (floor := filter.min_confidence) is not None:
        kept = [e for e in kept if e.confidence is not None and e.confidence >= floor]
    if types := frozenset(filter.type):
        kept = [e for e in kept if e.type in types]
    if actors := frozenset(filter.actor):
        kept = [e for e in kept if e.actor in actors]
    for name in LINKS:
        if wanted := frozenset(filter.values(name)):
            kept = [e for e in kept if not wanted.isdisjoint(getattr(e, name))]
    return kept


def ordered(events: Iterable[Matched | Linked], order: str) -> list[str]:
    return timeline_order(((e.id, e.date) for e in events), order)


def timeline_order(events: Iterable[tuple[str, dt.date | None]], order: str) -> list[str]:
    """Ids of (id, date) pairs as the timeline lists them: by date and id (newest first
    for "desc"), the undated ones last by id."""
    events = list(events)
    dated = sorted((e for e in events if e[1] is not None), key=lambda e: (e[1], e[0]))
    if order == "desc":
        dated.reverse()
    undated = sorted(event_id for event_id, day in events if day is None)
    return [event_id for event_id, _ in dated] + undated


Event = TypeVar("Event", bound=Matched | Linked)


def dated(events: Iterable[Event]) -> list[Event]:
    return [e for e in events if e.date is not None]


def facet(events: Iterable[Matched | Linked], name: str) -> Counter[str]:
    """Option -> events, each event counted once per value it has."""
    return Counter(value for e in events for value in e.values(name))


def period_cells(
    events: Iterable[Matched | Linked], start_of: Callable[[dt.date], dt.date]
) -> Cells:
    """Dated events per (first day of their period, actor) and type."""
    cells: Cells = defaultdict(Counter)
    for e in events:
        if e.date is not None:
            cells[(start_of(e.date), e.actor)][e.type] += 1
    return cells
