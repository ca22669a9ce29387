"""The precedence rules of the policy state, each on sample events of our own."""

import datetime as dt

from app.state.compute import CellState, EventEffect, PolicyEvent, StateIndex
from app.state.hierarchy import scope_tree, weapon_columns

US = "united-states"
ALL = "all-supplied-weapons"
LONG = "long-range-weapons"
RU = "russian-territory"
UNSTATED = "place-not-stated"


EffectNone = EventEffect((), ())


def ev(
    id: str,
    type: str,
    date: str | None,
    *,
    actor: str = US,
    weapons: tuple[str, ...] = (),
    places: tuple[str, ...] = (RU,),
    precision: str = "day",
    reviewed: bool = False,
) -> PolicyEvent:
    return PolicyEvent(
        id=id,
        type=type,
        actor=actor,
        weapons=weapons,
        places=places,
        date=dt.date.fromisoformat(date) if date else None,
        precision=precision if date else None,
        basis="text" if date else "undated",
        reviewed=reviewed,
    )


def index(*events: PolicyEvent) -> StateIndex:
    return StateIndex(events, scopes=scope_tree(), weapons=weapon_columns())


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def scopes(cell: CellState) -> list[tuple[str, str, list[str]]]:
    return [(s.scope, s.status, [e.id for e in s.events]) for s in cell.scopes]


# --- a later decision supersedes an earlier one with the same scope ---------------------


def test_a_later_decision_supersedes_an_earlier_one_with_the_same_scope() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("allow", "authorization", "2024-05-30"),
    )
    before = state.cell(US, ALL, day("2024-03-01"))
    after = state.cell(US, ALL, day("2024-06-01"))
    assert (before.status, scopes(before)) == ("restricted", [(RU, "restricted", ["ban"])])
    assert (after.status, scopes(after)) == ("authorized", [(RU, "authorized", ["allow"])])
    assert (after.since, after.since_precision) == (day("2024-05-30"), "day")


def test_a_decision_counts_from_its_own_day() -> None:
    state = index(ev("allow", "authorization", "2024-05-30"))
    assert state.cell(US, ALL, day("2024-05-29")).status == "unknown"
    assert state.cell(US, ALL, day("2024-05-30")).status == "authorized"


def test_a_later_broader_decision_covers_the_narrower_scopes_inside_it() -> None:
    state = index(
        ev("kursk", "authorization", "2024-11-18", places=("kursk",)),
        ev("ban", "restriction", "2024-12-10"),
    )
    cell = state.cell(US, ALL, day("2024-12-31"))
    assert (cell.status, scopes(cell)) == ("restricted", [(RU, "restricted", ["ban"])])


# --- a narrower authorization does not lift a broader restriction outside its scope ------


def test_a_narrower_authorization_leaves_the_broader_restriction_elsewhere() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("kharkiv", "authorization", "2024-05-30", places=("kharkiv",)),
        ev("kursk", "authorization", "2024-11-18", places=("kursk",)),
    )
    cell = state.cell(US, ALL, day("2024-12-01"))
    assert cell.status == "mixed"
    assert scopes(cell) == [
        (RU, "restricted", ["ban"]),
        ("kharkiv", "authorized", ["kharkiv"]),
        ("kursk", "authorized", ["kursk"]),
    ]
    assert cell.event_ids == ("ban", "kharkiv", "kursk")


def test_on_the_same_day_the_narrower_scope_wins_inside_itself() -> None:
    state = index(
        ev("kursk", "authorization", "2024-11-18", places=("kursk",)),
        ev("ban", "restriction", "2024-11-18"),
    )
    cell = state.cell(US, ALL, day("2024-11-18"))
    assert scopes(cell) == [(RU, "restricted", ["ban"]), ("kursk", "authorized", ["kursk"])]


def test_crimea_is_not_russian_territory() -> None:
    state = index(
        ev("russia", "authorization", "2024-05-30"),
        ev("crimea", "restriction", "2024-06-10", places=("crimea",)),
    )
    cell = state.cell(US, ALL, day("2024-07-01"))
    assert scopes(cell) == [(RU, "authorized", ["russia"]), ("crimea", "restricted", ["crimea"])]


def test_a_decision_naming_no_place_is_its_own_scope() -> None:
    state = index(
        ev("vague", "authorization", "2022-05-27", places=()),
        ev("ban", "restriction", "2022-12-06"),
    )
    cell = state.cell(US, ALL, day("2023-01-01"))
    assert cell.status == "mixed"
    assert scopes(cell) == [(RU, "restricted", ["ban"]), (UNSTATED, "authorized", ["vague"])]


# --- "all supplied weapons" applies to a named weapon unless it has its own later decision


def test_a_statement_about_all_weapons_applies_to_each_named_weapon() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("mention", "request", "2024-01-11", actor="ukraine", weapons=("atacms", "himars")),
    )
    for weapon in (ALL, "atacms", "himars"):
        cell = state.cell(US, weapon, day("2024-02-01"))
        assert scopes(cell) == [(RU, "restricted", ["ban"])], weapon


