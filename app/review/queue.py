"""The review queue: unreviewed events, the most consequential doubtful ones first.

    priority = doubt × weight of sources × recency
    doubt    = 1 − confidence (0.5 when the extractor never scored the event)
    sources  = 1 + ln(distinct articles)
    recency  = ½ ^ (age in years), age from the event's date to today (undated: one year)

A shaky reading told by many articles about last week's decision comes first; a sure,
single-source reading of an old statement comes last.
"""

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from app.models import Article, Event, Mention
from app.web import queries

UNSCORED_DOUBT = 0.5
UNDATED_AGE_DAYS = 365
PER_PAGE = 20


@dataclass(frozen=True)
class Priority:
    event_id: str
    value: float
    confidence: float | None
    sources: int
    age_days: int | None


def priority(
    event_id: str, confidence: float | None, sources: int, date: dt.date | None, today: dt.date
) -> Priority:
    doubt = UNSCORED_DOUBT if confidence is None else 1.0 - confidence
    age = None if date is None else max(0, (today - date).days)
    recency = 0.5 ** ((UNDATED_AGE_DAYS if age is None else age) / 365)
    value = doubt * (1 + math.log(max(1, sources))) * recency
    return Priority(event_id, round(value, 4), confidence, sources, age)


def ranked(session: Session, today: dt.date) -> list[Priority]:
    """Every unreviewed event by priority (highest first; ties by id)."""
    event, mention = Event.__table__, Mention.__table__  # type: ignore[attr-defined]
    stmt = (
        select(
            event.c.id,
            event.c.confidence,
            event.c.date,
            func.count(func.distinct(mention.c.article_id)),
        )
        .join(mention, mention.c.event_id == event.c.id)
        .where(event.c.review_status == "unreviewed")
        .group_by(event.c.id, event.c.confidence, event.c.date)
    )
    rows = session.connection().execute(stmt)
    items = [priority(i, c, int(n), _date(d), today) for i, c, d, n in rows]
    return sorted(items, key=lambda p: (-p.value, p.event_id))


def _date(value: dt.date | str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class DeskMention:
    """A mention as an editor sees it: the quote with its trigger, the extractor's reasons."""

    key: str
    event_id: str
    article_id: str
    outlet: str | None
    title: str | None
    published: dt.date | None
    start: int
    end: int
    quote: str
    trigger_start: int
    trigger_end: int
    confidence: float | None
    notes: tuple[str, ...]
    type: str
    actor_id: str

    def quote_parts(self) -> tuple[str, str, str]:
        a, b = self.trigger_start - self.start, self.trigger_end - self.start
        if not (0 <= a <= b <= len(self.quote)):
            return (self.quote, "", "")
        return (self.quote[:a], self.quote[a:b], self.quote[b:])


def desk_mentions(session: Session, event_ids: list[str]) -> dict[str, list[DeskMention]]:
    mention, article = Mention.__table__, Article.__table__  # type: ignore[attr-defined]
    stmt = (
        select(
            mention.c.key, mention.c.event_id, mention.c.article_id, article.c.outlet,
            article.c.title, article.c.published, mention.c.start, mention.c.end,
            mention.c.quote, mention.c.trigger_start, mention.c.trigger_end,
            mention.c.confidence, mention.c.notes, mention.c.type, mention.c.actor_id,
        )
        .join(article, article.c.id == mention.c.article_id)
        .where(mention.c.event_id.in_(event_ids))
        .order_by(article.c.published, mention.c.article_id, mention.c.start)
    )  # fmt: skip
    out: dict[str, list[DeskMention]] = {i: [] for i in event_ids}
    for row in session.connection().execute(stmt):
        values = list(row)
        values[5] = _date(values[5])
        values[12] = tuple(values[12] or ())
        out[row.event_id].append(DeskMention(*values))
    return out


@dataclass(frozen=True)
class QueueItem:
    event: queries.EventRow
    priority: Priority
    mentions: list[DeskMention]


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int


def queue_page(session: Session, page: int, today: dt.date, per_page: int = PER_PAGE) -> QueuePage:
    order = ranked(session, today)
    pages = max(1, math.ceil(len(order) / per_page))
    chosen = order[(page - 1) * per_page : page * per_page]
    ids = [p.event_id for p in chosen]
    events = queries.events_by_ids(session=session, ids=ids)
    mentions = desk_mentions(session, ids)
    items = [
        QueueItem(events[p.event_id], p, mentions[p.event_id])
        for p in chosen
        if p.event_id in events
    ]
    return QueuePage(items, len(order), page, pages)


def desk_mentions_of_article(session: Session, article_id: str) -> list[DeskMention]:
    """The article's mentions (rejected events' included: the desk sees everything)."""
    mention = Mention.__table__  # type: ignore[attr-defined]
    ids = [
        row[0]
        for row in session.connection().execute(
            select(mention.c.event_id).where(mention.c.article_id == article_id).distinct()
        )
    ]
    found = desk_mentions(session, ids)
    return sorted(
        (m for rows in found.values() for m in rows if m.article_id == article_id),
        key=lambda m: (m.start, m.key),
    )
