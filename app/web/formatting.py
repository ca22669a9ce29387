"""How dates are shown: never more precise than what the sources say."""

import datetime as dt
from typing import Any

# Spelled out here: strftime("%B") follows the server locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(date: dt.date | None, precision: str | None) -> str:
    if date is None:
        return "undated"
    if precision == "year":
        return str(date.year)
    if precision == "month":
        return f"{MONTHS[date.month - 1]} {date.year}"
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def format_event_date(date: dt.date | None, precision: str | None, basis: str) -> str:
    """ "30 May 2024", "May 2024", "2024", "reported 31 May 2024" or "undated"."""
    if date is None or basis == "undated":
        return "undated"
    label = format_date(date, precision)
    return f"reported {label}" if basis == "published" else label


def basis_note(basis: str) -> str:
    return {
        "text": "dated by the article text",
        "published": "placed by the article's publication date only",
        "undated": "no date in the text and no publication date",
    }.get(basis, basis)


def month_key(date: dt.date | None, precision: str | None) -> str:
    """The heading a list row falls under: "May 2024", "2024" (year only) or "Undated"."""
    if date is None:
        return "Undated"
    if precision == "year":
        return f"{date.year} (month unknown)"
    return f"{MONTHS[date.month - 1]} {date.year}"


def highlight_segments(
    text: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, str, list[str]]]:
    """Split `text` into (start offset, piece, event ids); evidence pieces carry events.

    Overlapping evidence (two events read from one sentence) merges into one piece.
    """
    merged: list[list[Any]] = []
    for start, end, event_id in sorted(spans):
        if not (0 <= start < end <= len(text)):
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if event_id not in merged[-1][2]:
                merged[-1][2].append(event_id)
        else:
            merged.append([start, end, [event_id]])
    pieces: list[tuple[int, str, list[str]]] = []
    at = 0
    for start, end, ids in merged:
        if start > at:
            pieces.append((at, text[at:start], []))
        pieces.append((start, text[start:end], ids))
        at = end
    if at < len(text):
        pieces.append((at, text[at:], []))
    return pieces