def test_a_named_weapon_with_its_own_later_decision_departs_from_all_weapons() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("atacms", "authorization", "2024-03-01", weapons=("atacms",)),
        ev("himars", "request", "2024-03-02", actor="ukraine", weapons=("himars",)),
    )
    on = day("2024-04-01")
    assert state.cell(US, "atacms", on).status == "authorized"
    assert state.cell(US, "himars", on).status == "restricted"
    assert state.cell(US, ALL, on).status == "restricted"


def test_a_later_statement_about_all_weapons_overrides_an_earlier_named_decision() -> None:
    state = index(
        ev("atacms", "authorization", "2024-01-10", weapons=("atacms",)),
        ev("ban", "restriction", "2024-03-01"),
    )
    assert scopes(state.cell(US, "atacms", day("2024-04-01"))) == [(RU, "restricted", ["ban"])]


def test_on_the_same_day_the_named_weapon_wins_over_all_weapons() -> None:
    state = index(
        ev("ban", "restriction", "2024-03-01"),
        ev("atacms", "authorization", "2024-03-01", weapons=("atacms",)),
    )
    assert scopes(state.cell(US, "atacms", day("2024-03-01"))) == [(RU, "authorized", ["atacms"])]


def test_a_decision_about_long_range_weapons_applies_to_its_members_only() -> None:
    state = index(
        ev("long", "restriction", "2024-05-25", weapons=(LONG,)),
        ev("seen", "request", "2024-05-26", actor="ukraine", weapons=("atacms", "himars")),
    )
    on = day("2024-06-01")
    assert state.columns == (ALL, LONG, "atacms", "himars")
    assert scopes(state.cell(US, "atacms", on)) == [(RU, "restricted", ["long"])]
    assert state.cell(US, "himars", on).status == "unknown"
    assert state.cell(US, ALL, on).status == "unknown"


# --- an event known only to the month counts from the month's end -------------------------


def test_a_month_precise_decision_counts_from_the_last_day_of_its_month() -> None:
    state = index(ev("may", "authorization", "2024-05-01", precision="month"))
    mid = state.cell(US, ALL, day("2024-05-15"))
    end = state.cell(US, ALL, day("2024-05-31"))
    after = state.cell(US, ALL, day("2024-06-01"))
    assert (mid.status, mid.uncertain) == ("unknown", True)
    assert (end.status, end.uncertain, end.since, end.since_precision) == (
        "authorized",
        True,
        day("2024-05-31"),
        "month",
    )
    assert (after.status, after.uncertain) == ("authorized", False)


def test_inside_its_month_the_pending_decision_is_listed_in_the_detail() -> None:
    may = ev("may", "authorization", "2024-05-01", precision="month")
    detail = index(may).detail(US, ALL, day("2024-05-15"))
    assert detail.pending == (may,)
    assert index(may).detail(US, ALL, day("2024-04-30")).pending == ()


def test_a_year_precise_decision_counts_from_the_last_day_of_its_year() -> None:
    state = index(ev("year", "restriction", "2023-01-01", precision="year"))
    assert state.cell(US, ALL, day("2023-12-30")).status == "unknown"
    assert state.cell(US, ALL, day("2023-12-31")).status == "restricted"


def test_a_day_precise_decision_wins_over_one_known_only_to_that_month() -> None:
    state = index(
        ev("may", "authorization", "2024-05-01", precision="month"),
        ev("last-day", "restriction", "2024-05-31"),
    )
    assert scopes(state.cell(US, ALL, day("2024-06-10"))) == [(RU, "restricted", ["last-day"])]


# --- reviewed events win (the flag the review desk will set) ------------------------------


def test_equal_decisions_that_disagree_make_the_scope_mixed() -> None:
    state = index(
        ev("yes", "authorization", "2024-05-30"),
        ev("no", "restriction", "2024-05-30"),
    )
    cell = state.cell(US, ALL, day("2024-06-01"))
    assert (cell.status, scopes(cell)) == ("mixed", [(RU, "mixed", ["no", "yes"])])


def test_a_reviewed_decision_wins_over_an_unreviewed_one_of_the_same_day() -> None:
    state = index(
        ev("yes", "authorization", "2024-05-30", reviewed=True),
        ev("no", "restriction", "2024-05-30"),
    )
    assert scopes(state.cell(US, ALL, day("2024-06-01"))) == [(RU, "authorized", ["yes"])]


# --- requests, warnings, undated decisions, non-suppliers -------------------------------


def test_requests_and_warnings_do_not_change_the_state_but_give_context() -> None:
    ask = ev("ask", "request", "2024-05-01", actor="ukraine", weapons=("atacms",))
    threat = ev("threat", "warning", "2024-05-20", actor="russia", places=())
    general = ev("general", "request", "2024-05-25", actor="nato", places=())
    later = ev("later", "warning", "2024-07-01", actor="russia", weapons=("atacms",))
    state = index(ev("ban", "restriction", "2024-01-10"), ask, threat, general, later)
    detail = state.detail(US, "atacms", day("2024-06-01"))
    assert scopes(detail.state) == [(RU, "restricted", ["ban"])]
    assert detail.requests == (general, ask)
    assert detail.warnings == (threat,)
    assert state.detail(US, "himars", day("2024-06-01")).requests == (general,)


