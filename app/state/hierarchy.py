"""Scopes and weapon columns of the policy state, read from app/data/state/*.yaml.

Both are small trees. A decision about a node applies to the nodes under it: a
decision about Russian territory applies to Kursk, one about long-range weapons to
ATACMS, one about all supplied weapons to every column.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from app.resources import load


@dataclass(frozen=True)
class ScopeTree:
    """Scope ids with their parents; a place id missing from the data is its own root."""

    unstated: str  # the scope of a decision that names no place
    unstated_name: str
    parents: dict[str, str | None]
    names: dict[str, str]  # fallback names, when the place table lacks the id
    notes: dict[str, str]
    order: dict[str, int]  # display order: the data file's order, depth first

    def parent(self, scope: str) -> str | None:
        return self.parents.get(scope)

    def lineage(self, scope: str) -> tuple[str, ...]:
        """The scope and its ancestors, narrowest first."""
        chain = [scope]
        while (up := self.parents.get(chain[-1])) is not None:
            chain.append(up)
        return tuple(chain)

    def depth(self, scope: str) -> int:
        return len(self.lineage(scope)) - 1

    def sort_key(self, scope: str) -> tuple[int, str]:
        return (self.order.get(scope, len(self.order)), scope)


@dataclass(frozen=True)
class WeaponColumns:
    """The "all supplied weapons" column, the weapon classes and their members."""

    all_id: str
    all_name: str
    class_names: dict[str, str]
    classes_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # member -> classes
    not_suppliers: frozenset[str] = frozenset()

    def lineage(self, weapon: str) -> tuple[tuple[str, int], ...]:
        """(column, depth) of the weapon and every column whose decisions reach it,
        most specific first: a named weapon (2), its classes (1), all weapons (0)."""
        if weapon == self.all_id:
            return ((weapon, 0),)
        if weapon in self.class_names:
            return ((weapon, 1), (self.all_id, 0))
        return ((weapon, 2), *((c, 1) for c in self.classes_of.get(weapon, ())), (self.all_id, 0))

    def is_class(self, weapon: str) -> bool:
        return weapon in self.class_names


def scope_tree_from(data: dict[str, Any]) -> ScopeTree:
    parents: dict[str, str | None] = {}
    names: dict[str, str] = {}
    notes: dict[str, str] = {}

    def walk(nodes: Iterable[dict[str, Any]], parent: str | None) -> None:
        for node in nodes:
            scope = str(node["id"])
            if scope in parents:
                raise ValueError(f"scope {scope!r} appears twice in the scope data")
            parents[scope] = parent
            names[scope] = str(node.get("name", scope))
            if node.get("note"):
                notes[scope] = str(node["note"])
            walk(node.get("children") or (), scope)

    walk(data.get("scopes") or (), None)
    unstated = data["unstated"]
    notes[str(unstated["id"])] = str(unstated.get("note", ""))
    return ScopeTree(
        unstated=str(unstated["id"]),
        unstated_name=str(unstated["name"]),
        parents=parents,
        names=names,
        notes=notes,
        order={scope: i for i, scope in enumerate(parents)},
    )


def weapon_columns_from(data: dict[str, Any]) -> WeaponColumns:
    classes_of: dict[str, list[str]] = {}
    class_names: dict[str, str] = {}
    for entry in data.get("classes") or ():
        class_names[str(entry["id"])] = str(entry.get("name", entry["id"]))
        for member in entry.get("members") or ():
            classes_of.setdefault(str(member), []).append(str(entry["id"]))
    return WeaponColumns(
        all_id=str(data["all_weapons"]["id"]),
        all_name=str(data["all_weapons"]["name"]),
        class_names=class_names,
        classes_of={k: tuple(v) for k, v in classes_of.items()},
        not_suppliers=frozenset(str(a) for a in data.get("not_suppliers") or ()),
    )


@cache
def scope_tree() -> ScopeTree:
    return scope_tree_from(load("state/scopes.yaml"))


@cache
def weapon_columns() -> WeaponColumns:
    return weapon_columns_from(load("state/weapons.yaml"))
