"""Resolving an event id for the page and the API alike: a shared link never dies."""

import datetime as dt

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.models import RetiredEvent
from app.web import queries
from app.web.links import absolute


def rejected_note(event_id: str, when: dt.datetime | None) -> str:
    day = f" on {when:%Y-%m-%d}" if when else ""
    return (
        f"The event {event_id} was rejected by an editor{day}: it is not a policy event. "
        f"Its review history: /api/events/{event_id}/history"
    )


def event_or_redirect(
    request: Request, session: Session, event_id: str, route_name: str
) -> queries.EventRow | RedirectResponse:
    """The event; a 301 to `route_name` when `event_id` is the old id of a merged
    event; a 410 with the reason when the event was retired; a 404 when no event ever
    had that id."""
    event = queries.get_event(session=session, event_id=event_id)
    if event is not None:
        return event
    found = queries.resolve_event_id(session=session, event_id=event_id)
    if found is None:
        rejected = queries.rejected_event(session=session, event_id=event_id)
        if rejected is not None:
            raise HTTPException(410, rejected_note(*rejected))
        retired = session.get(RetiredEvent, event_id)
        if retired is not None:
            raise HTTPException(
                410,
                f"The event {event_id} was retired on {retired.retired_at:%Y-%m-%d}: {retired.reason}.",
            )
        raise HTTPException(404, f"No event has the id {event_id[:40]!r}.")
    path = request.app.url_path_for(route_name, event_id=found[1])
    return RedirectResponse(absolute(request, str(path)), status_code=301)
