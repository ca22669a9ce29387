"""The policy state computed from dated decisions: pure functions over plain data.

A *cell* is one supplying actor and one weapon column. Its state on a day comes from
the actor's authorizations and restrictions in force that day, scope by scope. At each
scope node the decision with the highest precedence key wins:

    (effective date, reviewed, date precision, weapon depth, scope depth)

- effective date: a later decision supersedes an earlier one. A decision known only to
  the month (or year) counts from the last day of that month (or year);
- reviewed: between decisions of the same effective date, one a person confirmed on
  the review desk wins over a machine-read one (rejected events never enter);
- date precision: at the same effective date, a day-precise decision wins over one
  known only to the month, which may have come earlier in that month;
- weapon depth: at the same date, a decision naming the weapon wins over one about its
  class (long-range weapons), which wins over one about all supplied weapons;
- scope depth: at the same date, a decision about Kursk wins over one about Russian
  territory, at Kursk.

A decision applies to its scope nodes and everything under them, so a narrower
authorization leaves a broader restriction in force outside its scope. Decisions of
equal key that disagree make the node `mixed`. Requests and warnings never change the
state; undated decisions cannot place a change in time and are left out (listed in the
cell's detail).
"""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from typing import Literal

from app.state.hierarchy import ScopeTree, WeaponColumns

Decided = Literal["authorized", "restricted", "mixed"]  # mixed: equal decisions disagree
Status = Literal["authorized", "restricted", "mixed", "unknown"]
DECISION_STATUS: dict[str, Decided] = {"authorization": "authorized", "restriction": "restricted"}
CONTEXT_TYPES = ("request", "warning")
PRECISION_RANK = {"year": 0, "month": 1, "day": 2}
# A month- or year-precise event is pending from its period's first day to its last.
LONGEST_PERIOD_DAYS = 366

Cell = tuple[str, str]  # (actor id, weapon column id)


# One int object per distinct day or rank, not two per event (12 MB at 200,000 events).
# Bounded by the calendar: a few values per day that has an event.
_ints: dict[int, int] = {}


def _shared(value: int) -> int:
    return _ints.setdefault(value, value)


