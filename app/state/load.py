"""Reading what the policy state needs from the database: events and display names."""

from collections import defaultdict
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


def load_events(session: Session, *, reviewed: bool | None = None) -> list[PolicyEvent]:
    """Every event as the state sees it: three plain queries, no ORM objects. `reviewed`
    True: only the events a person confirmed; False: only those nobody reviewed yet."""
    connection = session.connection()
    event, weapon, place = _table(Event), _table(EventWeapon), _table(EventPlace)
    weapons: dict[str, list[str]] = defaultdict(list)
    for event_id, weapon_id in connection.execute(select(weapon.c.event_id, weapon.c.weapon_id)):
        weapons[event_id].append(weapon_id)
    places: dict[str, list[str]] = defaultdict(list)
    for event_id, place_id in connection.execute(select(place.c.event_id, place.c.place_id)):
        places[event_id].append(place_id)
    # Rejected events (the review desk) are no decisions; confirmed ones are reviewed.
    query = select(
        event.c.id,
        event.c.type,
        event.c.actor_id,
        event.c.date,
        event.c.date_precision,
        event.c.date_basis,
        event.c.review_status,
    ).where(event.c.review_status != "rejected")
    if reviewed is not None:
        query = query.where(event.c.review_status == ("confirmed" if reviewed else "unreviewed"))
    rows = connection.execute(query)
    # Each row brings its own copies of values that repeat across events (a type, an
    # actor, a weapon list, a date): one shared copy each keeps the index of 200,000
    # events about 40% smaller (bench/state_bench.py).
    shared: dict[Any, Any] = {}

    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    return [
        PolicyEvent(
            id=row.id,
            type=one(row.type),
            actor=one(row.actor_id),
            weapons=one(tuple(sorted(one(w) for w in weapons.get(row.id, ())))),
            places=one(tuple(sorted(one(p) for p in places.get(row.id, ())))),
            date=one(row.date),
            precision=one(row.date_precision),
            basis=one(row.date_basis),
            reviewed=row.review_status == "confirmed",
        )
        for row in rows
    ]


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
