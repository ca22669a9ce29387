import datetime as dt

import pytest

from app.web.filters import BadParam, EventFilter, build_filter, parse_date


@pytest.mark.parametrize(
    ("raw", "end", "expected"),
    [
        ("2024", False, dt.date(2024, 1, 1)),
        ("2024", True, dt.date(2024, 12, 31)),
        ("2024-02", False, dt.date(2024, 2, 1)),
        ("2024-02", True, dt.date(2024, 2, 29)),
        ("2024-05-30", True, dt.date(2024, 5, 30)),
    ],
)
def test_partial_dates_cover_their_whole_period(raw: str, end: bool, expected: dt.date) -> None:
    assert parse_date(raw, name="date_from", end=end) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"type": ["bogus"]},
            "unknown type 'bogus': use one of authorization, restriction, warning, request",
        ),
        (
            {"date_from": "30/05/2024"},
            "date_from must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not '30/05/2024'",
        ),
        ({"date_to": "2024-02-30"}, "date_to is not a real date: '2024-02-30'"),
        (
            {"date_from": "2024-06", "date_to": "2024-05"},
            "date_from (2024-06) is after date_to (2024-05)",
        ),
        ({"q": "x" * 201}, "q is too long: at most 200 characters"),
        ({"actor": ["Germany!"]}, "actor must be an id such as 'united-states', not 'Germany!'"),
        ({"order": "sideways"}, "order must be 'asc' (oldest first) or 'desc' (newest first)"),
        ({"weapon": [f"w{i}" for i in range(51)]}, "too many weapon values: at most 50"),
    ],
)
def test_bad_values_are_refused_with_a_message(kwargs: dict, message: str) -> None:
    with pytest.raises(BadParam) as info:
        build_filter(**kwargs)
    assert str(info.value) == message


def test_values_are_deduplicated_sorted_and_blanks_ignored() -> None:
    f = build_filter(
        weapon=["taurus", "atacms", "taurus", ""], q="  storm   shadow ", date_from="", order=""
    )
    assert f == EventFilter(weapon=("atacms", "taurus"), q="storm shadow")
    assert f.without("weapon") == EventFilter(q="storm shadow")
    assert not f.is_empty
    assert build_filter().is_empty


def test_raw_dates_are_kept_for_the_form() -> None:
    f = build_filter(date_from="2024-05", date_to="2024")
    assert (f.date_from, f.date_to, f.raw_dates) == (
        dt.date(2024, 5, 1),
        dt.date(2024, 12, 31),
        ("2024-05", "2024"),
    )
