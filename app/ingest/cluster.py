"""When are two mentions the same event? Pure rules over plain data.

The rule (also in the README):
- same type and same actor;
- weapons compatible: the systems they name overlap, or at least one of them names
  no system (no weapon, or only a class such as "long-range weapons"); places
  compatible: the two sets overlap, or at least one of them is empty;
- dates compatible: each mention's date becomes a window widened by its precision
  (a day +/- 3 days, a whole month, a whole year; a date that only comes from the
  publication date covers the week before publication); the windows must overlap.
  An undated mention is compatible with any date;
- never two mentions of the same article: the extractor already decided those differ;
- never two warnings or requests voiced by different people (two named speakers, or a
  named speaker and an unnamed source): a speech act is its speaker's, while a decision
  is its government's whoever announces it.
Among compatible events the best is the one sharing most weapons and places, then
the closest date, then the smallest id, so the choice does not depend on the order of
the database rows.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from app.extract.dates import window, windows_overlap
from app.extract.gazetteer import generic_weapons
from app.extract.types import voices_differ
from app.models import DATE_PRECISIONS
from app.slugs import slugify

SPEECH_ACTS = frozenset({"warning", "request"})
PRECISION_RANK = {precision: rank for rank, precision in enumerate(DATE_PRECISIONS)}

# How far a dated mention's window reaches from its date, at most, per precision (a
# day +/- 3 days or the week before publication; its month; its year). A mention whose
# window meets [lo, hi] therefore has its date in [lo - reach, hi + reach]: storage
# finds the candidates of a new mention by one index range per precision.
REACH = {
    "day": dt.timedelta(days=7),
    "month": dt.timedelta(days=31),
    "year": dt.timedelta(days=366),
}


@dataclass(frozen=True)
class Reading:
    type: str
    actor_id: str
    weapons: frozenset[str]
    places: frozenset[str]
    date: dt.date | None
    date_precision: str | None
    date_basis: str
    voice: str | None = None  # who is talking (ExtractedEvent.voice)


def date_window(reading: Reading) -> tuple[dt.date, dt.date] | None:
    return window(reading.date, reading.date_precision, reading.date_basis)


def date_ranges(reading: Reading) -> dict[str, tuple[dt.date, dt.date]]:
    """Per precision, the dates a mention of that precision must have to be compatible
    with `reading` by date (undated mentions always are). An undated reading is
    compatible with every date."""
    span = date_window(reading)
    if span is None:
        return {precision: (dt.date.min, dt.date.max) for precision in REACH}
    lo, hi = span
    return {
        precision: (max(dt.date.min + reach, lo) - reach, min(dt.date.max - reach, hi) + reach)
        for precision, reach in REACH.items()
    }


@lru_cache(maxsize=1)
def generic_weapon_ids() -> frozenset[str]:
    """Ids of the weapon classes ("long-range weapons"), which name no system."""
    return frozenset(slugify(name) for name in generic_weapons())


def named_systems(weapon_ids: frozenset[str]) -> frozenset[str]:
    return weapon_ids - generic_weapon_ids()


def _sets_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    return not a or not b or bool(a & b)


def compatible(a: Reading, b: Reading) -> bool:
    if a.type != b.type or a.actor_id != b.actor_id:
        return False
    if a.type in SPEECH_ACTS and voices_differ(a.voice, b.voice):
        return False  # Peskov's warning and Putin's, days apart, are two warnings
    weapons_compatible = _sets_compatible(named_systems(a.weapons), named_systems(b.weapons))
    if not weapons_compatible or not _sets_compatible(a.places, b.places):
        return False
    return windows_overlap(date_window(a), date_window(b))


def affinity(a: Reading, b: Reading) -> tuple[int, int]:
    """Higher is a better match: shared names, then closeness of dates."""
    shared = len(a.weapons & b.weapons) + len(a.places & b.places)
    if a.date is None or b.date is None:
        return shared, -10_000
    return shared, -abs((a.date - b.date).days)


def best_event(new: Reading, candidates: Iterable[tuple[str, list[Reading]]]) -> str | None:
    """The id of the event whose mentions best match `new` (single linkage), if any."""
    best: tuple[tuple[int, int], str] | None = None
    for event_id, readings in candidates:
        scores = [affinity(new, r) for r in readings if compatible(new, r)]
        if not scores:
            continue
        key = (max(scores), event_id)
        # Highest affinity wins; equal affinity goes to the smallest id.
        if best is None or key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
            best = key
    return best[1] if best else None


def representative_date(readings: Iterable[Reading]) -> Reading | None:
    """The reading whose date the event shows: dated by the text before dated by
    publication, finer precision first, then the earliest."""
    dated = [r for r in readings if r.date is not None]
    if not dated:
        return None
    return min(
        dated,
        key=lambda r: (
            r.date_basis != "text",
            PRECISION_RANK.get(r.date_precision or "day", 0),
            r.date,
        ),
    )
