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
import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from operator import attrgetter
from typing import NamedTuple, TypeVar

from app.web.aggregates import LINKS, statuses
from app.web.filters import EventFilter

# (first day of a period, actor id) -> events per type: what the lanes draw.
Cells = dict[tuple[dt.date, str], Counter[str]]


class Matched(NamedTuple):
    """What the filter, the facets, the order and the lanes need of one event. A tuple:
    four times cheaper to make than a frozen dataclass (a search makes up to 20,000)."""

    id: str
    type: str
    actor: str
    date: dt.date | None
    review_status: str  # never "rejected": those are in no public view
    confidence: float | None
    weapon: tuple[str, ...]
    place: tuple[str, ...]
    outlet: tuple[str, ...]


class Linked(NamedTuple):
    """What a view on weapons, places or outlets with few events reads of each
    (queries._matching): enough for its page order, counts, lanes, type and actor facets
    (no link facet: `facet` reads none of it)."""

    id: str
    date: dt.date | None
    type: str
    actor: str


def keep(events: tuple[Matched, ...], filter: EventFilter) -> list[Matched]:
    """The events that pass every part of the filter but its text (which found them).
    One pass per part, each a plain comprehension: a search keeps up to 20,000 events
    and is filtered about ten times per page (once per facet), so no call per event.
    The parts every facet shares (review status, dates, confidence) are applied once per
    search and filter: the last result is kept for the page's next questions."""
    global _last_common
    key = (filter.reviewed, filter.date_from, filter.date_to, filter.min_confidence)
    last = _last_common  # (one read: another thread may replace it)
    if last is not None and last[0] is events and last[1] == key:
        kept = last[2]
    else:
        kept = _keep_common(events, filter)
        _last_common = (events, key, kept)
    return _keep_facets(kept, filter)


# (a search's events, the shared parts of a filter, the events they keep)
_last_common: tuple[tuple[Matched, ...], tuple[object, ...], list[Matched]] | None = None


def _keep_common(events: Iterable[Matched], filter: EventFilter) -> list[Matched]:
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
    return kept


def _keep_facets(kept: list[Matched], filter: EventFilter) -> list[Matched]:
    kept = list(kept)  # a copy: the list it is given is kept for the next question
    if types := frozenset(filter.type):
        kept = [e for e in kept if e.type in types]
    if actors := frozenset(filter.actor):
        kept = [e for e in kept if e.actor in actors]
    for name in LINKS:
        if wanted := frozenset(filter.values(name)):
            kept = [e for e in kept if not wanted.isdisjoint(getattr(e, name))]
    return kept


def ordered(events: Sequence[Matched | Linked], order: str, first: int = -1) -> list[str]:
    """Ids as the timeline lists them: by date and id (newest first for "desc"), the
    undated ones last by id; with `first` >= 0, at least the first `first` of them (a
    page's worth, picked by a heap rather than a sort of up to 20,000). Compared as
    plain tuples: no key call per event."""
    pairs = [(e.date, e.id) for e in events if e.date is not None]
    if 0 <= first < len(pairs):
        pick = heapq.nlargest if order == "desc" else heapq.nsmallest
        return [event_id for _, event_id in pick(first, pairs)]
    dated = sorted(pairs, reverse=order == "desc")
    undated = sorted([e.id for e in events if e.date is None])
    return [event_id for _, event_id in dated] + undated


Event = TypeVar("Event", bound=Matched | Linked)


def dated(events: Iterable[Event]) -> list[Event]:
    return [e for e in events if e.date is not None]


def facet(events: Sequence[Matched | Linked], name: str) -> Counter[str]:
    """Option -> events, each event counted once per value it has (read by attributes
    named after the facets, counted at C speed: a search holds up to 20,000 events)."""
    values = map(attrgetter(name), events)
    if name in LINKS:  # a tuple of values per event (Matched only)
        return Counter(chain.from_iterable(values))
    return Counter(values)


def period_cells(
    events: Sequence[Matched | Linked], start_of: Callable[[dt.date], dt.date]
) -> Cells:
    """Dated events per (first day of their period, actor) and type: counted per day
    first, so that each distinct day's period is looked up once."""
    by_day = Counter(map(attrgetter("date", "actor", "type"), events))
    starts: dict[dt.date, dt.date] = {}
    cells: Cells = defaultdict(Counter)
    for (day, actor, type_), count in by_day.items():
        if day is not None:
            start = starts.get(day) or starts.setdefault(day, start_of(day))
            cells[(start, actor)][type_] += count
    return cells
