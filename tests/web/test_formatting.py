import datetime as dt

import pytest

from app.web.formatting import format_event_date, highlight_segments, month_key


@pytest.mark.parametrize(
    ("date", "precision", "basis", "expected"),
    [
        (dt.date(2024, 5, 30), "day", "text", "30 May 2024"),
        (dt.date(2024, 5, 1), "month", "text", "May 2024"),
        (dt.date(2024, 1, 1), "year", "text", "2024"),
        (dt.date(2024, 5, 31), "day", "published", "reported 31 May 2024"),
        (None, None, "undated", "undated"),
    ],
)
def test_dates_show_their_precision_and_basis(
    date: dt.date | None, precision: str | None, basis: str, expected: str
) -> None:
    assert format_event_date(date, precision, basis) == expected


def test_list_headings() -> None:
    assert month_key(dt.date(2024, 9, 12), "day") == "September 2024"
    assert month_key(dt.date(2024, 1, 1), "year") == "2024 (month unknown)"
    assert month_key(None, None) == "Undated"


def test_highlight_segments_merge_overlaps_and_skip_bad_offsets() -> None:
    text = "One. Two three. Four."
    spans = [(5, 15, "e2"), (5, 15, "e3"), (0, 4, "e1"), (10, 40, "bad")]
    assert highlight_segments(text, spans) == [
        (0, "One.", ["e1"]),
        (4, " ", []),
        (5, "Two three.", ["e2", "e3"]),
        (15, " Four.", []),
    ]
