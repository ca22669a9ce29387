"""Gazetteer matching: every alias of every entry in one Aho-Corasick automaton over
the folded text, longest match first, on word boundaries (pyahocorasick: one linear
pass for thousands of aliases, which a regex alternation would not give us)."""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from app.extract.text import fold
from app.resources import load

KINDS = ("actors", "people", "weapons", "places", "outlets")


@dataclass(frozen=True)
class Role:
    actor: str
    start: dt.date | None
    end: dt.date | None
    office: str | None = None  # "foreign minister": shown as the speaker's role


@dataclass(frozen=True)
class Entry:
    kind: str  # actor | person | weapon | place | outlet | demonym
    name: str  # canonical name (for a demonym: the actor's name)
    generic: bool = False
    as_place: str | None = None
    roles: tuple[Role, ...] = ()

    def role_on(self, day: dt.date | None) -> Role | None:
        """The role a person held on `day` (the latest one when the day is unknown)."""
        if day is None:
            return self.roles[-1] if self.roles else None
        for role in self.roles:
            if (role.start is None or role.start <= day) and (role.end is None or day < role.end):
                return role
        return None

    def actor_on(self, day: dt.date | None) -> str | None:
        """The actor a person spoke for on `day`."""
        role = self.role_on(day)
        return role.actor if role else None


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int
    end: int
    via: str = "name"  # name | seat | institution: how an actor was named (for notes)

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def name(self) -> str:
        return self.entry.name


@dataclass(frozen=True)
class _Alias:
    entry: Entry
    surface: str | None  # exact-case surface when the alias is case-sensitive
    via: str = "name"


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _entries() -> list[tuple[Entry, list[tuple[str, str]], list[str]]]:
    """(entry, [(alias, via)], exact aliases) for every data file."""
    out: list[tuple[Entry, list[tuple[str, str]], list[str]]] = []
    singular = {"actors": "actor", "people": "person", "weapons": "weapon", "places": "place"}
    for kind in KINDS:
        for item in load(f"gazetteer/{kind}.yaml"):
            roles = tuple(
                Role(r["actor"], _as_date(r.get("from")), _as_date(r.get("to")), r.get("office"))
                for r in item.get("roles", [])
            )
            entry = Entry(
                kind=singular.get(kind, "outlet"),
                name=item["name"],
                generic=bool(item.get("generic", False)),
                as_place=item.get("as_place"),
                roles=roles,
            )
            # Seats of power ("Washington", "the Kremlin") and institutions ("the
            # Pentagon", "Bundestag") speak for their state: aliases like its names.
            names = [
                *((alias, "name") for alias in item.get("aliases", [])),
                *((alias, "seat") for alias in item.get("seats", [])),
                *((alias, "institution") for alias in item.get("institutions", [])),
            ]
            out.append((entry, names, list(item.get("exact", []))))
            demonyms = item.get("demonyms", [])
            if demonyms:
                out.append((Entry(kind="demonym", name=item["name"]), [], list(demonyms)))
    return out


def _compound_heads() -> frozenset[str]:
    # "US-supplied", "British-made": a name may end at a hyphen before these words.
    table = load("lexicon/syntax.yaml")["supplier_verbs"]
    return frozenset(word for words in table.values() for word in words)


class Gazetteer:
    def __init__(self) -> None:
        self._compound_heads = _compound_heads()
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[_Alias]] = {}
        for entry, aliases, exact in _entries():
            for alias, via in aliases:
                table.setdefault(fold(alias), []).append(_Alias(entry, None, via))
            for alias in exact:
                # Demonyms stay case-insensitive in French ("russe"), exact elsewhere ("US").
                surface = None if entry.kind == "demonym" and not alias.isupper() else alias
                table.setdefault(fold(alias), []).append(_Alias(entry, surface))
        for key, values in table.items():
            self._automaton.add_word(key, (key, tuple(values)))
        self._automaton.make_automaton()

    def _compound(self, folded: str, hyphen: int) -> bool:
        word = re.match(r"\w+", folded[hyphen + 1 : hyphen + 20])
        return word is not None and word.group() in self._compound_heads

    def find(self, text: str, folded: str | None = None) -> list[Match]:
        """Non-overlapping matches, leftmost-longest, on word boundaries."""
        folded = fold(text) if folded is None else folded
        found: list[Match] = []
        for end_index, (key, aliases) in self._automaton.iter(folded):
            start = end_index - len(key) + 1
            end = end_index + 1
            if start > 0 and (folded[start - 1].isalnum() or folded[start - 1] == "-"):
                continue
            if end < len(folded) and (
                folded[end].isalnum() or (folded[end] == "-" and not self._compound(folded, end))
            ):
                continue
            for alias in aliases:
                if alias.surface is not None and text[start:end] != alias.surface:
                    continue
                found.append(Match(alias.entry, start, end, alias.via))
                break
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        chosen: list[Match] = []
        for match in found:
            if chosen and match.start < chosen[-1].end:
                continue
            chosen.append(match)
        return chosen


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()


@lru_cache(maxsize=1)
def generic_weapons() -> frozenset[str]:
    """Names of weapon classes (`generic: true`: "long-range weapons")."""
    return frozenset(item["name"] for item in load("gazetteer/weapons.yaml") if item.get("generic"))


def most_specific(weapons: Sequence[str]) -> tuple[str, ...]:
    """Named systems, when any, without the class ("long-range weapons" is the name we
    use only when the text names no system): ATACMS + long-range weapons -> ATACMS."""
    names = tuple(dict.fromkeys(weapons))
    named = tuple(w for w in names if w not in generic_weapons())
    return named or names
