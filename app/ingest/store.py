"""Store one article with its events: the caller wraps this in ONE transaction.

Event ids are deterministic: a mention's key hashes the article's content hash, the
evidence offsets, type and actor; an event's id is the smallest key among its
mentions. When a new mention takes over as smallest key, the event gets the new id
and its old id becomes an alias that keeps resolving (so a shared link never dies).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from app.extract import confidence
from app.extract.summary import summarize
from app.extract.types import ExtractedEvent
from app.ingest.cluster import Reading, best_event, date_window, representative_date
from app.ingest.reader import ReadArticle
from app.models import (
    Actor,
    Article,
    Event,
    EventAlias,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    Weapon,
    utcnow,
)
from app.review import durable
from app.slugs import fold, short_hash, slugify

# How far around a new mention's date window to look for candidate events.
CANDIDATE_MARGIN = dt.timedelta(days=400)


@dataclass
class StoreResult:
    article_id: str
    new: bool
    events_created: int = 0
    events_merged: int = 0  # mentions that joined an event already told by another article
    mentions: int = 0


def article_id_for(content_hash: str) -> str:
    return content_hash[:16]


def store_article(
    session: Session, article: ReadArticle, events: Sequence[ExtractedEvent]
) -> StoreResult:
    known = session.exec(
        select(Article.id).where(Article.content_hash == article.content_hash)
    ).first()
    if known is not None:
        return StoreResult(article_id=known, new=False)
    row = Article(
        id=article_id_for(article.content_hash),
        content_hash=article.content_hash,
        source=article.source,
        url=article.url,
        title=article.title,
        outlet=article.outlet,
        language=article.language,
        published=article.published,
        published_precision=article.published_precision,
        text=article.text,
        word_count=article.word_count,
    )
    session.add(row)
    session.flush()
    result = StoreResult(article_id=row.id, new=True)
    seen: set[str] = set()
    for extracted in events:
        mention = mention_for(session, row, extracted)
        if mention.key in seen:  # the same reading of the same sentence, told twice
            continue
        seen.add(mention.key)
        event_id = attach_new(session, mention, row.id)
        if event_id is None:
            result.events_created += 1
        else:
            result.events_merged += 1
        result.mentions += 1
    return result


def mention_for(session: Session, article: Article, extracted: ExtractedEvent) -> Mention:
    """The mention a reading of `article` makes (not yet attached to an event)."""
    _check_offsets(article.text, extracted)
    actor_id = _ensure_named(session, Actor, extracted.actor)
    return _mention(session, article, extracted, actor_id)


def update_mention(mention: Mention, reading: Mention) -> None:
    """The same reading (same key) read again: its fields take the new values."""
    for name in (
        "weapons",
        "places",
        "date",
        "date_precision",
        "date_basis",
        "quote",
        "trigger",
        "trigger_start",
        "trigger_end",
        "cited_source",
        "speaker",
        "voice",
        "negated",
        "confidence",
        "notes",
    ):
        setattr(mention, name, getattr(reading, name))


def _check_offsets(text: str, event: ExtractedEvent) -> None:
    if not (0 <= event.start < event.end <= len(text)):
        raise ValueError(f"evidence offsets {event.start}-{event.end} outside the article")
    if not (event.start <= event.trigger_start < event.trigger_end <= event.end):
        raise ValueError(
            f"trigger offsets {event.trigger_start}-{event.trigger_end} outside its sentence"
        )


Named = type[Actor] | type[Weapon] | type[Place]


def _name_cache(session: Session) -> dict[tuple[str, str], str]:
    """(table, id) -> name, for this transaction: saves a query per mention."""
    cache: dict[tuple[str, str], str] = session.info.setdefault("entity_names", {})
    return cache


def _ensure_named(session: Session, model: Named, name: str) -> str:
    entity_id = slugify(name)
    cache = _name_cache(session)
    if (model.__name__, entity_id) not in cache:
        stored = _names(session, model, {entity_id}).get(entity_id)
        if stored is None:
            session.add(model(id=entity_id, name=name))
            session.flush()
            cache[(model.__name__, entity_id)] = name
    return entity_id


def _mention(session: Session, article: Article, event: ExtractedEvent, actor_id: str) -> Mention:
    weapons = sorted({_ensure_named(session, Weapon, name) for name in event.weapons})
    places = sorted({_ensure_named(session, Place, name) for name in event.places})
    key = short_hash(article.content_hash, event.start, event.end, event.type, actor_id)
    return Mention(
        key=key,
        event_id=key,  # provisional: set by attach_new
        article_id=article.id,
        type=event.type,
        actor_id=actor_id,
        weapons=weapons,
        places=places,
        date=event.date,
        date_precision=event.date_precision,
        date_basis=event.date_basis,
        quote=article.text[event.start : event.end],
        start=event.start,
        end=event.end,
        trigger=event.trigger,
        trigger_start=event.trigger_start,
        trigger_end=event.trigger_end,
        cited_source=event.cited_source,
        speaker=event.speaker,
        voice=event.voice,
        negated=event.negated,
        confidence=event.confidence,
        notes=list(event.notes),
    )


# The mention columns clustering reads, selected as plain rows (no ORM objects: an
# event told by many articles has many mentions).
READING_COLUMNS: tuple[Any, ...] = (
    Mention.type,
    Mention.actor_id,
    Mention.weapons,
    Mention.places,
    Mention.date,
    Mention.date_precision,
    Mention.date_basis,
    Mention.voice,
)


def reading_of(mention: Mention) -> Reading:
    return Reading(
        type=mention.type,
        actor_id=mention.actor_id,
        weapons=frozenset(mention.weapons),
        places=frozenset(mention.places),
        date=mention.date,
        date_precision=mention.date_precision,
        date_basis=mention.date_basis,
        voice=mention.voice,
    )


def _reading_from_row(row: Any) -> Reading:
    type_, actor_id, weapons, places, date, precision, basis, voice = row
    return Reading(
        type_, actor_id, frozenset(weapons), frozenset(places), date, precision, basis, voice
    )


def attach_new(session: Session, mention: Mention, article_id: str) -> str | None:
    """Put the mention in the best matching event, or a new one. Returns the id of the
    existing event it joined, or None when it founded a new event."""
    reading = reading_of(mention)
    # A reading a person decided about goes where they put it (app/review/durable.py).
    event = durable.decided_event(session, mention)
    if event is not None:
        target: str | None = event.id
    else:
        candidates = durable.without_rejected(session, _candidates(session, reading, article_id))
        target = best_event(reading, candidates)
        event = _joined_or_new(session, mention, target)
    mention.event_id = event.id
    session.add(mention)
    session.flush()
    refresh_event(session, event)
    return target


def _joined_or_new(session: Session, mention: Mention, target: str | None) -> Event:
    """The event `target` (renamed when the mention's key is smaller, unless a person
    reviewed it), or a new event when there is none."""
    if target is None:
        event = Event(id=mention.key, type=mention.type, actor_id=mention.actor_id, summary="")
        session.add(event)
        session.flush()
        return event
    found = session.get(Event, target)
    assert found is not None
    if mention.key < target and not durable.keeps_id(found):
        return rename_event(session, target, mention.key)
    return found


def _candidates(
    session: Session, reading: Reading, article_id: str
) -> list[tuple[str, list[Reading]]]:
    query = select(Event.id).where(Event.type == reading.type, Event.actor_id == reading.actor_id)
    window = date_window(reading)
    if window is not None:
        lo, hi = window[0] - CANDIDATE_MARGIN, window[1] + CANDIDATE_MARGIN
        query = query.where(col(Event.date).is_(None) | col(Event.date).between(lo, hi))
    told_here = select(Mention.event_id).where(Mention.article_id == article_id)
    query = query.where(col(Event.id).not_in(told_here)).order_by(col(Event.id))
    event_ids = list(session.exec(query))
    if not event_ids:
        return []
    by_event: dict[str, list[Reading]] = {event_id: [] for event_id in event_ids}
    # Distinct readings: copies of one wire story read the same and add nothing to
    # single-linkage matching. (sqlalchemy's select: sqlmodel's takes four columns.)
    rows = session.execute(
        sa.select(col(Mention.event_id), *READING_COLUMNS)
        .where(col(Mention.event_id).in_(event_ids))
        .distinct()
    )
    for event_id, *columns in rows:
        by_event[event_id].append(_reading_from_row(columns))
    return list(by_event.items())


def rename_event(session: Session, old_id: str, new_id: str) -> Event:
    """The event takes the id `new_id`; `old_id` becomes an alias that keeps resolving."""
    old = session.get(Event, old_id)
    assert old is not None
    renamed = Event(**{**old.model_dump(), "id": new_id})
    session.add(renamed)
    session.flush()
    for model in (Mention, EventWeapon, EventPlace, EventAlias):
        session.exec(update(model).where(col(model.event_id) == old_id).values(event_id=new_id))
    session.delete(old)
    session.flush()
    session.add(EventAlias(id=old_id, event_id=new_id))
    session.flush()
    session.expire(renamed)  # its links and mentions moved under it by UPDATE statements
    return renamed


def refresh_event(session: Session, event: Event, *, prune: bool = False) -> None:
    """Derive an event's fields from its mentions (a mention just joined it). `prune`:
    mentions may also have left or changed (re-extraction), so links no mention names
    any more are removed; at ingestion mentions only join, and links only grow."""
    # Distinct rows: syndicated copies repeat a quote and its reading word for word.
    rows = session.execute(
        sa.select(
            col(Mention.quote),
            col(Mention.cited_source),
            col(Mention.speaker),
            col(Article.outlet),
            *READING_COLUMNS,
        )
        .join(Article, col(Article.id) == col(Mention.article_id))
        .where(col(Mention.event_id) == event.id)
        .distinct()
    ).all()
    rows = sorted(rows, key=repr)  # the same search text whatever the ingestion order
    event.confidence = _event_confidence(session, event.id)
    readings = [_reading_from_row(row[4:]) for row in rows]
    outlets = sorted({row[3] for row in rows if row[3]})
    weapon_ids = {w for r in readings for w in r.weapons}
    place_ids = {p for r in readings for p in r.places}
    weapon_names = _names(session, Weapon, weapon_ids)
    place_names = _names(session, Place, place_ids)
    dated = representative_date(readings)
    if dated is None:
        event.date, event.date_precision, event.date_basis = None, None, "undated"
    else:
        event.date, event.date_precision = dated.date, dated.date_precision
        event.date_basis = dated.date_basis
    if event.reviewed_fields:  # a person's fields win over the derived ones
        weapon_ids, place_ids = durable.apply_reviewed_fields(event, weapon_ids, place_ids)
        weapon_names = _names(session, Weapon, weapon_ids)
        place_names = _names(session, Place, place_ids)
        prune = True
    actor_name = _names(session, Actor, {event.actor_id})[event.actor_id]
    event.summary = durable.reviewed_summary(event) or summarize(
        event.type, actor_name, list(weapon_names.values()), list(place_names.values())
    )
    # Distinct strings only: syndicated copies repeat a quote word for word.
    searchable = dict.fromkeys(
        [event.summary, actor_name, *weapon_names.values(), *place_names.values(), *outlets]
        + [" ".join(filter(None, row[:3])) for row in rows]
    )
    event.search_text = fold(" ".join(searchable))
    event.updated_at = utcnow()
    # Link the weapons and places the mentions name, and unlink what none names any more
    # (a reading changed by `timeline reextract`).
    _sync_links(session, EventWeapon, "weapon_id", event.id, weapon_ids, prune)
    _sync_links(session, EventPlace, "place_id", event.id, place_ids, prune)
    session.add(event)
    session.flush()


def _sync_links(
    session: Session,
    model: type[EventWeapon] | type[EventPlace],
    column: str,
    event_id: str,
    wanted: set[str],
    prune: bool,
) -> None:
    target = getattr(model, column)
    linked = set(session.exec(select(target).where(model.event_id == event_id)))
    stale = linked - wanted
    if prune and stale:
        session.exec(
            sa.delete(model).where(col(model.event_id) == event_id, col(target).in_(stale))
        )
    session.add_all(
        model(event_id=event_id, **{column: entity}) for entity in sorted(wanted - linked)
    )


def _event_confidence(session: Session, event_id: str) -> float | None:
    """Each article's best mention, combined as independent evidence."""
    best = session.execute(
        sa.select(sa.func.max(col(Mention.confidence)))
        .where(col(Mention.event_id) == event_id, col(Mention.confidence).is_not(None))
        .group_by(col(Mention.article_id))
    ).scalars()
    values = [float(v) for v in best]
    return confidence.combine(values) if values else None


def _names(session: Session, model: Named, entity_ids: set[str]) -> dict[str, str]:
    """id -> name, in id order (the order summaries use)."""
    cache = _name_cache(session)
    table = model.__name__
    missing = [i for i in entity_ids if (table, i) not in cache]
    if missing:
        rows = session.exec(select(model.id, model.name).where(col(model.id).in_(missing)))
        cache.update(((table, entity_id), name) for entity_id, name in rows)
    return {i: cache[(table, i)] for i in sorted(entity_ids) if (table, i) in cache}
