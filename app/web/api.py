"""The JSON API: the same query functions and filter object as the pages."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from app.db import SessionDep
from app.slugs import slugify
from app.web import queries
from app.web.cache import cached_response
from app.web.filters import EventFilter, filter_params
from app.web.links import absolute, event_url
from app.web.lookup import event_or_redirect

router = APIRouter(prefix="/api", tags=["api"])
FilterDep = Annotated[EventFilter, Depends(filter_params)]
MAX_LIMIT = 500
# Event and article ids: 16 hexadecimal digits (an old id of a merged event too).
ID_PATTERN = "^[0-9a-f]{16}$"


class ErrorOut(BaseModel):
    detail: str
    status: int


BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorOut,
        "description": "A parameter that cannot be honoured; `detail` says which and why.",
    }
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Nothing has this id."}
}
MOVED: dict[int | str, dict[str, Any]] = {
    301: {"description": "The old id of a merged event: `Location` is the event's URL."}
}
EventId = Annotated[str, Path(description="Event id", json_schema_extra={"pattern": ID_PATTERN})]
ArticleId = Annotated[
    str, Path(description="Article id", json_schema_extra={"pattern": ID_PATTERN})
]


class RefOut(BaseModel):
    id: str
    name: str


class MentionOut(BaseModel):
    article_id: str
    source: str
    outlet: str | None
    published: dt.date | None
    quote: str
    start: int
    end: int
    cited_source: str | None
    negated: bool


class EventOut(BaseModel):
    id: str
    url: str
    type: str
    actor: RefOut
    date: dt.date | None
    date_precision: str | None
    date_basis: str
    confidence: float | None
    reviewed: bool  # a person confirmed it on the review desk
    reviewed_at: dt.datetime | None
    weapons: list[RefOut]
    places: list[RefOut]
    summary: str
    mentions: list[MentionOut]


class EventsOut(BaseModel):
    data: list[EventOut]
    count: int


class FacetOut(BaseModel):
    id: str
    name: str
    count: int
    selected: bool


class FacetsOut(BaseModel):
    count: int
    facets: dict[str, list[FacetOut]]


class ArticleMentionOut(BaseModel):
    event_id: str
    event_url: str
    quote: str
    start: int
    end: int
    trigger_start: int
    trigger_end: int
    cited_source: str | None
    negated: bool


class ArticleOut(BaseModel):
    id: str
    url: str
    source: str
    original_url: str | None
    title: str | None
    outlet: str | None
    outlet_id: str | None
    language: str | None
    published: dt.date | None
    published_precision: str | None
    text: str
    mentions: list[ArticleMentionOut]


def as_json(model: BaseModel) -> Response:
    # Serialized here (not by FastAPI after the route) so the bytes can be cached.
    return Response(model.model_dump_json(), media_type="application/json")


def event_json(request: Request, e: queries.EventRow) -> EventOut:
    return EventOut(
        id=e.id,
        url=event_url(request, e.id),
        type=e.type,
        actor=RefOut(id=e.actor.id, name=e.actor.name),
        date=e.date,
        date_precision=e.date_precision,
        date_basis=e.date_basis,
        confidence=e.confidence,
        reviewed=e.reviewed,
        reviewed_at=e.reviewed_at,
        weapons=[RefOut(id=w.id, name=w.name) for w in e.weapons],
        places=[RefOut(id=p.id, name=p.name) for p in e.places],
        summary=e.summary,
        mentions=[
            MentionOut(
                article_id=m.article_id,
                source=m.source,
                outlet=m.outlet,
                published=m.published,
                quote=m.quote,
                start=m.start,
                end=m.end,
                cited_source=m.cited_source,
                negated=m.negated,
            )
            for m in e.mentions
        ],
    )


@router.get("/events", response_model=EventsOut, responses=BAD_REQUEST)
async def list_events(
    request: Request,
    session: SessionDep,
    filter: FilterDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Events under the filters, in date order (`order=desc` for newest first)."""

    def build() -> Response:
        rows = queries.list_events(
            session=session, filter=filter, limit=limit, offset=offset, mentions=True
        )
        count = queries.count_events(session=session, filter=filter)
        return as_json(EventsOut(data=[event_json(request, e) for e in rows], count=count))

    return await cached_response(session, request, build)


@router.get("/events/{event_id}", response_model=EventOut, responses={**MOVED, **NOT_FOUND})
async def get_event(request: Request, session: SessionDep, event_id: EventId) -> Response:
    """One event; an old id of a merged event redirects (301) to the event."""
    return await cached_response(session, request, lambda: _get_event(request, session, event_id))


def _get_event(request: Request, session: Session, event_id: str) -> Response:
    event = event_or_redirect(request, session, event_id, "get_event")
    if isinstance(event, Response):
        return event
    return as_json(event_json(request, event))


@router.get("/facets", response_model=FacetsOut, responses=BAD_REQUEST)
async def facets(request: Request, session: SessionDep, filter: FilterDep) -> Response:
    """Each filter's options with their counts under the other current filters."""
    return await cached_response(session, request, lambda: as_json(_facets(session, filter)))


def _facets(session: Session, filter: EventFilter) -> FacetsOut:
    counts = queries.facet_counts(session=session, filter=filter)
    return FacetsOut(
        count=queries.count_events(session=session, filter=filter),
        facets={
            name: [
                FacetOut(id=o.id, name=o.name, count=o.count, selected=o.selected) for o in options
            ]
            for name, options in counts.items()
        },
    )


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=NOT_FOUND)
async def get_article(request: Request, session: SessionDep, article_id: ArticleId) -> Response:
    return await cached_response(
        session, request, lambda: as_json(_get_article(request, session, article_id))
    )


def _get_article(request: Request, session: Session, article_id: str) -> ArticleOut:
    view = queries.get_article(session=session, article_id=article_id)
    if view is None:
        raise HTTPException(404, f"No article has the id {article_id[:40]!r}.")
    a = view.article
    return ArticleOut(
        id=a.id,
        url=absolute(request, str(request.app.url_path_for("article_page", article_id=a.id))),
        source=a.source,
        original_url=a.url,
        title=a.title,
        outlet=a.outlet,
        outlet_id=slugify(a.outlet) if a.outlet else None,
        language=a.language,
        published=a.published,
        published_precision=a.published_precision,
        text=a.text,
        mentions=[
            ArticleMentionOut(
                event_id=m.event_id,
                event_url=event_url(request, m.event_id),
                quote=m.quote,
                start=m.start,
                end=m.end,
                trigger_start=m.trigger_start,
                trigger_end=m.trigger_end,
                cited_source=m.cited_source,
                negated=m.negated,
            )
            for m in view.mentions
        ],
    )
