"""The review desk over JSON, for scripts: `Authorization: Bearer TOKEN` (from
`timeline token create NAME`). Every write is audited like the desk's; a refused one
changes nothing. Validation errors answer 422 with a message."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import SessionDep, WriterSessionDep
from app.models import Event, EventAlias, ReviewAction
from app.review import actions, history
from app.review.actions import ReviewError
from app.web import cache, queries
from app.web.api import BAD_REQUEST, NOT_FOUND, EventId, EventOut, as_json, event_json
from app.web.auth import bearer_editor

router = APIRouter(prefix="/api", tags=["review"])
MAX_BODY_BYTES = 64 * 1024


class ReviewIn(BaseModel):
    """One action on an event."""

    action: str = Field(description="confirm, reject, edit, merge or detach")
    fields: dict[str, Any] | None = Field(
        default=None,
        description="edit: type, actor, date (YYYY-MM-DD, YYYY-MM or YYYY; null: undated), "
        "date_precision, date_basis, weapons, places (names or ids), summary (null: generated)",
    )
    into: str | None = Field(default=None, description="merge: the event that absorbs this one")
    mention: str | None = Field(default=None, description="detach: the mention's key")


class AddIn(BaseModel):
    """An event the extractor missed, from characters start..end of the article."""

    start: int
    end: int
    fields: dict[str, Any] = Field(description="type and actor required; as for edit")
    trigger: str | None = Field(default=None, description="the words that state it")


class ReviewOut(BaseModel):
    action_id: int
    action: str
    editor: str
    at: dt.datetime
    undoes: int | None
    event_id: str
    review_status: str | None  # None: the event no longer exists (merged or withdrawn)
    event: EventOut | None  # None when it is not public (rejected, merged, withdrawn)


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class EventChangeOut(BaseModel):
    event_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changes: list[FieldChangeOut]


class HistoryEntryOut(BaseModel):
    id: int
    action: str
    editor: str
    at: dt.datetime
    undoes: int | None
    undone_by: int | None
    events: list[EventChangeOut]
    moved_mentions: list[dict[str, str | None]]


class HistoryOut(BaseModel):
    event_id: str
    actions: list[HistoryEntryOut]


def _body(raw: bytes, model: type[BaseModel]) -> Any:
    if len(raw) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the body is too large: at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise HTTPException(422, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(422, "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValueError as error:
        first = error.errors()[0] if hasattr(error, "errors") else {}  # pydantic's ValidationError
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise HTTPException(422, f"{where}: {first.get('msg', 'invalid value')}") from None


def _apply(
    request: Request, session: Session, do: Callable[[], ReviewAction], status: int = 200
) -> Response:
    try:
        row = do()
        session.commit()
    except ReviewError as error:
        session.rollback()
        raise HTTPException(error.status, error.message) from None
    except BaseException:
        session.rollback()
        raise
    cache.clear()  # this process's cached pages; other processes see the data version move
    event = session.get(Event, row.event_id)
    if row.action == "merge" and row.other_event_id:
        event = session.get(Event, row.other_event_id)
    public = queries.get_event(session=session, event_id=event.id) if event else None
    assert row.id is not None
    out = ReviewOut(
        action_id=row.id,
        action=row.action,
        editor=row.editor,
        at=row.at,
        undoes=row.undoes,
        event_id=event.id if event else row.event_id,
        review_status=event.review_status if event else None,
        event=event_json(request, public) if public else None,
    )
    response = as_json(out)
    response.status_code = status
    return response


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads and checks its JSON itself (so that
    invalid values answer 422 with our message)."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


OPENAPI_WRITE: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API token, or not a valid one"},
    422: {"description": "Invalid body or field values"},
}


@router.post(
    "/events/{event_id}/review",
    response_model=ReviewOut,
    responses={
        **OPENAPI_WRITE,
        404: {"description": "No such event"},
        308: {"description": "An old id: the same request to the event's id"},
        409: {"description": "Refused in the event's state"},
    },
    openapi_extra=json_body(ReviewIn),
)
async def review_event(request: Request, session: WriterSessionDep, event_id: str) -> Response:
    """Confirm, reject, edit, merge or detach (audited; undo with /api/review/actions/{id}/undo)."""
    raw = await request.body()
    return await run_in_threadpool(_review_event, request, session, event_id, raw)


def _review_event(request: Request, session: Session, event_id: str, raw: bytes) -> Response:
    editor = bearer_editor(request, session)
    body: ReviewIn = _body(raw, ReviewIn)
    if session.get(Event, event_id) is None:
        alias = session.get(EventAlias, event_id)
        if alias is not None:
            return RedirectResponse(
                str(request.url_for("review_event", event_id=alias.event_id)), status_code=308
            )
    who = actions.Editor(editor.name)
    handlers: dict[str, Callable[[], ReviewAction]] = {
        "confirm": lambda: actions.confirm(session, event_id, who),
        "reject": lambda: actions.reject(session, event_id, who),
        "edit": lambda: actions.edit(session, event_id, who, body.fields or {}),
        "merge": lambda: actions.merge(session, event_id, _required(body.into, "into"), who),
        "detach": lambda: actions.detach(
            session, event_id, _required(body.mention, "mention"), who
        ),
    }
    handler = handlers.get(body.action)
    if handler is None:
        raise HTTPException(
            422, f"action must be one of {', '.join(handlers)}, not {body.action[:40]!r}"
        )
    return _apply(request, session, handler)


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ReviewError(422, f"{name} is required for this action")
    return value


@router.post(
    "/review/actions/{action_id}/undo",
    response_model=ReviewOut,
    responses={
        **OPENAPI_WRITE,
        **BAD_REQUEST,  # an action id that is not a number
        403: {"description": "Another editor's action"},
        404: {"description": "No such action"},
        409: {"description": "A later action on its events"},
    },
)
def undo_action(request: Request, session: WriterSessionDep, action_id: int) -> Response:
    """Undo one of your own actions, while it is the latest on its events."""
    editor = bearer_editor(request, session)
    return _apply(
        request, session, lambda: actions.undo(session, action_id, actions.Editor(editor.name))
    )


@router.post(
    "/articles/{article_id}/events",
    response_model=ReviewOut,
    status_code=201,
    responses={
        **OPENAPI_WRITE,
        404: {"description": "No such article"},
        409: {"description": "Already read"},
    },
    openapi_extra=json_body(AddIn),
)
async def add_event(request: Request, session: WriterSessionDep, article_id: str) -> Response:
    """Add an event the extractor missed, from a span of the article's text."""
    raw = await request.body()
    return await run_in_threadpool(_add_event, request, session, article_id, raw)


