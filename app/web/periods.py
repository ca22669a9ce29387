"""Periods the lanes aggregate into when markers are dense: year … week, day.

The coarsest period that keeps about 50 markers per lane across the shown span; a
period's marker zooms (date_from/date_to) to that period, one level finer.
"""

import datetime as dt

from app.web.formatting import MONTHS

PERIODS = ("year", "quarter", "month", "week", "day")


def choose(first: dt.date, last: dt.date) -> str:
    days = (last - first).days
    if days > 12 * 366:
        return "year"
    if days > 2 * 366:
        return "quarter"
    if days > 200:
        return "month"
    if days > 45:
        return "week"
    return "day"  # the finest a date can be: a zoom always ends in separate days


def start_of(day: dt.date, period: str) -> dt.date:
    if period == "year":
        return dt.date(day.year, 1, 1)
    if period == "quarter":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if period == "month":
        return dt.date(day.year, day.month, 1)
    if period == "day":
        return day
    return day - dt.timedelta(days=day.weekday())  # ISO week: from Monday


def bounds(start: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period that begins on `start`."""
    if period == "year":
        return start, dt.date(start.year, 12, 31)
    if period in ("week", "day"):
        return start, start + dt.timedelta(days=6 if period == "week" else 0)
    months = 3 if period == "quarter" else 1
    index = start.year * 12 + start.month - 1 + months
    following = dt.date(index // 12, index % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def label(start: dt.date, period: str) -> str:
    if period == "year":
        return str(start.year)
    if period == "quarter":
        end = bounds(start, period)[1]
        return f"{MONTHS[start.month - 1]}–{MONTHS[end.month - 1]} {start.year}"
    if period == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    day = f"{start.day} {MONTHS[start.month - 1]} {start.year}"
    return day if period == "day" else f"week of {day}"


def zoom(start: dt.date, period: str) -> tuple[str, str]:
    """The date_from/date_to values that show exactly this period."""
    first, last = bounds(start, period)
    if period == "year":
        return (f"{first:%Y}", f"{last:%Y}")
    if period in ("quarter", "month"):
        return (f"{first:%Y-%m}", f"{last:%Y-%m}")
    return (first.isoformat(), last.isoformat())
