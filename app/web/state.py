"""The policy state over HTTP: the matrix page, cell details, the changes page, their
Atom feed and JSON. Every renderer calls the same memoized computation (app/state)."""

import datetime as dt
import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, cast
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.config import get_settings
from app.db import SessionDep
from app.state.compute import CellDetail, CellState, Change, Decided, StateIndex, StateView, Status
from app.state.hierarchy import weapon_columns
from app.state.load import Names, build_index, load_names
from app.web import queries
from app.web.api import BAD_REQUEST, RefOut
from app.web.cache import cached_response, data_version, memo
from app.web.exports import ATOM_NS, _rfc3339, atom_element
from app.web.filters import (
    BadParam,
    build_filter,
    date_param,
    id_list,
    parse_date,
    parse_reviewed,
    reviewed_param,
)
from app.web.formatting import format_date
from app.web.links import absolute, here
from app.web.state_chart import StepChart, step_chart
from app.web.state_service import RemoteIndex, StateClient
from app.web.templating import edit_query, render
from app.web.threads import off_loop

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["policy state"])

CHANGES_DEFAULT_DAYS = 30  # /state/changes without `from`: the month before `to`
FEED_ENTRIES = 50
# The feed's title names the events it counts (the chips' words on the pages).
FEED_TITLE_COUNTED = {None: "", True: ", reviewed only", False: ", machine-read only"}
MAX_CHANGES = 1000
SUPERSEDED_SHOWN = 20
DATE_HELP = "YYYY-MM-DD (YYYY-MM or YYYY: the last day of that month or year)"
# Days outside these years are refused: no policy event lies there, and date arithmetic
# near year 1 or 9999 would overflow. DAY_FORMAT says so in the OpenAPI description.
FIRST_YEAR, LAST_YEAR = 1900, 2999
DAY_FORMAT = r"(19[0-9]{2}|2[0-9]{3})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01]))?)?"


# --- parameters ---------------------------------------------------------------------------


Reviewed = bool | None  # the timeline's `reviewed`: which events the state counts


@dataclass(frozen=True)
class View:
    """Rows and columns of a view, and the events counted: the timeline's `actor`,
    `weapon` and `reviewed` parameters."""

    actors: tuple[str, ...] = ()
    weapons: tuple[str, ...] = ()
    # True: decisions a person confirmed only; False: only those nobody reviewed yet;
    # None: every event but the rejected ones.
    reviewed: Reviewed = None


@dataclass(frozen=True)
class AsOf:
    day: dt.date
    # No `as_of` in the URL: today's state, which must not be cached past today.
    is_today: bool


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _day(raw: str | None, name: str, *, end: bool = True) -> dt.date | None:
    text = (raw or "").strip(" ")
    if not text:
        return None
    year = text[:4]
    if year.isdigit() and text[4:5] in ("", "-") and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise BadParam(f"{name} must be a day between {FIRST_YEAR} and {LAST_YEAR}, not {text!r}")
    return parse_date(text, name=name, end=end)


async def view_params(
    actor: Annotated[list[str], id_list("Actor id (a row), e.g. united-states")] = [],  # noqa: B006
    weapon: Annotated[list[str], id_list("Weapon column id, e.g. atacms")] = [],  # noqa: B006
    reviewed: Annotated[str, reviewed_param()] = "",
) -> View:
    f = build_filter(actor=actor, weapon=weapon, reviewed=reviewed)
    return View(f.actor, f.weapon, f.reviewed)


async def reviewed_params(reviewed: Annotated[str, reviewed_param()] = "") -> Reviewed:
    """`reviewed` alone: the cell page's actor and weapon are in its path."""
    return parse_reviewed(reviewed)


async def as_of_params(
    as_of: Annotated[str, date_param("The day of the state; " + DATE_HELP, DAY_FORMAT)] = "",
) -> AsOf:
    day = _day(as_of, "as_of")
    return AsOf(day or today(), day is None)


