import datetime as dt

from app.ingest.cluster import Reading, best_event, compatible, date_window, representative_date


def reading(
    *,
    type: str = "request",
    actor: str = "nato",
    weapons: tuple[str, ...] = (),
    places: tuple[str, ...] = (),
    date: dt.date | None = dt.date(2024, 5, 24),
    precision: str | None = "day",
    basis: str = "text",
) -> Reading:
    return Reading(type, actor, frozenset(weapons), frozenset(places), date, precision, basis)


def test_windows_widen_by_precision() -> None:
    assert date_window(reading()) == (dt.date(2024, 5, 21), dt.date(2024, 5, 27))
    assert date_window(reading(precision="month")) == (dt.date(2024, 5, 1), dt.date(2024, 5, 31))
    assert date_window(reading(precision="year")) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert date_window(reading(date=dt.date(2024, 5, 31), basis="published")) == (
        dt.date(2024, 5, 24),
        dt.date(2024, 5, 31),
    )
    assert date_window(reading(date=None, precision=None, basis="undated")) is None


def test_same_call_told_on_the_day_and_dated_by_a_later_report_is_one_event() -> None:
    told_on_friday = reading(places=("russian-territory",))
    reported_a_week_later = reading(
        places=("russian-territory",), date=dt.date(2024, 5, 31), basis="published"
    )
    assert compatible(told_on_friday, reported_a_week_later)


def test_month_precise_date_matches_a_day_inside_it() -> None:
    assert compatible(
        reading(precision="month", date=dt.date(2024, 5, 1)), reading(date=dt.date(2024, 5, 29))
    )


def test_different_type_actor_weapons_places_or_dates_are_different_events() -> None:
    base = reading(weapons=("atacms",), places=("kursk",))
    assert not compatible(
        base, reading(type="authorization", weapons=("atacms",), places=("kursk",))
    )
    assert not compatible(
        base, reading(actor="united-states", weapons=("atacms",), places=("kursk",))
    )
    assert not compatible(base, reading(weapons=("taurus",), places=("kursk",)))
    assert not compatible(base, reading(weapons=("atacms",), places=("crimea",)))
    assert not compatible(
        base, reading(weapons=("atacms",), places=("kursk",), date=dt.date(2024, 6, 10))
    )


def test_an_unnamed_weapon_or_place_and_an_undated_mention_stay_compatible() -> None:
    base = reading(weapons=("atacms",), places=("kursk",))
    assert compatible(base, reading())
    assert compatible(base, reading(date=None, precision=None, basis="undated"))


def test_best_event_prefers_shared_names_then_the_smallest_id() -> None:
    new = reading(weapons=("atacms",), places=("kursk",))
    candidates = [
        ("b", [reading()]),
        ("c", [reading(weapons=("atacms",))]),
        ("a", [reading(type="warning")]),
    ]
    assert best_event(new, candidates) == "c"
    assert best_event(new, [("d", [reading()]), ("b", [reading()])]) == "b"
    assert best_event(new, [("a", [reading(type="warning")])]) is None


def test_representative_date_prefers_text_then_precision_then_earliest() -> None:
    published = reading(date=dt.date(2024, 5, 31), basis="published")
    month = reading(date=dt.date(2024, 5, 1), precision="month")
    day = reading(date=dt.date(2024, 5, 24))
    later_day = reading(date=dt.date(2024, 5, 25))
    assert representative_date([published, month, later_day, day]) == day
    assert representative_date([published, month]) == month
    assert representative_date([published]) == published
    assert representative_date([reading(date=None, precision=None, basis="undated")]) is None


def test_a_weapon_class_names_no_system_so_it_meets_any_system() -> None:
    by_class = reading(weapons=("long-range-weapons",))
    assert compatible(by_class, reading(weapons=("atacms",)))
    assert compatible(by_class, reading(weapons=("long-range-weapons",)))
    assert not compatible(
        reading(weapons=("atacms", "long-range-weapons")),
        reading(weapons=("taurus", "long-range-weapons")),
    )
