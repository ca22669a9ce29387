"""The facet counts and event facet rows a database should hold, computed here from
its events, links and mentions (not from the tables the triggers keep), to check that
every path that writes keeps them right."""

from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.slugs import slugify


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def _iso(value: Any) -> str:
    return "" if value is None else str(value)[:10]


# The link facets, in eventfacets' column order (weapons, places, outlets).
FACETS = ("weapon", "place", "outlet")


def _tier(confidence: float | None) -> str:
    """The highest of the form's confidence floors the event reaches ("" for none)."""
    reached = [floor for floor in (0.5, 0.7, 0.9) if confidence is not None and confidence >= floor]
    return str(reached[-1]) if reached else ""


def expected(engine: Engine) -> dict[str, Counter[tuple[Any, ...]]]:
    """{"eventfacets": (event, type, actor, date, review status, confidence, its weapons,
    places and outlets) -> 1, "eventoutlet": (event, outlet) -> mentions, "facetcount":
    (facet, grain, period, value, status, tier) -> events, "facetmonth": (facet, value,
    type, actor, status, month, tier) -> events, "facetpair": (facet, value, other facet,
    status, month, tier, type, other value) -> events}, from the events as they are."""
    fields = _rows(engine, "SELECT id, type, actor_id, review_status, date, confidence FROM event")
    events = {
        event_id: (type_, actor, status, _iso(day), _tier(confidence))
        for event_id, type_, actor, status, day, confidence in fields
    }
    outlets: Counter[tuple[Any, ...]] = Counter()
    for event_id, outlet in _rows(
        engine, "SELECT m.event_id, a.outlet FROM mention m JOIN article a ON a.id = m.article_id"
    ):
        if outlet:
            outlets[(event_id, slugify(outlet))] += 1
    links: list[tuple[str, str, str]] = [
        ("weapon", event_id, value)
        for event_id, value in _rows(engine, "SELECT event_id, weapon_id FROM eventweapon")
    ]
    links += [
        ("place", event_id, value)
        for event_id, value in _rows(engine, "SELECT event_id, place_id FROM eventplace")
    ]
    links += [("outlet", event_id, outlet) for event_id, outlet in outlets]
    pairs: Counter[tuple[Any, ...]] = Counter()
    links_of: dict[str, list[tuple[str, str]]] = {}
    for facet, event_id, value in links:
        links_of.setdefault(event_id, []).append((facet, value))
    for event_id, found in links_of.items():
        type_, _, status, day, tier = events[event_id]
        for facet, value in found:
            for other, other_value in found:
                if other != facet:
                    pairs[(facet, value, other, status, day[:7], tier, type_, other_value)] += 1
    by_day: Counter[tuple[Any, ...]] = Counter()
    by_month: Counter[tuple[Any, ...]] = Counter()
    values = [(event_id, facet, value) for facet, event_id, value in links]
    for event_id, (type_, actor, *_) in events.items():
        values += [(event_id, "type", type_), (event_id, "actor", actor), (event_id, "event", "")]
    for event_id, facet, value in values:
        type_, actor, status, day, tier = events[event_id]
        if facet != "event":
            by_day[(facet, "day", day, value, status, "*")] += 1  # every tier together
            by_day[(facet, "month", day[:7], value, status, tier)] += 1
        if facet not in ("type", "actor"):
            by_month[(facet, value, type_, actor, status, day[:7], tier)] += 1
    # eventfacets: (event, its fields, sorted weapons, places, outlets) -> 1
    rows: Counter[tuple[Any, ...]] = Counter()
    for event_id, type_, actor, status, day, confidence in fields:
        found = links_of.get(event_id, [])
        lists = (tuple(sorted(v for f, v in found if f == facet)) for facet in FACETS)
        rows[(event_id, type_, actor, _iso(day), status, confidence, *lists)] = 1
    return {
        "eventfacets": rows,
        "eventoutlet": outlets,
        "facetcount": by_day,
        "facetmonth": by_month,
        "facetpair": pairs,
    }


def stored(engine: Engine) -> dict[str, Counter[tuple[Any, ...]]]:
    """The same, as the tables hold them (rows at 0 left out: readers skip them)."""
    found: dict[str, Counter[tuple[Any, ...]]] = {}
    for table, columns, count in (
        ("eventoutlet", "event_id, outlet_id", "mentions"),
        ("facetcount", "facet, grain, period, value, status, tier", "n"),
        ("facetmonth", "facet, value, type, actor_id, status, month, tier", "n"),
        ("facetpair", "facet, value, other, status, month, tier, type, other_value", "n"),
    ):
        rows = _rows(engine, f"SELECT {columns}, {count} FROM {table} WHERE {count} <> 0")
        found[table] = Counter({tuple(row[:-1]): row[-1] for row in rows})
    found["eventfacets"] = Counter(
        {
            (event_id, type_, actor, _iso(day), status, confidence, *map(_sorted, lists)): 1
            for event_id, type_, actor, day, status, confidence, *lists in _rows(
                engine,
                "SELECT event_id, type, actor_id, date, review_status, confidence, "
                "weapons, places, outlets FROM eventfacets",
            )
        }
    )
    return found


def _sorted(joined: str | None) -> tuple[str, ...]:
    """A list as eventfacets holds it ("himars atacms", NULL for none), sorted."""
    return tuple(sorted((joined or "").split()))


def assert_counts_right(engine: Engine) -> None:
    """The tables hold exactly the counts the events make (none negative)."""
    assert stored(engine) == expected(engine)