@dataclass(frozen=True)
class Period:
    start: dt.date | None  # None: from the first change (the feed)
    end: dt.date
    is_today: bool


async def period_params(
    from_: Annotated[
        str,
        Query(
            alias="from",
            description="First day, inclusive: YYYY-MM-DD, YYYY-MM or YYYY",
            json_schema_extra={"pattern": f"^ *(?:{DAY_FORMAT})? *$"},
        ),
    ] = "",
    to: Annotated[
        str, date_param("Last day, inclusive (default today); " + DATE_HELP, DAY_FORMAT)
    ] = "",
) -> Period:
    start, end = _day(from_, "from", end=False), _day(to, "to")
    if start and start > (end or today()):
        raise BadParam(f"from ({from_}) is after to ({to or 'today'})")
    return Period(start, end or today(), end is None)


ViewDep = Annotated[View, Depends(view_params)]
ReviewedDep = Annotated[Reviewed, Depends(reviewed_params)]
AsOfDep = Annotated[AsOf, Depends(as_of_params)]
PeriodDep = Annotated[Period, Depends(period_params)]


# --- the one computation path ------------------------------------------------------------


_index_lock = threading.Lock()
# The data version and its indexes, one per `reviewed` variant asked for (at most three).
# Replaced whole, never changed in place, so that readers need no lock.
_indexes: tuple[tuple[object, ...], dict[Reviewed, StateIndex]] | None = None


def state_index(session: Session, reviewed: Reviewed = None) -> StateIndex:
    """The policy-state index, held by the server's state process when it has one
    (app/web/state_service.py), else by this process (`local_index`)."""
    client = _state_client()
    if client is None:
        return local_index(session, reviewed)

    def axes() -> tuple[tuple[str, ...], tuple[str, ...]]:
        return memo(
            session,
            "state_axes",
            (reviewed,),
            lambda: (client.ask(reviewed, "actors"), client.ask(reviewed, "columns")),
        )

    # It answers StateIndex's queries (state_service.QUESTIONS), which is all the pages ask.
    return cast(StateIndex, RemoteIndex(client, reviewed, axes))


@cache
def _client_for(address: str, key: str) -> StateClient | None:
    return StateClient(address, bytes.fromhex(key)) if address else None


def _state_client() -> StateClient | None:
    settings = get_settings()
    return _client_for(settings.state_socket, settings.state_key)


def local_index(session: Session, reviewed: Reviewed = None) -> StateIndex:
    """The index of the current data version, of every event or (`reviewed`) of the
    reviewed or unreviewed ones only. Slots of their own, not the shared memo: an index
    of 20,000 events weighs about 20 MB, the three variants together about 45 MB
    (bench/state_bench.py), and a server that stays up while articles are ingested must
    not keep any of a past version. Each variant is built on first use; the lock makes concurrent first
    requests build it once."""
    global _indexes
    version = data_version(session)
    current = _indexes
    if current is not None and current[0] == version and reviewed in current[1]:
        return current[1][reviewed]
    with _index_lock:
        current = _indexes
        kept = current[1] if current is not None and current[0] == version else {}
        if reviewed not in kept:
            kept = {**kept, reviewed: build_index(session, reviewed=reviewed)}
            _indexes = (version, kept)
            # The index is about a million objects at 200,000 events, which each full
            # collection of the garbage collector walked (0.35 s with every thread held,
            # more on a busy machine: cached pages waited seconds behind it). Frozen,
            # they are left out of collections; refcounting still frees them when a
            # newer version replaces them (they hold no cycles).
            gc.freeze()
        return kept[reviewed]


def state_names(session: Session) -> Names:
    return memo(session, "state_names", (), lambda: load_names(session))


def matrix(session: Session, day: dt.date, view: View) -> StateView:
    return memo(
        session,
        "state_view",
        (day, view),
        lambda: state_index(session, view.reviewed).state(
            day, actors=view.actors, weapons=view.weapons
        ),
    )


