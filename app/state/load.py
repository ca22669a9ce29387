"""Reading what the policy state needs from the database: events and display names."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.models import Actor, Event, EventPlace, EventWeapon, Place, Weapon
from app.state.compute import CellState, PolicyEvent, StateIndex
from app.state.hierarchy import ScopeTree, WeaponColumns, scope_tree, weapon_columns


def _table(model: Any) -> Any:
    # Core columns typed as Any: SQLModel's attribute types fight SQLAlchemy's stubs.
    return model.__table__


@dataclass(frozen=True)
class Names:
    """Display names of actors, weapon columns and scopes."""

    actors: dict[str, str]
    weapons: dict[str, str]
    scopes: dict[str, str]
    unstated: str  # the scope of decisions that name no place

    def actor(self, actor_id: str) -> str:
        return self.actors.get(actor_id, actor_id)

    def weapon(self, weapon_id: str) -> str:
        return self.weapons.get(weapon_id, weapon_id)

    def scope(self, scope_id: str) -> str:
        return self.scopes.get(scope_id, scope_id)

    def where(self, scope_id: str) -> str:
        """ "in Kursk", or "with no place stated"."""
        if scope_id == self.unstated:
            return "with no place stated"
        return f"in {self.scope(scope_id)}"

    def describe(self, state: CellState, limit: int | None = None) -> str:
        """A cell's scopes in words: "restricted in Russian territory; authorized in Kursk",
        the first `limit` of them then "and N more scopes"."""
        parts = [f"{s.status} {self.where(s.scope)}" for s in state.scopes]
        return "; ".join(_first(parts, limit, "scopes"))

    def places(self, state: CellState, limit: int | None = None) -> str:
        """The names of a cell's scopes: "Kursk, Crimea", or "… and N more"."""
        return ", ".join(_first([self.scope(s.scope) for s in state.scopes], limit, ""))


def _first(parts: list[str], limit: int | None, noun: str) -> list[str]:
    if limit is None or len(parts) <= limit:
        return parts
    more = f"and {len(parts) - limit} more {noun}".rstrip()
    return [*parts[:limit], more]


class _LinksInOrder:
    """(event id, linked id) rows ordered by event id, read beside the events in the same
    order: each event takes its links in turn, so no map of every event's links is held
    while loading (it raised the worker's peak RSS by about 70 MB at 200,000 events)."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self._rows = iter(rows)
        self._next = next(self._rows, None)

    def take(self, event_id: str) -> list[str]:
        found = []
        while self._next is not None and self._next[0] == event_id:
            found.append(self._next[1])
            self._next = next(self._rows, None)
        return found

    def check_done(self) -> None:
        if self._next is not None:
            raise RuntimeError(f"link of event {self._next[0]!r} read out of order")


def load_events(session: Session, *, reviewed: bool | None = None) -> list[PolicyEvent]:
    """Every event as the state sees it: three plain queries, no ORM objects. `reviewed`
    True: only the events a person confirmed; False: only those nobody reviewed yet."""
    connection = session.connection()
    event, weapon, place = _table(Event), _table(EventWeapon), _table(EventPlace)
    # Rejected events (the review desk) are no decisions; confirmed ones are reviewed.
    kept = event.c.review_status != "rejected"
    if reviewed is not None:
        kept = event.c.review_status == ("confirmed" if reviewed else "unreviewed")

    # Rows fetched in chunks and unpacked as tuples: at 200,000 events, fetching row by
    # row and reading columns by name took about half of the 5.6 s this load took, and
    # fetching them all at once raised the worker's RSS for good by 60 MB.
    def rows(*columns: Any, link: Any = None) -> Any:
        query = select(*columns).where(kept).order_by(columns[0])
        if link is not None:
            query = query.join(event, event.c.id == link.c.event_id)
        return connection.execute(query).yield_per(2000)

    weapons = _LinksInOrder(rows(weapon.c.event_id, weapon.c.weapon_id, link=weapon))
    places = _LinksInOrder(rows(place.c.event_id, place.c.place_id, link=place))
    # Each row brings its own copies of values that repeat across events (a type, an
    # actor, a weapon list, a date): one shared copy each keeps the index of 200,000
    # events about 40% smaller (bench/state_bench.py).
    shared: dict[Any, Any] = {}
    one = shared.setdefault

    def links(found: _LinksInOrder, event_id: str) -> tuple[str, ...]:
        ids = tuple(sorted(found.take(event_id)))
        return one(ids, ids)

    events = [
        PolicyEvent(
            id=event_id,
            type=one(kind, kind),
            actor=one(actor, actor),
            weapons=links(weapons, event_id),
            places=links(places, event_id),
            date=one(date, date),
            precision=one(precision, precision),
            basis=one(basis, basis),
            reviewed=status == "confirmed",
        )
        for event_id, kind, actor, date, precision, basis, status in rows(
            event.c.id,
            event.c.type,
            event.c.actor_id,
            event.c.date,
            event.c.date_precision,
            event.c.date_basis,
            event.c.review_status,
        )
    ]
    weapons.check_done()
    places.check_done()
    return events


def build_index(
    session: Session,
    *,
    reviewed: bool | None = None,
    scopes: ScopeTree | None = None,
    weapons: WeaponColumns | None = None,
) -> StateIndex:
    return StateIndex(
        load_events(session, reviewed=reviewed),
        scopes=scopes or scope_tree(),
        weapons=weapons or weapon_columns(),
    )


def load_names(session: Session) -> Names:
    scopes, columns = scope_tree(), weapon_columns()
    connection = session.connection()

    def names(model: Any) -> dict[str, str]:
        t = _table(model)
        return {row.id: row.name for row in connection.execute(select(t.c.id, t.c.name))}

    return Names(
        actors=names(Actor),
        weapons={**columns.class_names, **names(Weapon), columns.all_id: columns.all_name},
        scopes={**scopes.names, **names(Place), scopes.unstated: scopes.unstated_name},
        unstated=scopes.unstated,
    )