@dataclass(frozen=True, slots=True)
class PolicyEvent:
    """What the state needs of an event. No weapons: arms in general; no places: the
    place is not stated. Slots, and `day` and `rank` computed once at creation (dated
    events only): an index holds one per event, and a per-instance dict grown by
    cached properties cost about 450 bytes each (100 MB at 200,000 events)."""

    id: str
    type: str
    actor: str
    weapons: tuple[str, ...]
    places: tuple[str, ...]
    date: dt.date | None
    precision: str | None
    basis: str
    # Set by the review desk (issue 8) once it exists; part of the precedence key.
    reviewed: bool = False
    # The effective date as an ordinal (the hot loops compare it), and (effective date,
    # reviewed, date precision) packed into one ordered integer: set for dated events.
    day: int = field(init=False, repr=False, compare=False)
    rank: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.dated:
            day = _shared(self.effective.toordinal())
            object.__setattr__(self, "day", day)
            rank = (day * 2 + self.reviewed) * 3 + PRECISION_RANK[self.precision_or_day]
            object.__setattr__(self, "rank", _shared(rank))

    @property
    def dated(self) -> bool:
        return self.date is not None and self.basis != "undated"

    @property
    def start(self) -> dt.date:
        """The first day the event may have happened on (dated events only)."""
        assert self.date is not None
        if self.precision == "year":
            return dt.date(self.date.year, 1, 1)
        if self.precision == "month":
            return self.date.replace(day=1)
        return self.date

    @property
    def effective(self) -> dt.date:
        """The day it counts from: the last day it may have happened on."""
        assert self.date is not None
        if self.precision == "year":
            return dt.date(self.date.year, 12, 31)
        if self.precision == "month":
            following = dt.date(self.date.year + self.date.month // 12, self.date.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return self.date

    @property
    def precision_or_day(self) -> str:
        return self.precision if self.precision in PRECISION_RANK else "day"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled for the workers of a server (app/web/state_service.py). The __setstate__
        # dataclasses writes for frozen slotted classes calls fields() for every object:
        # about 70% of unpickling a list of changes.
        fields = self.id, self.type, self.actor, self.weapons, self.places, self.date
        return PolicyEvent, (*fields, self.precision, self.basis, self.reviewed)


@dataclass(frozen=True, slots=True)
class ScopeState:
    """The decisions that win at one scope node (several when of equal precedence).
    Built when a state is shown, not kept in the index: one per decision and scope held
    29 MB at 200,000 events, and stepping back through a cell's history needs only the
    statuses (`_Decisions.codes`)."""

    scope: str
    status: Decided
    events: tuple[PolicyEvent, ...]

    def __reduce__(self) -> tuple[object, ...]:
        return ScopeState, (self.scope, self.status, self.events)  # as PolicyEvent's


@dataclass(frozen=True)
class CellState:
    actor: str
    weapon: str
    status: Status
    scopes: tuple[ScopeState, ...]
    since: dt.date | None = None  # the day the cell took this state
    since_precision: str | None = None
    # A decision known only to the month (or year) of the day may already apply.
    uncertain: bool = False

    @property
    def event_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for scope in self.scopes:
            for event in scope.events:
                seen[event.id] = None
        return tuple(seen)


@dataclass(frozen=True)
class Change:
    """A cell whose state differs on `day` from the day before."""

    day: dt.date
    precision: str  # the coarsest precision of the decisions that made it
    before: CellState
    after: CellState
    events: tuple[PolicyEvent, ...]  # the decisions counting from `day` that made it


@dataclass(frozen=True)
class EventEffect:
    changed: tuple[Change, ...]  # cells the decision changed
    # Cells it decides without changing them: it confirmed what they already said.
    confirmed: tuple[CellState, ...]


@dataclass(frozen=True)
class CellDetail:
    state: CellState
    superseded: tuple[PolicyEvent, ...]  # decisions in the past no longer deciding, newest first
    pending: tuple[PolicyEvent, ...]  # known only to a period containing the day
    undated: tuple[PolicyEvent, ...]  # decisions that cannot be placed in time
    requests: tuple[PolicyEvent, ...]  # context, newest first
    warnings: tuple[PolicyEvent, ...]


# Depths are packed under the rank: weapon depth (0-2) * 8 + scope depth (0-7).
TAIL = 32
MAX_SCOPE_DEPTH = 7


class _Decisions:
    """One actor's dated decisions about one weapon column at one scope node, in
    precedence order, with the status of the winning verdict at each position."""

    __slots__ = ("coarse", "codes", "days", "events", "ranks", "scope")

    def __init__(self, scope: str, events: Iterable[PolicyEvent]) -> None:
        ranked = sorted(events, key=lambda e: (e.rank, e.id))
        self.scope = scope
        self.events = ranked
        self.coarse = [e for e in ranked if e.precision_or_day != "day"]
        self.ranks: list[int] = [e.rank for e in ranked]
        self.days: list[int] = [e.day for e in ranked]
        # The verdict's status when position i is the top (an index into STATUS_CODES):
        # the decisions of i's rank up to i agree, or they are mixed. A byte each.
        self.codes = bytearray()
        start = 0
        for i, rank in enumerate(self.ranks):
            if rank != self.ranks[start]:
                start = i
            self.codes.append(_code(ranked[start : i + 1]))

    def run(self, i: int) -> list[PolicyEvent]:
        """The decisions that win when position i is the top: those of its rank up to i."""
        start = i
        while start and self.ranks[start - 1] == self.ranks[i]:
            start -= 1
        return self.events[start : i + 1]

    def verdict(self, i: int) -> ScopeState:
        return ScopeState(self.scope, STATUS_CODES[self.codes[i]], tuple(self.run(i)))


STATUS_CODES: tuple[Decided, ...] = ("authorized", "restricted", "mixed")
NOTHING = len(STATUS_CODES)  # the code of a node where nothing is in force


def _code(events: list[PolicyEvent]) -> int:
    statuses = {DECISION_STATUS[e.type] for e in events}
    return STATUS_CODES.index(statuses.pop() if len(statuses) == 1 else "mixed")


def summarize(statuses: Iterable[Decided]) -> Status:
    found: Status = "unknown"
    for status in statuses:
        if found == "unknown":
            found = status
        elif status != found:
            return "mixed"
    return found


Winners = list[ScopeState | None]  # the verdict at each of a plan's nodes
Pick = tuple[int, int] | None  # the winner at a node: (position in actor_lists, index)


class _Plan:
    """Everything one cell's state depends on, gathered once per index. Nodes are the
    scopes its decisions name; `winners` lists the verdict at each, in `nodes` order."""

    def __init__(
        self,
        cell: Cell,
        lists: dict[tuple[str, str], int],
        actor_lists: tuple[_Decisions, ...],
        scopes: ScopeTree,
        lineage: tuple[tuple[str, int], ...],
    ) -> None:
        self.cell = cell
        self.actor_lists = actor_lists
        named = {scope for (_, scope) in lists}
        self.nodes = tuple(sorted(named, key=lambda s: (scopes.depth(s), scopes.sort_key(s))))
        at = {node: i for i, node in enumerate(self.nodes)}
        self.positions = tuple(sorted(set(lists.values())))  # in actor_lists
        # Per node: (position in actor_lists, weapon depth * 8 + scope depth) of each
        # list whose decisions reach it.
        self.candidates: list[tuple[tuple[int, int], ...]] = []
        parents: list[int] = []  # the nearest named ancestor of each node, or -1
        for node in self.nodes:
            chain = scopes.lineage(node)
            parents.append(next((at[s] for s in chain[1:] if s in named), -1))
            self.candidates.append(
                tuple(
                    (lists[(weapon, scope)], weapon_depth * 8 + min(depth, MAX_SCOPE_DEPTH))
                    for depth, scope in enumerate(reversed(chain))
                    for weapon, weapon_depth in lineage
                    if (weapon, scope) in lists
                )
            )
        self.list_nodes: dict[int, list[int]] = defaultdict(list)
        for i, candidates in enumerate(self.candidates):
            for position, _ in candidates:
                self.list_nodes[position].append(i)
        # Display order: the scope data's order, "place not stated" last.
        self.display = tuple(
            (at[node], parents[at[node]])
            for node in sorted(named, key=lambda s: (s == scopes.unstated, scopes.sort_key(s)))
        )
        self.days = sorted({day for p in self.positions for day in actor_lists[p].days})
        self._on_day: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        coarse = {e.id: e for p in self.positions for e in actor_lists[p].coarse}
        self.coarse = sorted(coarse.values(), key=lambda e: (e.start, e.id))
        self.coarse_starts = [e.start.toordinal() for e in self.coarse]
        # The latest effective day among the coarse decisions begun by each position.
        self.coarse_reach = list(accumulate((e.day for e in self.coarse), max))

    @cached_property
    def events(self) -> tuple[PolicyEvent, ...]:
        """Every dated decision reaching the cell, in precedence order (for its detail)."""
        found = {e.id: e for p in self.positions for e in self.actor_lists[p].events}
        return tuple(sorted(found.values(), key=lambda e: (e.rank, e.id)))

    def on_day(self, day: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The lists with a decision counting from `day`, and the nodes they reach
        (memoized: the step back asks for the same days again and again)."""
        found = self._on_day.get(day)
        if found is None:
            lists = tuple(p for p in self.positions if _has(self.actor_lists[p].days, day))
            nodes = tuple(sorted({i for p in lists for i in self.list_nodes[p]}))
            found = self._on_day[day] = (lists, nodes)
        return found

    def tops(self, day: int) -> list[int]:
        """Per list of the actor, the index of its top decision on `day` (-1: none);
        only this cell's lists are looked up."""
        found = [-1] * len(self.actor_lists)
        for p in self.positions:
            found[p] = bisect_right(self.actor_lists[p].days, day) - 1
        return found

    def pick(self, nodes: Iterable[int], tops: list[int], out: list[Pick]) -> None:
        """Fill `out[i]` with the winner at each node i, given the lists' tops."""
        lists, candidates = self.actor_lists, self.candidates
        for node in nodes:
            best_rank, best = -1, None
            for at, tail in candidates[node]:
                i = tops[at]
                if i >= 0:
                    rank = lists[at].ranks[i] * TAIL + tail
                    if rank > best_rank:
                        best_rank, best = rank, (at, i)
            out[node] = best

    def picks(self, day: int, tops: list[int] | None = None) -> list[Pick]:
        """The winner at each node on `day` (None: nothing in force). `tops` may come
        from `StateIndex._actor_tops` when many cells are evaluated."""
        out: list[Pick] = [None] * len(self.nodes)
        self.pick(range(len(self.nodes)), self.tops(day) if tops is None else tops, out)
        return out

    def code(self, pick: Pick) -> int:
        return NOTHING if pick is None else self.actor_lists[pick[0]].codes[pick[1]]

    def signature(self, day: int) -> tuple[int, ...]:
        """The status at each node on `day`: what tells a change apart."""
        return tuple(self.code(p) for p in self.picks(day))

    def winners(self, day: int, tops: list[int] | None = None) -> Winners:
        """The winning verdict at each node on `day` (None: nothing in force)."""
        lists = self.actor_lists
        return [None if p is None else lists[p[0]].verdict(p[1]) for p in self.picks(day, tops)]

    def since(self, day: int, tops: list[int]) -> tuple[int, str]:
        """The first day of the run of days ending on `day` with the same status at every
        node, and the coarsest precision of the decisions that began it. Steps back one
        decision day at a time, re-evaluating only the nodes those decisions reach, by
        their statuses alone."""
        at = bisect_right(self.days, day) - 1
        tops, lists = list(tops), self.actor_lists
        picks = self.picks(day, tops)
        while True:
            current = self.days[at]
            moved, reached = self.on_day(current)
            if at == 0:
                break
            for list_at in moved:
                tops[list_at] = bisect_left(lists[list_at].days, current) - 1
            earlier = list(picks)
            self.pick(reached, tops, earlier)
            if any(self.code(earlier[i]) != self.code(picks[i]) for i in reached):
                break
            picks, at = earlier, at - 1
        began = (
            e
            for i in reached
            if (won := picks[i]) is not None
            for e in lists[won[0]].run(won[1])
            if e.day == current
        )
        return current, _coarsest(began)

    def is_uncertain(self, day: int) -> bool:
        """Whether a month- or year-precise decision's period contains the day."""
        last = bisect_right(self.coarse_starts, day) - 1
        return last >= 0 and self.coarse_reach[last] >= day

    def uncertain(self, day: int) -> tuple[PolicyEvent, ...]:
        """The month- or year-precise decisions whose period contains the day."""
        end = bisect_right(self.coarse_starts, day)
        begin = bisect_left(self.coarse_starts, day - LONGEST_PERIOD_DAYS)
        return tuple(e for e in self.coarse[begin:end] if e.day >= day)


@dataclass(frozen=True)
class StateRow:
    actor: str
    cells: tuple[CellState, ...]


@dataclass(frozen=True)
class StateView:
    day: dt.date
    columns: tuple[str, ...]
    rows: tuple[StateRow, ...]


class StateIndex:
    """The decisions of every supplying actor, indexed for "as of" queries.

    Immutable once built: memoize one per data version (app/state/load.py).
    """

    def __init__(
        self, events: Iterable[PolicyEvent], *, scopes: ScopeTree, weapons: WeaponColumns
    ) -> None:
        self.scopes, self.weapons = scopes, weapons
        self.events = {e.id: e for e in events}
        decisions = [
            e
            for e in self.events.values()
            if e.type in DECISION_STATUS and e.actor not in weapons.not_suppliers
        ]
        self.actors = tuple(sorted({e.actor for e in decisions}))
        self._undated_count = sum(1 for e in decisions if not e.dated)
        seen = {w for e in self.events.values() for w in e.weapons if w != weapons.all_id}
        classes = sorted(w for w in seen if weapons.is_class(w))
        self.columns = (weapons.all_id, *classes, *sorted(seen - set(classes)))

        # actor -> (weapon column, scope) -> dated decisions; undated ones apart.
        placed: dict[str, dict[tuple[str, str], list[PolicyEvent]]] = defaultdict(
            lambda: defaultdict(list)
        )
        undated: dict[tuple[str, str], list[PolicyEvent]] = defaultdict(list)
        for e in decisions:
            for column in e.weapons or (weapons.all_id,):
                if not e.dated:
                    undated[(e.actor, column)].append(e)
                    continue
                for scope in e.places or (scopes.unstated,):
                    placed[e.actor][(column, scope)].append(e)
        context: dict[str, list[PolicyEvent]] = defaultdict(list)
        for e in self.events.values():
            if e.type in CONTEXT_TYPES and e.dated:
                for column in e.weapons or (weapons.all_id,):
                    context[column].append(e)
        self._context = {
            column: sorted(found, key=lambda e: (e.effective, e.id))
            for column, found in context.items()
        }
        self._context_days = {
            column: [e.day for e in found]  # the effective day (context events are dated)
            for column, found in self._context.items()
        }

        self._plans: dict[Cell, _Plan] = {}
        self._undated: dict[Cell, tuple[PolicyEvent, ...]] = {}
        days_cells: dict[int, list[Cell]] = defaultdict(list)
        self._actor_lists: dict[str, tuple[_Decisions, ...]] = {}
        for actor in self.actors:
            keys = list(placed[actor])
            actor_lists = tuple(_Decisions(key[1], placed[actor][key]) for key in keys)
            self._actor_lists[actor] = actor_lists
            for column in self.columns:
                lineage = weapons.lineage(column)
                reach = {weapon for weapon, _ in lineage}
                mine = {key: at for at, key in enumerate(keys) if key[0] in reach}
                plan = _Plan((actor, column), mine, actor_lists, scopes, lineage)
                self._plans[(actor, column)] = plan
                for day in plan.days:
                    days_cells[day].append(plan.cell)  # one tuple shared, not one per day
                self._undated[(actor, column)] = tuple(
                    e for weapon, _ in lineage for e in undated.get((actor, weapon), ())
                )
        self._days_cells = dict(days_cells)
        self._days = sorted(days_cells)

    # --- one cell ----------------------------------------------------------------------

    def cell(
        self, actor: str, weapon: str, day: dt.date, *, tops: list[int] | None = None
    ) -> CellState:
        plan = self._plans.get((actor, weapon))
        if plan is None:
            return CellState(actor, weapon, "unknown", ())
        ordinal = day.toordinal()
        if tops is None:
            tops = plan.tops(ordinal)
        return self._state(plan, ordinal, plan.winners(ordinal, tops), since_from=tops)

    def detail(
        self, actor: str, weapon: str, day: dt.date, *, context_limit: int = 5
    ) -> CellDetail:
        state = self.cell(actor, weapon, day)
        plan = self._plans.get((actor, weapon))
        ordinal = day.toordinal()
        deciding = set(state.event_ids)
        superseded = (
            ()
            if plan is None
            else tuple(
                e for e in reversed(plan.events) if e.day <= ordinal and e.id not in deciding
            )
        )
        pending = () if plan is None else plan.uncertain(ordinal)
        lineage = [column for column, _ in self.weapons.lineage(weapon)]
        return CellDetail(
            state=state,
            superseded=superseded,
            pending=pending,
            undated=self._undated.get((actor, weapon), ()),
            requests=self._context_before(lineage, ordinal, "request", context_limit),
            warnings=self._context_before(lineage, ordinal, "warning", context_limit),
        )

    def history(self, actor: str, weapon: str) -> tuple[CellState, ...]:
        """Every state the cell took, oldest first (each with its `since`)."""
        plan = self._plans.get((actor, weapon))
        if plan is None:
            return ()
        states: list[CellState] = []
        previous: tuple[int, ...] = ()
        for day in plan.days:
            signature = plan.signature(day)
            if signature != previous:
                states.append(self._state(plan, day, plan.winners(day), since_day=day))
                previous = signature
        return tuple(states)

    # --- the matrix --------------------------------------------------------------------

    def state(
        self,
        day: dt.date,
        *,
        actors: Iterable[str] = (),
        weapons: Iterable[str] = (),
    ) -> StateView:
        rows, columns = self._view(actors, weapons)
        return StateView(
            day=day,
            columns=columns,
            rows=tuple(
                StateRow(actor, tuple(self.cell(actor, w, day, tops=tops) for w in columns))
                for actor in rows
                # One lookup per list of the actor, shared by its cells.
                for tops in [self._actor_tops(actor, day.toordinal())]
            ),
        )

    def _actor_tops(self, actor: str, day: int) -> list[int]:
        return [bisect_right(d.days, day) - 1 for d in self._actor_lists.get(actor, ())]

    def changes(
        self,
        start: dt.date,
        end: dt.date,
        *,
        actors: Iterable[str] = (),
        weapons: Iterable[str] = (),
        limit: int | None = None,
        newest_first: bool = False,
    ) -> tuple[tuple[Change, ...], bool]:
        """The changes counting from days `start` to `end` (inclusive): each compares
        the cell with the day before. Returns (changes, truncated at `limit`)."""
        rows, columns = self._view(actors, weapons)
        lo = bisect_left(self._days, start.toordinal())
        hi = bisect_right(self._days, end.toordinal())
        days = self._days[lo:hi]
        found: list[Change] = []
        for day in reversed(days) if newest_first else days:
            for change in self._changes_on(day, set(rows), set(columns)):
                if limit is not None and len(found) == limit:
                    return tuple(found), True
                found.append(change)
        return tuple(found), False

    def previous_change(
        self, day: dt.date, *, actors: Iterable[str] = (), weapons: Iterable[str] = ()
    ) -> dt.date | None:
        """The last day before `day` on which a cell of the view changed."""
        rows, columns = self._view(actors, weapons)
        at = bisect_left(self._days, day.toordinal())
        return self._first_change(reversed(self._days[:at]), set(rows), set(columns))

    def next_change(
        self, day: dt.date, *, actors: Iterable[str] = (), weapons: Iterable[str] = ()
    ) -> dt.date | None:
        """The first day after `day` on which a cell of the view changed."""
        rows, columns = self._view(actors, weapons)
        at = bisect_right(self._days, day.toordinal())
        return self._first_change(iter(self._days[at:]), set(rows), set(columns))

    def event(self, event_id: str) -> PolicyEvent | None:
        return self.events.get(event_id)

    def effect_of(self, event_id: str) -> "EventEffect":
        """What a decision does to the cells it reaches, on the day it counts from."""
        event = self.event(event_id)
        if event is None or event.type not in DECISION_STATUS or not event.dated:
            return EventEffect((), ())
        day = event.effective.toordinal()
        named = set(event.weapons or (self.weapons.all_id,))
        changed, in_force = [], []
        for column in self.columns:
            plan = self._plans.get((event.actor, column))
            if plan is None or not named & {w for w, _ in self.weapons.lineage(column)}:
                continue
            change = self._change(plan, day)
            if change and event in change.events:
                changed.append(change)
            elif event.id in (state := self.cell(event.actor, column, event.effective)).event_ids:
                in_force.append(state)
        return EventEffect(tuple(changed), tuple(in_force))

    def undated_count(self) -> int:
        """Decisions by suppliers that cannot be placed in time (counted once, at build)."""
        return self._undated_count

    # --- internals ---------------------------------------------------------------------

    def _view(
        self, actors: Iterable[str], weapons: Iterable[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rows and columns a filter keeps (no filter: all), in display order."""
        wanted_actors, wanted_weapons = set(actors), set(weapons)
        rows = tuple(a for a in self.actors if not wanted_actors or a in wanted_actors)
        columns = tuple(w for w in self.columns if not wanted_weapons or w in wanted_weapons)
        return rows, columns

    def _state(
        self,
        plan: _Plan,
        day: int,
        winners: Winners,
        *,
        since_from: list[int] | None = None,
        since_day: int | None = None,
    ) -> CellState:
        """The cell's state from its winners. `since_day` when known (a change on that
        day), else found by stepping back from `day` with the lists' tops `since_from`."""
        scopes = self._listed(plan, winners)
        precision = None
        if since_day is not None:
            precision = _coarsest(_counting_from(winners, since_day))
        elif since_from is not None and scopes:
            since_day, precision = plan.since(day, since_from)
        return CellState(
            actor=plan.cell[0],
            weapon=plan.cell[1],
            status=summarize(s.status for s in scopes),
            scopes=scopes,
            since=dt.date.fromordinal(since_day) if since_day is not None else None,
            since_precision=precision,
            uncertain=plan.is_uncertain(day),
        )

    @staticmethod
    def _listed(plan: _Plan, winners: Winners) -> tuple[ScopeState, ...]:
        """The scopes worth showing: each with a verdict of its own (not its parent's)."""
        listed = []
        for node, parent in plan.display:
            verdict = winners[node]
            inherited = winners[parent] if parent >= 0 else None
            # The same decisions as the parent's (an event naming both places, or the
            # parent's own verdict reaching down): nothing of its own to show.
            if verdict is None or (inherited is not None and inherited.events == verdict.events):
                continue
            listed.append(verdict)
        return tuple(listed)

    def _change(self, plan: _Plan, day: int) -> Change | None:
        if plan.signature(day - 1) == plan.signature(day):
            return None
        before, after = plan.winners(day - 1), plan.winners(day)
        events = _counting_from(after, day)
        return Change(
            day=dt.date.fromordinal(day),
            precision=_coarsest(events),
            before=self._state(plan, day - 1, before),
            after=self._state(plan, day, after, since_day=day),
            events=events,
        )

    def _changes_on(self, day: int, rows: set[str], columns: set[str]) -> Iterator[Change]:
        for actor, weapon in self._days_cells[day]:
            if actor in rows and weapon in columns:
                change = self._change(self._plans[(actor, weapon)], day)
                if change is not None:
                    yield change

    def _first_change(
        self, days: Iterable[int], rows: set[str], columns: set[str]
    ) -> dt.date | None:
        for day in days:
            for actor, weapon in self._days_cells[day]:
                if actor in rows and weapon in columns:
                    plan = self._plans[(actor, weapon)]
                    if plan.signature(day - 1) != plan.signature(day):
                        return dt.date.fromordinal(day)
        return None

    def _context_before(
        self, columns: list[str], day: int, kind: str, limit: int
    ) -> tuple[PolicyEvent, ...]:
        """The newest requests or warnings about these columns known by `day`."""
        found: dict[str, PolicyEvent] = {}
        for column in columns:
            events = self._context.get(column, [])
            taken = 0
            for at in range(bisect_right(self._context_days.get(column, []), day) - 1, -1, -1):
                if taken == limit:
                    break
                if events[at].type == kind:
                    found[events[at].id] = events[at]
                    taken += 1
        newest = sorted(found.values(), key=lambda e: (e.effective, e.id), reverse=True)
        return tuple(newest[:limit])


def _has(days: list[int], day: int) -> bool:
    at = bisect_left(days, day)
    return at < len(days) and days[at] == day


def _counting_from(winners: Winners, day: int) -> tuple[PolicyEvent, ...]:
    """The deciding events that count from `day`: the ones that made that day's change."""
    found: dict[str, PolicyEvent] = {}
    for verdict in winners:
        for event in verdict.events if verdict else ():
            if event.day == day:
                found[event.id] = event
    return tuple(found.values())


def _coarsest(events: Iterable[PolicyEvent]) -> str:
    ranks = [PRECISION_RANK[e.precision_or_day] for e in events]
    return {v: k for k, v in PRECISION_RANK.items()}[min(ranks)] if ranks else "day"