def changes_in(
    session: Session, start: dt.date, end: dt.date, view: View, *, limit: int, newest_first: bool
) -> tuple[tuple[Change, ...], bool]:
    return memo(
        session,
        "state_changes",
        (start, end, view, limit, newest_first),
        lambda: state_index(session, view.reviewed).changes(
            start,
            end,
            actors=view.actors,
            weapons=view.weapons,
            limit=limit,
            newest_first=newest_first,
        ),
    )


def actor_chart(session: Session, actor: str, day: dt.date, reviewed: Reviewed) -> StepChart | None:
    index, names = state_index(session, reviewed), state_names(session)
    histories = memo(
        session,
        "state_history",
        (actor, reviewed),
        lambda: [(w, names.weapon(w), index.history(actor, w)) for w in index.columns],
    )
    return step_chart(histories, as_of=day, names=names)


def event_policy(session: Session, event_id: str) -> dict[str, object]:
    """What the event page says about the policy state (app/web/pages.py)."""
    index = state_index(session)
    event = index.event(event_id)
    return {
        "event": event,
        "supplier": event is not None and event.actor in index.actors,
        "effect": index.effect_of(event_id),
        "names": state_names(session),
    }


async def respond(
    session: Session, request: Request, is_today: bool, build: Callable[[], Response]
) -> Response:
    # A page whose date defaulted to today must not be served again tomorrow.
    if is_today:
        return await off_loop(build)
    return await cached_response(session, request, build)


def reviewed_query(reviewed: Reviewed) -> str:
    """The `reviewed` parameter to carry along in a link ("&reviewed=true"), or nothing."""
    return "" if reviewed is None else f"&reviewed={'true' if reviewed else 'false'}"


def cell_url(actor: str, weapon: str, day: dt.date | str, reviewed: Reviewed = None) -> str:
    """A cell's detail on a day (an ISO string or a date), counting the same events."""
    return f"/state/cells/{actor}/{weapon}?as_of={day}{reviewed_query(reviewed)}"


def cell_url_for(reviewed: Reviewed) -> Callable[[str, str, dt.date | str], str]:
    """`cell_url` for a page's templates: its cell links keep the page's `reviewed`."""
    return lambda actor, weapon, day: cell_url(actor, weapon, day, reviewed)


# --- pages --------------------------------------------------------------------------------


@router.get("/state", name="state_page")
async def state_page(
    request: Request, session: SessionDep, view: ViewDep, as_of: AsOfDep
) -> Response:
    return await respond(
        session, request, as_of.is_today, lambda: _state_page(request, session, view, as_of)
    )


def _state_page(request: Request, session: Session, view: View, as_of: AsOf) -> Response:
    index = state_index(session, view.reviewed)
    day = as_of.day
    state = matrix(session, day, view)
    charts = (
        [(a, actor_chart(session, a, day, view.reviewed)) for a in (r.actor for r in state.rows)]
        if view.actors
        else []
    )
    context = {
        "view": view,
        "day": day,
        "is_today": as_of.is_today,
        "state": state,
        "names": state_names(session),
        **form_options(session),
        "previous": index.previous_change(day, actors=view.actors, weapons=view.weapons),
        "next": index.next_change(day, actors=view.actors, weapons=view.weapons),
        "undated": index.undated_count(),
        "charts": charts,
        "cell_url": cell_url_for(view.reviewed),
    }
    return render(request, "state.html", context, blocks=["results", "fields"])


def form_options(session: Session) -> dict[str, tuple[str, ...]]:
    """The rows and columns the forms offer: those of every event, so that choosing
    `reviewed` never takes a checked box away."""
    every = state_index(session)
    return {"actors": every.actors, "columns": every.columns}


