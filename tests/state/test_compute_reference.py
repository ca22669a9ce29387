"""The indexed computation agrees with a direct reading of the rules on random events.

`reference_cell` applies the rules of app/state/compute.py literally (every decision
compared with every other, day by day), without the index's lists, tops and step-back
search, so the two can only agree if the fast path implements the same rules.
"""

import datetime as dt
import random

import pytest

from app.state.compute import DECISION_STATUS, PRECISION_RANK, PolicyEvent, StateIndex
from app.state.hierarchy import scope_tree, weapon_columns

ACTORS = ("united-states", "germany", "ukraine")
WEAPONS = ("atacms", "himars", "long-range-weapons", "taurus")
PLACES = ("russian-territory", "kursk", "kharkiv", "crimea", "moscow")
START = dt.date(2024, 1, 1)


def random_events(rnd: random.Random, count: int) -> list[PolicyEvent]:
    events = []
    for i in range(count):
        precision = rnd.choices(("day", "month", "year"), weights=(80, 15, 5))[0]
        date: dt.date | None = START + dt.timedelta(days=rnd.randrange(90))
        if rnd.random() < 0.05:
            date = None
        elif precision == "month":
            date = date.replace(day=1)  # type: ignore[union-attr]
        elif precision == "year":
            date = date.replace(month=1, day=1)  # type: ignore[union-attr]
        events.append(
            PolicyEvent(
                id=f"r{i:03d}",
                type=rnd.choices(
                    ("authorization", "restriction", "request", "warning"), weights=(4, 4, 1, 1)
                )[0],
                actor=rnd.choice(ACTORS),
                weapons=tuple(sorted(set(rnd.sample(WEAPONS, rnd.choice((0, 1, 1, 2)))))),
                places=tuple(sorted(set(rnd.sample(PLACES, rnd.choice((0, 1, 1, 2)))))),
                date=date,
                precision=precision if date else None,
                basis="text" if date else "undated",
                reviewed=rnd.random() < 0.1,
            )
        )
    return events


def reference_cell(
    events: list[PolicyEvent], actor: str, weapon: str, on: dt.date
) -> tuple[str, list[tuple[str, str, list[str]]], dt.date | None, str | None, bool]:
    """(status, [(scope, status, event ids)], since, since precision, uncertain)."""
    tree, columns = scope_tree(), weapon_columns()
    depth_of = dict(columns.lineage(weapon))
    reaching = [
        e
        for e in events
        if e.actor == actor
        and e.type in DECISION_STATUS
        and e.dated
        and any(w in depth_of for w in e.weapons or (columns.all_id,))
    ]

    def scopes_of(e: PolicyEvent) -> tuple[str, ...]:
        return e.places or (tree.unstated,)

    def key(e: PolicyEvent, node: str) -> tuple[object, ...] | None:
        lineage = tree.lineage(node)
        depths = [len(lineage) - 1 - lineage.index(s) for s in scopes_of(e) if s in lineage]
        if not depths:
            return None
        weapon_depth = max(depth_of[w] for w in e.weapons or (columns.all_id,) if w in depth_of)
        rank = PRECISION_RANK[e.precision_or_day]
        return (e.effective, e.reviewed, rank, weapon_depth, max(depths))

    def verdicts(day: dt.date) -> dict[str, tuple[str, tuple[str, ...]]]:
        in_force = [e for e in reaching if e.effective <= day]
        nodes = {s for e in in_force for s in scopes_of(e)}
        out = {}
        for node in nodes:
            keyed = [(k, e) for e in in_force if (k := key(e, node)) is not None]
            best = max(k for k, _ in keyed)
            group = sorted((e for k, e in keyed if k == best), key=lambda e: e.id)
            statuses = {DECISION_STATUS[e.type] for e in group}
            status = statuses.pop() if len(statuses) == 1 else "mixed"
            out[node] = (status, tuple(e.id for e in group))
        return out

    def statuses(day: dt.date) -> dict[str, str]:
        found = verdicts(day)
        every = {s for e in reaching for s in scopes_of(e)}
        result = {}
        for node in every:
            named = next((s for s in tree.lineage(node) if s in found), None)
            if named is not None:
                result[node] = found[named][0]
        return result

    found = verdicts(on)
    listed = []
    for node in sorted(found, key=lambda s: (s == tree.unstated, tree.sort_key(s))):
        parent = next((s for s in tree.lineage(node)[1:] if s in found), None)
        if parent is None or found[parent][1] != found[node][1]:
            listed.append((node, found[node][0], list(found[node][1])))
    states = {s for _, s, _ in listed}
    status = "unknown" if not states else states.pop() if len(states) == 1 else "mixed"
    since = precision = None
    if listed:
        days = sorted({e.effective for e in reaching if e.effective <= on})
        now = statuses(on)
        at = len(days) - 1
        while at > 0 and statuses(days[at - 1]) == now:
            at -= 1
        since = days[at]
        deciding = {i for _, ids in verdicts(since).values() for i in ids}
        ranks = [
            PRECISION_RANK[e.precision_or_day]
            for e in reaching
            if e.id in deciding and e.effective == since
        ]
        precision = {v: k for k, v in PRECISION_RANK.items()}[min(ranks)]
    uncertain = any(e.start <= on <= e.effective for e in reaching if e.precision != "day")
    return status, listed, since, precision, uncertain


@pytest.mark.parametrize("seed", range(6))
def test_the_index_agrees_with_the_rules_read_directly(seed: int) -> None:
    rnd = random.Random(seed)
    events = random_events(rnd, 120)
    state = StateIndex(events, scopes=scope_tree(), weapons=weapon_columns())
    for _ in range(25):
        on = START + dt.timedelta(days=rnd.randrange(-10, 380 if rnd.random() < 0.2 else 100))
        for actor in state.actors:
            for weapon in state.columns:
                cell = state.cell(actor, weapon, on)
                got = (
                    cell.status,
                    [(s.scope, s.status, sorted(e.id for e in s.events)) for s in cell.scopes],
                    cell.since,
                    cell.since_precision,
                    cell.uncertain,
                )
                assert got == reference_cell(events, actor, weapon, on), (actor, weapon, on)
