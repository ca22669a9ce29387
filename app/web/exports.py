"""CSV and Atom of any filtered view: the same filter object and query as the page."""

import csv
import datetime as dt
import io
import re
from typing import Annotated
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db import SessionDep
from app.web import queries
from app.web.filters import EventFilter, filter_params
from app.web.formatting import format_event_date
from app.web.links import absolute, event_url, here
from app.web.templating import edit_query
from app.web.threads import off_loop

router = APIRouter(include_in_schema=False)
FilterDep = Annotated[EventFilter, Depends(filter_params)]
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 200
CSV_COLUMNS = (
    "id", "url", "date", "date_precision", "date_basis", "date_label", "type",
    "actor_id", "actor", "weapons", "places", "summary", "sources", "outlets", "confidence",
    "reviewed", "reviewed_at",
)  # fmt: skip


# Characters XML 1.0 forbids (C0 controls but tab and line ends, lone surrogates, U+FFFE/F):
# one in an outlet's name would make the whole feed unreadable.
_XML_INVALID = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _XML_INVALID.sub("", value)


def atom_element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """An Atom child element; its text and attributes never carry XML-invalid characters."""
    element = ET.SubElement(
        parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def _cell(value: str) -> str:
    # A leading =, +, - or @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@router.get("/events.csv", name="events_csv")
async def events_csv(request: Request, session: SessionDep, filter: FilterDep) -> Response:
    return await off_loop(_events_csv, request, session, filter)


def _events_csv(request: Request, session: Session, filter: EventFilter) -> Response:
    rows = queries.all_events(session=session, filter=filter)
    # Outlets from the events' outlet links, not from every mention row.
    outlet_names = queries.event_outlet_names(session=session, event_ids=[e.id for e in rows])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        outlets = outlet_names.get(e.id, ())
        writer.writerow(
            [
                e.id,
                event_url(request, e.id),
                e.date.isoformat() if e.date else "",
                e.date_precision or "",
                e.date_basis,
                format_event_date(e.date, e.date_precision, e.date_basis),
                e.type,
                e.actor.id,
                _cell(e.actor.name),
                "; ".join(_cell(w.name) for w in e.weapons),
                "; ".join(_cell(p.name) for p in e.places),
                _cell(e.summary),
                e.source_count,
                "; ".join(_cell(o) for o in outlets),
                "" if e.confidence is None else f"{e.confidence:.2f}",
                "true" if e.reviewed else "false",
                _rfc3339(e.reviewed_at) if e.reviewed_at else "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="events.csv"'},
    )


def _rfc3339(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    return f"{value.isoformat()}T00:00:00Z"


@router.get("/events.atom", name="events_atom")
async def events_atom(request: Request, session: SessionDep, filter: FilterDep) -> Response:
    return await off_loop(_events_atom, request, session, filter)


def _events_atom(request: Request, session: Session, filter: EventFilter) -> Response:
    """The newest events of the view first, as feed readers expect."""
    newest = EventFilter(**{**filter.__dict__, "order": "desc"})
    rows = queries.list_events(session=session, filter=newest, limit=FEED_ENTRIES, mentions=True)
    updated = queries.updated_at(session=session, event_ids=[r.id for r in rows])
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub = atom_element
    view = edit_query(request, drop=("page",))
    sub(feed, "title", "Weapons-use policy timeline" + ("" if filter.is_empty else " (filtered)"))
    sub(feed, "id", absolute(request, "/events.atom" + view[1:]))
    sub(feed, "link", href=absolute(request, view), rel="alternate", type="text/html")
    sub(feed, "link", href=here(request), rel="self", type="application/atom+xml")
    stamps = [v for v in updated.values() if v]
    sub(feed, "updated", _rfc3339(max(stamps) if stamps else dt.datetime(2000, 1, 1)))
    sub(sub(feed, "author"), "name", "Weapons-use policy timeline")
    for e in rows:
        entry = sub(feed, "entry")
        url = event_url(request, e.id)
        sub(entry, "title", e.summary)
        sub(entry, "id", url)
        sub(entry, "link", href=url, rel="alternate", type="text/html")
        sub(entry, "updated", _rfc3339(updated.get(e.id) or e.date or dt.date(2000, 1, 1)))
        sub(entry, "category", term=e.type)
        sub(entry, "category", term="reviewed" if e.reviewed else "machine-read")
        when = format_event_date(e.date, e.date_precision, e.date_basis)
        weapons = ", ".join(w.name for w in e.weapons) or "no weapon named"
        outlets = ", ".join(sorted({m.outlet for m in e.mentions if m.outlet}))
        text = f"{when}: {e.type} by {e.actor.name} ({weapons}). Sources: {e.source_count}"
        text += f" ({outlets})." if outlets else "."
        if e.reviewed_at:
            text += f" Reviewed by a person on {e.reviewed_at:%Y-%m-%d}."
        else:
            text += " Machine-read, not reviewed by a person yet."
        sub(entry, "summary", text)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        media_type="application/atom+xml; charset=utf-8",
    )