@router.get("/state/cells/{actor_id}/{weapon_id}", name="state_cell")
async def state_cell(
    request: Request,
    session: SessionDep,
    actor_id: str,
    weapon_id: str,
    as_of: AsOfDep,
    reviewed: ReviewedDep,
) -> Response:
    return await respond(
        session,
        request,
        as_of.is_today,
        lambda: _state_cell(request, session, actor_id, weapon_id, as_of.day, reviewed),
    )


def _detail(
    session: Session, actor_id: str, weapon_id: str, day: dt.date, reviewed: Reviewed
) -> CellDetail:
    # A cell of the whole state exists whatever `reviewed`: without reviewed decisions
    # it is unknown, not missing.
    every = state_index(session)
    if actor_id not in every.actors:
        raise HTTPException(404, f"No supplying actor has the id {actor_id[:80]!r}.")
    if weapon_id not in every.columns:
        raise HTTPException(404, f"No weapon column has the id {weapon_id[:80]!r}.")
    return state_index(session, reviewed).detail(actor_id, weapon_id, day)


def timeline_url(actor: str, weapon: str | None, reviewed: Reviewed) -> str:
    """The timeline of the actor's events naming the weapon (None: all its events),
    counting the same events as the state."""
    weapons = f"&weapon={weapon}" if weapon else ""
    return f"/?actor={actor}{weapons}{reviewed_query(reviewed)}"


def _state_cell(
    request: Request,
    session: Session,
    actor_id: str,
    weapon_id: str,
    day: dt.date,
    reviewed: Reviewed,
) -> Response:
    detail = _detail(session, actor_id, weapon_id, day, reviewed)
    index = state_index(session, reviewed)
    names_weapon = weapon_id != weapon_columns().all_id
    superseded = detail.superseded[:SUPERSEDED_SHOWN]
    ids = [
        *detail.state.event_ids,
        *(e.id for e in (*superseded, *detail.pending, *detail.undated)),
        *(e.id for e in (*detail.requests, *detail.warnings)),
    ]
    context = {
        "detail": detail,
        "cell": detail.state,
        "day": day,
        "names": state_names(session),
        "rows": queries.events_by_ids(session=session, ids=ids, mentions=True),
        "superseded": superseded,
        "history": index.history(actor_id, weapon_id),
        "cell_url": cell_url_for(reviewed),
        "reviewed": reviewed,
        "carry": reviewed_query(reviewed),
        "cell_url_all": cell_url(actor_id, weapon_id, day),
        # No event names the column of all supplied weapons: its link shows all of them.
        "names_weapon": names_weapon,
        "timeline_url": timeline_url(actor_id, weapon_id if names_weapon else None, reviewed),
    }
    return render(request, "state_cell.html", context)


@router.get("/state/changes", name="state_changes")
async def state_changes(
    request: Request, session: SessionDep, view: ViewDep, period: PeriodDep
) -> Response:
    return await respond(
        session, request, period.is_today, lambda: _state_changes(request, session, view, period)
    )


def period_changes(
    session: Session, view: View, period: Period
) -> tuple[dt.date, tuple[Change, ...], bool]:
    """The changes page's and API's list: (first day, changes oldest first, truncated).
    Without `from`, the 30 days up to `to`."""
    start = period.start or period.end - dt.timedelta(days=CHANGES_DEFAULT_DAYS - 1)
    found, truncated = changes_in(
        session, start, period.end, view, limit=MAX_CHANGES, newest_first=False
    )
    return start, found, truncated


def _state_changes(request: Request, session: Session, view: View, period: Period) -> Response:
    index = state_index(session, view.reviewed)
    start, found, truncated = period_changes(session, view, period)
    latest = index.previous_change(
        period.end + dt.timedelta(days=1), actors=view.actors, weapons=view.weapons
    )
    context = {
        "view": view,
        "start": start,
        "end": period.end,
        "changes": found,
        "truncated": truncated,
        "latest": latest,
        "names": state_names(session),
        **form_options(session),
        "cell_url": cell_url_for(view.reviewed),
        "carry": reviewed_query(view.reviewed),
        "max_changes": MAX_CHANGES,
    }
    return render(request, "state_changes.html", context)


