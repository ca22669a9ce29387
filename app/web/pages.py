"""HTML pages: the timeline, the event permalink, the article. Thin: query, then render.

Handlers are `async def`: a cached answer is served from the event loop, since a
thread-pool hop per request cost more than the answer under load (event page p95
127 ms -> 25 ms at 20 clients in bench/web_bench.py). What is not cached is computed
in a worker thread (cached_response, app.web.threads), so new views never stall the
cached ones.
"""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db import SessionDep
from app.review.history import event_history
from app.web import queries, state
from app.web.cache import cached_response
from app.web.filters import FACETS, BadParam, EventFilter, filter_params
from app.web.formatting import highlight_segments, month_key
from app.web.lookup import event_or_redirect
from app.web.templating import render
from app.web.timeline import layout

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
FilterDep = Annotated[EventFilter, Depends(filter_params)]


def group_by_month(rows: list[queries.EventRow]) -> list[tuple[str, list[queries.EventRow]]]:
    groups: list[tuple[str, list[queries.EventRow]]] = []
    for row in rows:
        key = month_key(row.date, row.date_precision)
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(row)
    return groups


@router.get("/", name="timeline")
async def timeline(
    request: Request,
    session: SessionDep,
    filter: FilterDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    return await cached_response(
        session, request, lambda: _timeline(request, session, filter, page)
    )


# The floors the filter form offers (any other value works in the URL).
CONFIDENCE_LEVELS = (0.5, 0.7, 0.9)


def _timeline(request: Request, session: Session, filter: EventFilter, page: int) -> Response:
    total = queries.count_events(session=session, filter=EventFilter())
    count = queries.count_events(session=session, filter=filter)
    pages = max(1, math.ceil(count / PER_PAGE))
    if page > pages:
        raise BadParam(f"page {page} does not exist: this view has {pages} page(s)")
    rows = queries.list_events(
        session=session, filter=filter, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    lanes = queries.lane_data(session=session, filter=filter)
    context: dict[str, Any] = {
        "filter": filter,
        "facet_names": FACETS,
        "confidence_levels": CONFIDENCE_LEVELS,
        "total": total,
        "count": count,
        "page": page,
        "pages": pages,
        "groups": group_by_month(rows),
        "facets": queries.facet_counts(session=session, filter=filter),
        "chips": queries.names_for(session=session, filter=filter),
        "lanes": lanes,
        "layout": layout(lanes, date_from=filter.date_from, date_to=filter.date_to),
    }
    return render(request, "timeline.html", context, blocks=["results", "filters"])


@router.get("/events/{event_id}", name="event_page")
async def event_page(request: Request, session: SessionDep, event_id: str) -> Response:
    return await cached_response(session, request, lambda: _event_page(request, session, event_id))


def _event_page(request: Request, session: Session, event_id: str) -> Response:
    event = event_or_redirect(request, session, event_id, "event_page")
    if isinstance(event, Response):
        return event
    before, after = queries.related_events(session=session, event=event)
    policy = state.event_policy(session, event.id)
    context = {
        "event": event,
        "before": before,
        "after": after,
        "policy": policy,
        "history": event_history(session, event.id),
    }
    return render(request, "event.html", context)


@router.get("/articles/{article_id}", name="article_page")
async def article_page(request: Request, session: SessionDep, article_id: str) -> Response:
    return await cached_response(
        session, request, lambda: _article_page(request, session, article_id)
    )


def _article_page(request: Request, session: Session, article_id: str) -> Response:
    view = queries.get_article(session=session, article_id=article_id)
    if view is None:
        raise HTTPException(404, f"No article has the id {article_id[:40]!r}.")
    spans = [(m.start, m.end, m.event_id) for m in view.mentions]
    context = {
        "article": view.article,
        "mentions": view.mentions,
        "pieces": highlight_segments(view.article.text, spans),
    }
    return render(request, "article.html", context)
