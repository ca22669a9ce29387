"""The review desk's pages (/review): sign-in, the queue, an event's review page, an
article's page to add a missed event. Every write is a POST with the session's CSRF
token, audited (app/review/actions.py); with htmx the queue swaps one item in place.
Pages are per editor: never cached, `Cache-Control: no-store`.

Routes are plain functions, run in a thread pool (those that read the request body
first hand the rest to it): their queries and a sign-in's password hashing never hold
up the event loop that serves the public pages."""

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from app.db import WriterSessionDep
from app.models import EVENT_TYPES, Actor, Article, Event, Place, ReviewAction, Weapon
from app.review import accounts, actions, history, queue
from app.review.actions import ReviewError, current_fields
from app.review.snapshots import shown_fields
from app.web import auth, cache, queries
from app.web.formatting import highlight_segments
from app.web.templating import render

router = APIRouter(prefix="/review", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "Vary": "Cookie, HX-Request"}


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = render(request, name, context, status_code=status)
    response.headers.update(NO_STORE)
    return response


def _safe_next(target: str | None, default: str = "/review") -> str:
    """Only a path of the desk: never another site (no open redirect)."""
    if (
        target
        and target.startswith("/review")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return default


def _sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/review/login?next={target}", status_code=303, headers=NO_STORE)


def _writer(request: Request, session: Session, token: str | None) -> auth.SignedIn:
    """The signed-in editor of a desk POST, its CSRF token checked; else 401/403."""
    if not auth.same_origin(request):
        raise HTTPException(403, "Refused: this form was sent from another site.")
    signed = auth.signed_in(request, session)
    if signed is None:
        raise HTTPException(401, "Sign in first: /review/login")
    auth.check_csrf(request, signed.csrf, token)
    return signed


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# --- signing in and out -------------------------------------------------------------------


@router.get("/login", name="desk_login")
def login_form(request: Request, session: WriterSessionDep, next: str | None = None) -> Response:
    if auth.signed_in(request, session) is not None:
        return RedirectResponse(_safe_next(next), status_code=303, headers=NO_STORE)
    return _login_page(request, next, None, 200)


def _login_page(request: Request, next: str | None, error: str | None, status: int) -> Response:
    nonce, new = auth.login_nonce(request)
    context = {
        "csrf": auth.login_token(nonce),
        "next": _safe_next(next),
        "error": error,
        "name": "",
    }
    response = _page(request, "review/login.html", context, status)
    if new:
        auth.set_login_cookie(request, response, nonce)
    return response


@router.post("/login")
def login(
    request: Request,
    session: WriterSessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    auth.check_login_csrf(request, csrf_token)
    limits = auth.login_limits()
    client = auth.client_address(request)
    wait = accounts.login_wait(session, name, client, limits)
    if wait:
        minutes = math.ceil(wait / 60)
        response = _login_page(
            request, next, f"Too many failed sign-ins: try again in {minutes} minute(s).", 429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    editor = accounts.authenticate(session, name, password)
    if editor is None:
        accounts.record_failure(session, name, client, limits)
        session.commit()
        return _login_page(request, next, "Wrong editor name or password.", 401)
    # A fresh session id at every sign-in; whatever session cookie came in is ended.
    accounts.end_session(session, request.cookies.get(auth.SESSION_COOKIE, ""))
    accounts.clear_failures(session, name)
    cookie, _ = accounts.start_session(
        session, editor, dt.timedelta(hours=auth.get_settings().session_hours)
    )
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=303, headers=NO_STORE)
    auth.set_session_cookie(request, response, cookie)
    response.delete_cookie(auth.LOGIN_COOKIE, path=auth.COOKIE_PATH)
    return response


@router.post("/logout")
def logout(
    request: Request, session: WriterSessionDep, csrf_token: Annotated[str | None, Form()] = None
) -> Response:
    _writer(request, session, csrf_token)
    accounts.end_session(session, request.cookies.get(auth.SESSION_COOKIE, ""))
    session.commit()
    response = RedirectResponse("/review/login", status_code=303, headers=NO_STORE)
    auth.clear_session_cookie(request, response)
    return response


# --- the queue ----------------------------------------------------------------------------


@router.get("", name="desk_queue")
def queue_page(
    request: Request, session: WriterSessionDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    signed = auth.signed_in(request, session)
    if signed is None:
        return _sign_in_redirect(request)
    found = queue.queue_page(session, page, _today())
    if page > found.pages:
        raise HTTPException(400, f"page {page} does not exist: the queue has {found.pages} page(s)")
    return _page(request, "review/queue.html", {"me": signed, "queue": found})


def _queue_item(session: Session, event_id: str) -> queue.QueueItem | None:
    event = queries.get_event(session=session, event_id=event_id)
    if event is None:
        return None
    sources = len({m.article_id for m in event.mentions})
    rank = queue.priority(event.id, event.confidence, sources, event.date, _today())
    return queue.QueueItem(event, rank, queue.desk_mentions(session, [event.id])[event.id])


# --- acting on events -----------------------------------------------------------------------


def _act(
    request: Request,
    session: Session,
    signed: auth.SignedIn,
    event_id: str,
    do: Any,
    next: str | None,
) -> Response:
    """Run one action in its own transaction. With htmx, answer the queue item's new
    state; without, go back to `next` (or the event's review page)."""
    try:
        row: ReviewAction = do(actions.Editor(signed.editor.name))
        session.commit()
    except ReviewError as error:
        session.rollback()
        if request.headers.get("HX-Request") == "true":
            item = _queue_item(session, event_id)
            context: dict[str, Any] = {"me": signed, "item": item, "event_id": event_id}
            context["error"] = error.message
            return _page(request, "review/_item.html", context, error.status)
        return _event_page(
            request, session, signed, event_id, error=error.message, status=error.status
        )
    cache.clear()
    if request.headers.get("HX-Request") == "true":
        context = {"me": signed, "row": row, "summary": _summary_of(session, row)}
        return _page(request, "review/_done.html", context)
    default = f"/review/events/{_landing(session, row)}"
    return RedirectResponse(_safe_next(next, default), status_code=303, headers=NO_STORE)


def _landing(session: Session, row: ReviewAction) -> str:
    """Where the editor looks after an action: the event that remains."""
    if row.action == "merge" and row.other_event_id:
        return row.other_event_id
    return history.current_id(session, row.event_id)


def _summary_of(session: Session, row: ReviewAction) -> str:
    event = session.get(Event, _landing(session, row))
    if event is not None:
        return event.summary
    shown = row.before.get("events", {}).get(row.event_id) or {}
    return str(shown.get("shown", {}).get("summary", row.event_id))


@router.post("/events/{event_id}/confirm")
def confirm(
    request: Request,
    session: WriterSessionDep,
    event_id: str,
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    signed = _writer(request, session, csrf_token)
    return _act(
        request,
        session,
        signed,
        event_id,
        lambda who: actions.confirm(session, event_id, who),
        next,
    )


@router.post("/events/{event_id}/reject")
def reject(
    request: Request,
    session: WriterSessionDep,
    event_id: str,
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    signed = _writer(request, session, csrf_token)
    return _act(
        request, session, signed, event_id, lambda who: actions.reject(session, event_id, who), next
    )


def form_fields(form: dict[str, str]) -> dict[str, Any]:
    """The edit form's values as `fields` of an action (names separated by commas; an
    empty date is undated; an empty summary is generated)."""
    fields: dict[str, Any] = {}
    for name in ("type", "actor"):
        if form.get(name, "").strip():
            fields[name] = form[name].strip()
    for name in ("weapons", "places"):
        if name in form:
            fields[name] = [v.strip() for v in form[name].split(",") if v.strip()]
    if "date" in form:
        fields["date"] = form["date"].strip() or None
        if fields["date"] and form.get("date_basis"):
            fields["date_basis"] = form["date_basis"]
    if "summary" in form:
        fields["summary"] = form["summary"]
    return fields


EDIT_FORM_FIELDS = ("type", "actor", "date", "date_basis", "weapons", "places", "summary")


async def _form(request: Request) -> dict[str, str]:
    data = await request.form(max_files=0, max_fields=50)
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.post("/events/{event_id}/edit")
async def edit(request: Request, session: WriterSessionDep, event_id: str) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_edit, request, session, event_id, form)


def _edit(request: Request, session: Session, event_id: str, form: dict[str, str]) -> Response:
    signed = _writer(request, session, form.get(auth.CSRF_FIELD))
    fields = form_fields({k: v for k, v in form.items() if k in EDIT_FORM_FIELDS})
    try:
        row = actions.edit(session, event_id, actions.Editor(signed.editor.name), fields)
        session.commit()
    except ReviewError as error:
        session.rollback()
        return _event_page(
            request, session, signed, event_id, error=error.message, status=error.status, form=form
        )
    cache.clear()
    return RedirectResponse(
        f"/review/events/{row.event_id}?saved={row.id}", status_code=303, headers=NO_STORE
    )


@router.post("/events/{event_id}/merge")
def merge(
    request: Request,
    session: WriterSessionDep,
    event_id: str,
    into: Annotated[str, Form(max_length=100)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    signed = _writer(request, session, csrf_token)
    target = history.current_id(session, into.strip())
    return _act(
        request,
        session,
        signed,
        event_id,
        lambda who: actions.merge(session, event_id, target, who),
        None,
    )


@router.post("/events/{event_id}/detach")
def detach(
    request: Request,
    session: WriterSessionDep,
    event_id: str,
    mention: Annotated[str, Form(max_length=100)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    signed = _writer(request, session, csrf_token)
    return _act(
        request,
        session,
        signed,
        event_id,
        lambda who: actions.detach(session, event_id, mention, who),
        None,
    )


@router.post("/actions/{action_id}/undo")
def undo(
    request: Request,
    session: WriterSessionDep,
    action_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    signed = _writer(request, session, csrf_token)
    action = session.get(ReviewAction, action_id)
    event_id = action.event_id if action else ""
    try:
        row = actions.undo(session, action_id, actions.Editor(signed.editor.name))
        session.commit()
    except ReviewError as error:
        session.rollback()
        if action is None:
            raise HTTPException(error.status, error.message) from None
        if request.headers.get("HX-Request") == "true":
            context = {
                "me": signed,
                "item": _queue_item(session, event_id),
                "error": error.message,
                "event_id": event_id,
            }
            return _page(request, "review/_item.html", context, error.status)
        return _event_page(
            request,
            session,
            signed,
            history.current_id(session, event_id),
            error=error.message,
            status=error.status,
        )
    cache.clear()
    if request.headers.get("HX-Request") == "true":
        item = _queue_item(session, row.event_id)
        event = session.get(Event, row.event_id)
        if item is not None and event is not None and event.review_status == "unreviewed":
            return _page(
                request, "review/_item.html", {"me": signed, "item": item, "event_id": row.event_id}
            )
        return _page(
            request,
            "review/_done.html",
            {"me": signed, "row": row, "summary": _summary_of(session, row)},
        )
    return RedirectResponse(
        _safe_next(next, f"/review/events/{_landing(session, row)}"),
        status_code=303,
        headers=NO_STORE,
    )


# --- an event's review page ---------------------------------------------------------------


@router.get("/events/{event_id}", name="desk_event")
def event_page(request: Request, session: WriterSessionDep, event_id: str) -> Response:
    signed = auth.signed_in(request, session)
    if signed is None:
        return _sign_in_redirect(request)
    current = history.current_id(session, event_id)
    if current != event_id:
        return RedirectResponse(f"/review/events/{current}", status_code=303, headers=NO_STORE)
    return _event_page(request, session, signed, event_id)


def _names(session: Session, model: Any, ids: list[str]) -> list[str]:
    if not ids:
        return []
    rows = session.exec(select(model.id, model.name).where(col(model.id).in_(ids))).all()
    names = dict(rows)
    return [names.get(i, i) for i in ids]


def _form_values(session: Session, event: Event) -> dict[str, str]:
    """The edit form prefilled with the event's fields as shown."""
    fields = current_fields(session, event)
    date = fields["date"] or ""
    if date and fields["date_precision"] in ("month", "year"):
        date = date[: 7 if fields["date_precision"] == "month" else 4]
    actor = session.get(Actor, event.actor_id)
    return {
        "type": event.type,
        "actor": actor.name if actor else event.actor_id,
        "date": date,
        "date_basis": fields["date_basis"] if date else "text",
        "weapons": ", ".join(_names(session, Weapon, fields["weapons"])),
        "places": ", ".join(_names(session, Place, fields["places"])),
        "summary": fields["summary"] or "",
    }


def _choices(session: Session) -> dict[str, Any]:
    """What the edit and add forms offer: the types, and the actors' names to complete."""
    actors = session.exec(select(Actor.name).order_by(col(Actor.name))).all()
    return {"types": EVENT_TYPES, "actors": list(actors)}


def _event_page(
    request: Request,
    session: Session,
    signed: auth.SignedIn,
    event_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    event = session.get(Event, event_id)
    if event is None:
        raise HTTPException(
            404 if status == 200 else status, error or f"No event has the id {event_id[:40]!r}."
        )
    entries = history.event_history(session, event_id)
    latest = entries[-1] if entries else None
    mentions = queue.desk_mentions(session, [event_id])[event_id]
    saved = request.query_params.get("saved")
    context = {
        "me": signed,
        "event": event,
        "shown": shown_fields(session, event),
        "mentions": mentions,
        "history": entries,
        "undoable": latest.id if latest and latest.editor == signed.editor.name else None,
        "form": form or _form_values(session, event),
        "error": error,
        "saved": saved,
        **_choices(session),
    }
    return _page(request, "review/event.html", context, status)


# --- adding an event the extractor missed -----------------------------------------------------


@router.get("/articles/{article_id}", name="desk_article")
def article_page(request: Request, session: WriterSessionDep, article_id: str) -> Response:
    signed = auth.signed_in(request, session)
    if signed is None:
        return _sign_in_redirect(request)
    return _article_page(request, session, signed, article_id)


def _article_page(
    request: Request,
    session: Session,
    signed: auth.SignedIn,
    article_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    article = session.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"No article has the id {article_id[:40]!r}.")
    rows = queue.desk_mentions_of_article(session, article_id)
    pieces = highlight_segments(article.text, [(m.start, m.end, m.event_id) for m in rows])
    context = {
        "me": signed,
        "article": article,
        "pieces": pieces,
        "mentions": rows,
        "form": form or {},
        "error": error,
        **_choices(session),
    }
    return _page(request, "review/article.html", context, status)


@router.post("/articles/{article_id}/events")
async def add(request: Request, session: WriterSessionDep, article_id: str) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_add, request, session, article_id, form)


def _add(request: Request, session: Session, article_id: str, form: dict[str, str]) -> Response:
    signed = _writer(request, session, form.get(auth.CSRF_FIELD))
    fields = form_fields({k: v for k, v in form.items() if k in EDIT_FORM_FIELDS})
    try:
        start, end = int(form.get("start", "")), int(form.get("end", ""))
    except ValueError:
        return _article_page(
            request,
            session,
            signed,
            article_id,
            error="Select the sentence first (start and end are numbers).",
            status=422,
            form=form,
        )
    try:
        row = actions.add(
            session,
            article_id,
            start,
            end,
            actions.Editor(signed.editor.name),
            fields,
            form.get("trigger"),
        )
        session.commit()
    except ReviewError as error:
        session.rollback()
        if error.status == 404:
            raise HTTPException(404, error.message) from None
        return _article_page(
            request,
            session,
            signed,
            article_id,
            error=error.message,
            status=error.status,
            form=form,
        )
    cache.clear()
    return RedirectResponse(
        f"/review/events/{row.event_id}?saved={row.id}", status_code=303, headers=NO_STORE
    )