def _add_event(request: Request, session: Session, article_id: str, raw: bytes) -> Response:
    editor = bearer_editor(request, session)
    body: AddIn = _body(raw, AddIn)
    who = actions.Editor(editor.name)
    return _apply(
        request,
        session,
        lambda: actions.add(
            session, article_id, body.start, body.end, who, body.fields, body.trigger
        ),
        status=201,
    )


@router.get("/events/{event_id}/history", response_model=HistoryOut, responses=NOT_FOUND)
async def event_history(request: Request, session: SessionDep, event_id: EventId) -> Response:
    """Every review action on the event (and on ids it had), oldest first: who, when,
    and each field before → after. Rejected events keep theirs."""
    return await cache.cached_response(
        session, request, lambda: as_json(_history(session, event_id))
    )


def _history(session: Session, event_id: str) -> HistoryOut:
    entries = history.event_history(session, event_id)
    current = history.current_id(session, event_id)
    if not entries and session.get(Event, current) is None:
        raise HTTPException(404, f"No event has the id {event_id[:40]!r}.")
    return HistoryOut(
        event_id=current,
        actions=[
            HistoryEntryOut(
                id=e.id,
                action=e.action,
                editor=e.editor,
                at=e.at,
                undoes=e.undoes,
                undone_by=e.undone_by,
                events=[
                    EventChangeOut(
                        event_id=c.event_id,
                        before=c.before,
                        after=c.after,
                        changes=[
                            FieldChangeOut(field=f.field, before=f.before, after=f.after)
                            for f in c.fields
                        ],
                    )
                    for c in e.events
                ],
                moved_mentions=[{"mention": k, "from": a, "to": b} for k, a, b in e.moved],
            )
            for e in entries
        ],
    )