@router.get("/state/changes.atom", name="state_changes_atom")
async def state_changes_atom(
    request: Request, session: SessionDep, view: ViewDep, period: PeriodDep
) -> Response:
    return await respond(
        session, request, period.is_today, lambda: _changes_feed(request, session, view, period)
    )


def change_title(change: Change, names: Names) -> str:
    return (
        f"{names.actor(change.after.actor)} · {names.weapon(change.after.weapon)}: "
        f"{change.before.status} → {change.after.status}"
    )


def _changes_feed(request: Request, session: Session, view: View, period: Period) -> Response:
    """The newest policy changes first: a subscription to "what changed"."""
    names = state_names(session)
    start = period.start or dt.date.min
    found, _ = changes_in(session, start, period.end, view, limit=FEED_ENTRIES, newest_first=True)
    updated = queries.updated_at(session=session, event_ids=[e.id for c in found for e in c.events])
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub = atom_element

    page = edit_query(request, path="/state/changes", drop=("page",))
    sub(feed, "title", "Weapons-use policy changes" + FEED_TITLE_COUNTED[view.reviewed])
    sub(
        feed, "id", absolute(request, edit_query(request, path="/state/changes.atom", drop=("to",)))
    )
    sub(feed, "link", href=absolute(request, page), rel="alternate", type="text/html")
    sub(feed, "link", href=here(request), rel="self", type="application/atom+xml")
    stamps = [
        max((_utc(updated[e.id]) for e in c.events if e.id in updated), default=None) for c in found
    ]
    newest = max((s for s in stamps if s), default=None)
    sub(feed, "updated", _rfc3339(newest or dt.datetime(2000, 1, 1)))
    sub(sub(feed, "author"), "name", "Weapons-use policy timeline")
    for change, stamp in zip(found, stamps, strict=True):
        entry = sub(feed, "entry")
        after = change.after
        url = absolute(request, cell_url(after.actor, after.weapon, change.day, view.reviewed))
        sub(entry, "title", change_title(change, names))
        sub(entry, "id", url)
        sub(entry, "link", href=url, rel="alternate", type="text/html")
        sub(entry, "updated", _rfc3339(stamp or dt.datetime.combine(change.day, dt.time())))
        sub(entry, "category", term=change.after.status)
        when = format_date(change.day, change.precision)
        scope = names.describe(change.after) or "no decision in force"
        made_by = ", ".join(absolute(request, f"/events/{e.id}") for e in change.events)
        sub(entry, "summary", f"{when}: {scope}. Decided by: {made_by}.")
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        media_type="application/atom+xml; charset=utf-8",
    )


def _utc(value: dt.datetime) -> dt.datetime:
    # Naive UTC, so stamps from any driver compare.
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


# --- JSON ---------------------------------------------------------------------------------


class ScopeOut(BaseModel):
    id: str
    name: str
    status: Decided
    event_ids: list[str]


class CellOut(BaseModel):
    weapon: RefOut
    status: Status
    scope: list[ScopeOut]
    since: dt.date | None = Field(description="The day the cell took this state")
    date_precision: str | None = Field(description="Precision of `since`: day, month, year")
    uncertain: bool = Field(
        description="A decision known only to the month (or year) of as_of may already apply"
    )
    event_ids: list[str] = Field(description="The decisions in force")
    url: str = Field(description="The cell's detail page: deciding and superseded events")


class RowOut(BaseModel):
    actor: RefOut
    cells: list[CellOut]


class StateOut(BaseModel):
    as_of: dt.date
    rows: list[RowOut]
    previous_change: dt.date | None
    next_change: dt.date | None


class CellStatusOut(BaseModel):
    status: Status
    scope: list[ScopeOut]


class ChangeOut(BaseModel):
    date: dt.date
    date_precision: str
    actor: RefOut
    weapon: RefOut
    before: CellStatusOut
    after: CellStatusOut
    event_ids: list[str] = Field(description="The decisions that made the change")
    url: str


class ChangesOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    changes: list[ChangeOut]
    truncated: bool = Field(description=f"More than {MAX_CHANGES} changes: narrow the dates")


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


# The JSON is built with model_construct: the values come from our own computation,
# and validating thousands of scope entries per matrix cost more than computing them.


def _scopes(cell: CellState, names: Names) -> list[ScopeOut]:
    return [
        ScopeOut.model_construct(
            id=s.scope,
            name=names.scope(s.scope),
            status=s.status,
            event_ids=[e.id for e in s.events],
        )
        for s in cell.scopes
    ]


def cell_json(
    request: Request, cell: CellState, day: dt.date, names: Names, reviewed: Reviewed
) -> CellOut:
    return CellOut.model_construct(
        weapon=RefOut.model_construct(id=cell.weapon, name=names.weapon(cell.weapon)),
        status=cell.status,
        scope=_scopes(cell, names),
        since=cell.since,
        date_precision=cell.since_precision,
        uncertain=cell.uncertain,
        event_ids=list(cell.event_ids),
        url=absolute(request, cell_url(cell.actor, cell.weapon, day, reviewed)),
    )


@api_router.get("/state", response_model=StateOut, responses=BAD_REQUEST)
async def api_state(
    request: Request, session: SessionDep, view: ViewDep, as_of: AsOfDep
) -> Response:
    """Who allows which weapon where on `as_of`: one row per supplying actor, one cell per
    weapon column, each with its status, scopes, since when, and the deciding events.
    With `reviewed`, the state counts only the events a person confirmed (true) or
    those nobody reviewed yet (false)."""
    return await respond(
        session,
        request,
        as_of.is_today,
        lambda: _json(_api_state(request, session, view, as_of.day)),
    )


def _api_state(request: Request, session: Session, view: View, day: dt.date) -> StateOut:
    index, names = state_index(session, view.reviewed), state_names(session)
    state = matrix(session, day, view)
    return StateOut(
        as_of=day,
        rows=[
            RowOut(
                actor=RefOut(id=row.actor, name=names.actor(row.actor)),
                cells=[cell_json(request, cell, day, names, view.reviewed) for cell in row.cells],
            )
            for row in state.rows
        ],
        previous_change=index.previous_change(day, actors=view.actors, weapons=view.weapons),
        next_change=index.next_change(day, actors=view.actors, weapons=view.weapons),
    )


@api_router.get("/state/changes", response_model=ChangesOut, responses=BAD_REQUEST)
async def api_state_changes(
    request: Request, session: SessionDep, view: ViewDep, period: PeriodDep
) -> Response:
    """Every cell that changed from `from` to `to` (inclusive; default: the 30 days up to
    today), oldest first, with the state before and after and the deciding events.
    `reviewed` counts only confirmed (true) or unreviewed (false) events, as in /api/state."""
    return await respond(
        session,
        request,
        period.is_today,
        lambda: _json(_api_changes(request, session, view, period)),
    )


def _api_changes(request: Request, session: Session, view: View, period: Period) -> ChangesOut:
    names = state_names(session)
    start, found, truncated = period_changes(session, view, period)
    return ChangesOut(
        **{"from": start},
        to=period.end,
        truncated=truncated,
        changes=[
            ChangeOut(
                date=c.day,
                date_precision=c.precision,
                actor=RefOut(id=c.after.actor, name=names.actor(c.after.actor)),
                weapon=RefOut(id=c.after.weapon, name=names.weapon(c.after.weapon)),
                before=CellStatusOut(status=c.before.status, scope=_scopes(c.before, names)),
                after=CellStatusOut(status=c.after.status, scope=_scopes(c.after, names)),
                event_ids=[e.id for e in c.events],
                url=absolute(
                    request, cell_url(c.after.actor, c.after.weapon, c.day, view.reviewed)
                ),
            )
            for c in found
        ],
    )
