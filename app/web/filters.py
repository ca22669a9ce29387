"""The filter object: parsed and validated once from GET parameters.

The page, the API and the exports all build an `EventFilter` through
`filter_params` and hand it to the same query functions (DESIGN.md "one data path").
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

from fastapi import Query

from app.models import EVENT_TYPES

MAX_Q_CHARS = 200
MAX_VALUES = 50  # per filter: a hand-made URL, not a dump of every id
# Matched whole (fullmatch). The OpenAPI schema states the same formats, so what it
# calls valid is exactly what the API accepts (tests/web/test_api_contract.py).
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
DATE_RE = re.compile(r"([1-9][0-9]{3})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01]))?)?")
ORDERS = ("asc", "desc")
CONFIDENCE_RE = re.compile(r"0(?:\.[0-9]+)?|1(?:\.0+)?|\.[0-9]+")  # 0 to 1

Order = Literal["asc", "desc"]
# Query-string names of the multi-valued filters, in display order.
FACETS = ("type", "actor", "weapon", "place", "outlet")


class BadParam(ValueError):
    """A request parameter that cannot be honoured: answered with a 400 and this message."""


@dataclass(frozen=True)
class EventFilter:
    """Every filter of a view. Values within one filter are OR-ed, filters are AND-ed."""

    type: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    weapon: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    outlet: tuple[str, ...] = ()
    # Inclusive bounds; "2024-05" as date_to means up to 31 May 2024.
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    # Only events at least this sure (app/extract/confidence.py); None: every event.
    min_confidence: float | None = None
    # True: only events a person reviewed; False: only machine-read ones; None: both.
    reviewed: bool | None = None
    order: Order = "asc"
    # The dates as the user typed them, to echo them back in the form and links.
    raw_dates: tuple[str, str] = field(default=("", ""), compare=False)

    def values(self, name: str) -> tuple[str, ...]:
        values: tuple[str, ...] = getattr(self, name)
        return values

    def without(self, name: str) -> "EventFilter":
        """The same filter with one facet cleared (facet counts ignore their own facet)."""
        changes: dict[str, Any] = {name: ()}
        return replace(self, **changes)

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def is_empty(self) -> bool:
        return not (
            any(self.values(n) for n in FACETS)
            or self.has_dates
            or self.q
            or self.min_confidence is not None
            or self.reviewed is not None
        )

    def cache_key(self) -> tuple[object, ...]:
        return (
            *(self.values(n) for n in FACETS),
            self.date_from,
            self.date_to,
            self.q,
            self.min_confidence,
            self.reviewed,
        )


def parse_date(raw: str, *, name: str, end: bool) -> dt.date:
    """YYYY, YYYY-MM or YYYY-MM-DD; a partial date is its first day, or its last if `end`."""
    match = DATE_RE.fullmatch(raw)
    if not match:
        raise BadParam(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {raw!r}")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, last if end else 1)
        return dt.date(year, month, day)
    except ValueError:
        raise BadParam(f"{name} is not a real date: {raw!r}") from None


def parse_confidence(raw: str | None) -> float | None:
    """A number from 0 to 1 ("0.7"); empty means no floor."""
    text = (raw or "").strip(" ")
    if not text:
        return None
    if not CONFIDENCE_RE.fullmatch(text):
        raise BadParam(f"min_confidence must be a number from 0 to 1, not {text[:40]!r}")
    return round(float(text), 2)


def parse_reviewed(raw: str | None) -> bool | None:
    """true: reviewed by a person; false: machine-read only; empty: every event."""
    text = raw or ""
    if not text:
        return None
    if text not in ("true", "false"):
        raise BadParam(f"reviewed must be true or false, not {text[:40]!r}")
    return text == "true"


def _ids(name: str, raw: list[str]) -> tuple[str, ...]:
    if len(raw) > MAX_VALUES:
        raise BadParam(f"too many {name} values: at most {MAX_VALUES}")
    values = [v for v in raw if v]  # an empty value (a blank form field) means nothing
    for value in values:
        if not ID_RE.fullmatch(value):
            raise BadParam(f"{name} must be an id such as 'united-states', not {value[:80]!r}")
    # Sorted and deduplicated so that equal views share cache entries.
    return tuple(sorted(set(values)))


def build_filter(
    *,
    type: list[str] | None = None,
    actor: list[str] | None = None,
    weapon: list[str] | None = None,
    place: list[str] | None = None,
    outlet: list[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    q: str | None = None,
    order: str | None = None,
    min_confidence: str | None = None,
    reviewed: str | None = None,
) -> EventFilter:
    types = _ids("type", type or [])
    for value in types:
        if value not in EVENT_TYPES:
            raise BadParam(f"unknown type {value!r}: use one of {', '.join(EVENT_TYPES)}")
    # Spaces around a typed date are forgiven (the schema's pattern says so too).
    raw_from, raw_to = (date_from or "").strip(" "), (date_to or "").strip(" ")
    start = parse_date(raw_from, name="date_from", end=False) if raw_from else None
    stop = parse_date(raw_to, name="date_to", end=True) if raw_to else None
    if start and stop and start > stop:
        raise BadParam(f"date_from ({raw_from}) is after date_to ({raw_to})")
    if len(q or "") > MAX_Q_CHARS:
        raise BadParam(f"q is too long: at most {MAX_Q_CHARS} characters")
    text = " ".join((q or "").split())
    sort = order or "asc"
    if sort not in ORDERS:
        raise BadParam("order must be 'asc' (oldest first) or 'desc' (newest first)")
    return EventFilter(
        min_confidence=parse_confidence(min_confidence),
        reviewed=parse_reviewed(reviewed),
        type=types,
        actor=_ids("actor", actor or []),
        weapon=_ids("weapon", weapon or []),
        place=_ids("place", place or []),
        outlet=_ids("outlet", outlet or []),
        date_from=start,
        date_to=stop,
        q=text,
        order="desc" if sort == "desc" else "asc",
        raw_dates=(raw_from, raw_to),
    )


def id_list(description: str) -> Any:
    """A repeatable id parameter; its format is documented here and checked by `_ids`."""
    item = {"type": "string", "pattern": f"^(?:{ID_RE.pattern})?$"}
    return Query(description=description, json_schema_extra={"items": item, "maxItems": MAX_VALUES})


def reviewed_param() -> Any:
    """`reviewed`, documented alike wherever it is accepted; `parse_reviewed` checks it."""
    return Query(
        description="true: only events a person reviewed; false: only machine-read ones",
        json_schema_extra={"enum": ["", "true", "false"]},
    )


def date_param(description: str, date_format: str = DATE_RE.pattern) -> Any:
    pattern = f"^ *(?:{date_format})? *$"
    return Query(description=description, json_schema_extra={"pattern": pattern})


async def filter_params(
    type: Annotated[
        list[str],
        Query(
            description="Event type; repeatable",
            json_schema_extra={
                "items": {"type": "string", "enum": ["", *EVENT_TYPES]},
                "maxItems": MAX_VALUES,
            },
        ),
    ] = [],  # noqa: B006 - FastAPI copies defaults per request
    actor: Annotated[list[str], id_list("Actor id, e.g. germany; repeatable")] = [],  # noqa: B006
    weapon: Annotated[list[str], id_list("Weapon id, e.g. atacms; repeatable")] = [],  # noqa: B006
    place: Annotated[list[str], id_list("Place id, e.g. kharkiv; repeatable")] = [],  # noqa: B006
    outlet: Annotated[list[str], id_list("Outlet id (slug of its name); repeatable")] = [],  # noqa: B006
    date_from: Annotated[str, date_param("YYYY, YYYY-MM or YYYY-MM-DD")] = "",
    date_to: Annotated[str, date_param("YYYY, YYYY-MM or YYYY-MM-DD, inclusive")] = "",
    q: Annotated[
        str,
        Query(
            description="Full-text search, accent/case-insensitive",
            json_schema_extra={"maxLength": MAX_Q_CHARS},
        ),
    ] = "",
    order: Annotated[
        str,
        Query(
            description="asc (oldest first, the default) or desc",
            json_schema_extra={"enum": ["", *ORDERS]},
        ),
    ] = "",
    min_confidence: Annotated[
        str,
        Query(
            description="Only events at least this sure: a number from 0 to 1",
            json_schema_extra={"pattern": f"^ *(?:{CONFIDENCE_RE.pattern})? *$"},
        ),
    ] = "",
    reviewed: Annotated[str, reviewed_param()] = "",
) -> EventFilter:
    """FastAPI dependency shared by the page, the API and the exports."""
    return build_filter(
        type=type,
        actor=actor,
        weapon=weapon,
        place=place,
        outlet=outlet,
        date_from=date_from,
        date_to=date_to,
        q=q,
        order=order,
        min_confidence=min_confidence,
        reviewed=reviewed,
    )