def test_undated_decisions_are_left_out_and_listed_in_the_detail() -> None:
    undated = ev("when", "authorization", None)
    state = index(ev("ban", "restriction", "2024-01-10"), undated)
    detail = state.detail(US, ALL, day("2024-06-01"))
    assert scopes(detail.state) == [(RU, "restricted", ["ban"])]
    assert detail.undated == (undated,)
    assert state.undated_count() == 1


def test_the_recipient_and_the_target_get_no_row() -> None:
    state = index(
        ev("kyiv", "restriction", "2022-12-08", actor="ukraine", places=("crimea",)),
        ev("moscow", "restriction", "2022-12-09", actor="russia"),
        ev("london", "authorization", "2022-05-27", actor="united-kingdom"),
    )
    assert state.actors == ("united-kingdom",)


# --- since, superseded, changes, history ---------------------------------------------------


def test_since_is_the_first_day_of_the_unchanged_state() -> None:
    state = index(
        ev("ban", "restriction", "2022-12-06"),
        ev("again", "restriction", "2024-05-25"),
    )
    detail = state.detail(US, ALL, day("2024-06-01"))
    assert (detail.state.since, detail.state.event_ids) == (day("2022-12-06"), ("again",))
    assert [e.id for e in detail.superseded] == ["ban"]


def test_since_steps_back_past_every_decision_of_a_day() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("allow-1", "authorization", "2024-02-10"),
        ev("allow-2", "authorization", "2024-02-10"),
    )
    cell = state.cell(US, ALL, day("2024-03-01"))
    assert (cell.since, cell.event_ids) == (day("2024-02-10"), ("allow-1", "allow-2"))


def test_changes_between_two_dates_with_the_decision_that_made_each() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("again", "restriction", "2024-02-10"),
        ev("kursk", "authorization", "2024-11-18", places=("kursk",), weapons=("atacms",)),
    )
    changes, truncated = state.changes(day("2024-01-10"), day("2024-11-18"))
    assert truncated is False
    assert [
        (c.day, c.after.weapon, c.before.status, c.after.status, [e.id for e in c.events])
        for c in changes
    ] == [
        (day("2024-01-10"), ALL, "unknown", "restricted", ["ban"]),
        (day("2024-01-10"), "atacms", "unknown", "restricted", ["ban"]),
        (day("2024-11-18"), "atacms", "restricted", "mixed", ["kursk"]),
    ]
    later, _ = state.changes(day("2024-01-11"), day("2024-12-31"))
    assert [(c.day, c.after.weapon) for c in later] == [(day("2024-11-18"), "atacms")]


def test_changes_newest_first_stop_at_the_limit() -> None:
    state = index(
        ev("one", "restriction", "2024-01-10"),
        ev("two", "authorization", "2024-02-10"),
        ev("three", "restriction", "2024-03-10"),
    )
    changes, truncated = state.changes(
        day("2024-01-01"), day("2024-12-31"), limit=2, newest_first=True
    )
    assert [c.events[0].id for c in changes] == ["three", "two"]
    assert truncated is True


def test_previous_and_next_change_skip_decisions_that_change_nothing() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("again", "restriction", "2024-02-10"),
        ev("allow", "authorization", "2024-03-10"),
    )
    assert state.previous_change(day("2024-03-10")) == day("2024-01-10")
    assert state.next_change(day("2024-01-10")) == day("2024-03-10")
    assert state.previous_change(day("2024-01-10")) is None
    assert state.next_change(day("2024-03-10")) is None


def test_history_lists_each_state_a_cell_took() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("again", "restriction", "2024-02-10"),
        ev("allow", "authorization", "2024-03-10"),
    )
    assert [(s.since, s.status) for s in state.history(US, ALL)] == [
        (day("2024-01-10"), "restricted"),
        (day("2024-03-10"), "authorized"),
    ]


def test_the_cells_a_decision_changed() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("atacms", "authorization", "2024-03-10", weapons=("atacms",)),
        ev("seen", "request", "2024-03-11", actor="ukraine", weapons=("himars",)),
    )
    assert [(c.after.weapon, c.after.status) for c in state.effect_of("ban").changed] == [
        (ALL, "restricted"),
        ("atacms", "restricted"),
        ("himars", "restricted"),
    ]
    assert [c.after.weapon for c in state.effect_of("atacms").changed] == ["atacms"]
    assert state.effect_of("seen") == EffectNone


def test_a_decision_that_confirms_the_state_changes_nothing_but_decides() -> None:
    state = index(
        ev("ban", "restriction", "2024-01-10"),
        ev("again", "restriction", "2024-02-10", weapons=("atacms",)),
    )
    effect = state.effect_of("again")
    assert effect.changed == ()
    assert [(c.weapon, c.event_ids) for c in effect.confirmed] == [("atacms", ("again",))]
