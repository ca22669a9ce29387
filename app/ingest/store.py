"""Store one article with its events: the caller wraps this in ONE transaction.

Event ids are deterministic: a mention's key hashes the article's content hash, the
evidence offsets, type and actor; an event's id is the smallest key among its
mentions. When a new mention takes over as smallest key, the event gets the new id
and its old id becomes an alias that keeps resolving (so a shared link never dies).
"""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.extract import confidence
from app.extract.summary import summarize
from app.extract.types import ExtractedEvent
from app.ingest.cluster import (
    REACH,
    Reading,
    best_event,
    date_ranges,
    generic_weapon_ids,
    named_systems,
    representative_date,
)
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


def _table(model: Any) -> Any:
    # Core columns typed as Any: SQLModel's attribute types fight SQLAlchemy's stubs.
    return model.__table__


@dataclass
class StoreResult:
    article_id: str
    new: bool
    events_created: int = 0
    events_merged: int = 0  # mentions that joined an event already told by another article
    mentions: int = 0


_KNOWN = sa.select(col(Article.id)).where(col(Article.content_hash) == sa.bindparam("hash"))


def article_id_for(content_hash: str) -> str:
    return content_hash[:16]


def store_article(
    session: Session, article: ReadArticle, events: Sequence[ExtractedEvent]
) -> StoreResult:
    connection = session.connection()
    known = connection.execute(_KNOWN, {"hash": article.content_hash}).scalar()
    if known is not None:
        return StoreResult(article_id=known, new=False)
    row = ArticleRow(
        id=article_id_for(article.content_hash),
        content_hash=article.content_hash,
        text=article.text,
    )
    connection.execute(
        _INSERT_ARTICLE,
        {
            "id": row.id,
            "content_hash": row.content_hash,
            "source": article.source,
            "url": article.url,
            "title": article.title,
            "outlet": article.outlet,
            "language": article.language,
            "published": article.published,
            "published_precision": article.published_precision,
            "text": article.text,
            "word_count": article.word_count,
            "ingested_at": utcnow(),
        },
    )
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


_INSERT_ARTICLE = sa.insert(_table(Article))


class StoredArticle(Protocol):
    """What a mention needs of its article (an Article row, or an ArticleRow)."""

    @property
    def id(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class ArticleRow:
    id: str
    content_hash: str
    text: str


@dataclass
class MentionRow:
    """A mention not yet stored (the columns of Mention, as a plain object: building
    an ORM object per mention costs more than storing it)."""

    key: str
    event_id: str
    article_id: str
    type: str
    actor_id: str
    weapons: list[str]
    places: list[str]
    weapon_key: str
    date: dt.date | None
    date_precision: str | None
    date_basis: str
    quote: str
    start: int
    end: int
    trigger: str
    trigger_start: int
    trigger_end: int
    cited_source: str | None
    speaker: str | None
    voice: str | None
    negated: bool
    confidence: float | None
    notes: list[str]


def mention_for(session: Session, article: StoredArticle, extracted: ExtractedEvent) -> MentionRow:
    """The mention a reading of `article` makes (not yet attached to an event)."""
    _check_offsets(article.text, extracted)
    actor_id = _ensure_named(session, Actor, extracted.actor)
    return _mention(session, article, extracted, actor_id)


def update_mention(mention: Mention, reading: MentionRow) -> None:
    """The same reading (same key) read again: its fields take the new values."""
    for name in (
        "weapons",
        "places",
        "weapon_key",
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


def forget_names(session: Session) -> None:
    """Drop the transaction's name cache: a rolled-back savepoint took back the names it
    created."""
    session.info.pop("entity_names", None)


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


def _mention(
    session: Session, article: StoredArticle, event: ExtractedEvent, actor_id: str
) -> MentionRow:
    weapons = sorted({_ensure_named(session, Weapon, name) for name in event.weapons})
    places = sorted({_ensure_named(session, Place, name) for name in event.places})
    key = short_hash(article.content_hash, event.start, event.end, event.type, actor_id)
    return MentionRow(
        key=key,
        event_id=key,  # provisional: set by attach_new
        article_id=article.id,
        type=event.type,
        actor_id=actor_id,
        weapons=weapons,
        places=places,
        weapon_key=weapon_key(weapons),
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


def reading_of(mention: Mention | MentionRow) -> Reading:
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


def attach_new(session: Session, mention: MentionRow, article_id: str) -> str | None:
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
    session.flush()  # a new event goes in before its first mention
    # A Core INSERT: an ORM flush per mention costs more than storing it.
    session.connection().execute(_INSERT_MENTION, _mention_values(mention))
    _stale_events(session)[event.id] = event
    return target


def _stale_events(session: Session) -> dict[str, Event]:
    """Events a mention joined in this transaction: their derived fields are computed
    once, when it commits (a wire story copied by twenty outlets refreshes its event
    once per batch, not once per copy). Held here, the session keeps them loaded."""
    stale: dict[str, Event] = session.info.setdefault("stale_events", {})
    return stale


@sa.event.listens_for(Session, "before_commit")
def refresh_stale_events(session: Session) -> None:
    """Refresh the events mentions joined (an event renamed or rolled back meanwhile is
    gone, and skipped: its new id is in the set too)."""
    if session.in_nested_transaction():
        return  # a savepoint's release: the transaction goes on
    stale = session.info.pop("stale_events", {})
    for event_id in sorted(stale):
        event = session.get(Event, event_id)
        if event is not None:
            refresh_event(session, event)


def reattach(session: Session, mentions: Sequence[Mention]) -> None:
    """Cluster stored mentions again (their event goes away): they leave the database
    all together, so none is matched with another, and come back through attach_new
    under the same keys."""
    rows = [MentionRow(**{name: getattr(m, name) for name in _MENTION_COLUMNS}) for m in mentions]
    for mention in mentions:
        session.delete(mention)
    session.flush()
    for row in rows:
        attach_new(session, row, row.article_id)


def _joined_or_new(session: Session, mention: MentionRow, target: str | None) -> Event:
    """The event `target` (renamed when the mention's key is smaller, unless a person
    reviewed it), or a new event when there is none."""
    if target is None:
        event = Event(id=mention.key, type=mention.type, actor_id=mention.actor_id, summary="")
        session.add(event)  # flushed with the mention, before it (foreign key order)
        return event
    found = session.get(Event, target)
    assert found is not None
    if mention.key < target and not durable.keeps_id(found):
        return rename_event(session, target, mention.key)
    return found


def _mention_values(mention: MentionRow) -> dict[str, Any]:
    return {name: getattr(mention, name) for name in _MENTION_COLUMNS}


_MENTION_COLUMNS = [column.key for column in _table(Mention).c if column.key != "id"]
_INSERT_MENTION = sa.insert(_table(Mention))


def weapon_key(weapons: Sequence[str]) -> str:
    """The weapon a mention is blocked under: its one weapon, "" for none, "*" for
    several (those are read whatever the new mention names, and compared in Python)."""
    if not weapons:
        return ""
    return weapons[0] if len(weapons) == 1 else "*"


def _candidates(
    session: Session, reading: Reading, article_id: str
) -> list[tuple[str, list[Reading]]]:
    """The events with a mention that may match `reading`, with their distinct readings
    that do: same type and actor; a date that can meet its window (one index range per
    precision, see cluster.REACH) or none; when `reading` names systems, a mention that
    names one of them, none, several, or a class; and not told by this article already. Each
    index range holds only the mentions near in time of one actor, type (and weapon),
    so the cost stays flat as the database grows."""
    params: dict[str, Any] = {
        "type": reading.type,
        "actor_id": reading.actor_id,
        "article_id": article_id,
    }
    for precision, (lo, hi) in date_ranges(reading).items():
        params[f"{precision}_from"], params[f"{precision}_to"] = lo, hi
    statement = _CANDIDATES
    if named_systems(reading.weapons):
        # Mentions naming one of its systems, several weapons, none, or one class (which
        # names no system: cluster.compatible).
        statement = _CANDIDATES_BY_WEAPON
        params["weapon_keys"] = sorted(reading.weapons | generic_weapon_ids() | {"", "*"})
    by_event: dict[str, set[Reading]] = {}
    # Distinct readings (the SQL's UNION): copies of one wire story read the same and add
    # nothing to single-linkage matching.
    # On the connection: mentions go in by Core INSERTs, nothing waits in the session.
    for event_id, type_, actor_id, weapons, places, *rest in session.connection().execute(
        statement, params
    ):
        row = (type_, actor_id, json.loads(weapons), json.loads(places), *rest)
        by_event.setdefault(event_id, set()).add(_reading_from_row(row))
    return [
        (event_id, sorted(readings, key=repr)) for event_id, readings in sorted(by_event.items())
    ]


def _candidates_statement(*, by_weapon: bool) -> Any:
    mention = _table(Mention)
    told_here = sa.select(mention.c.event_id).where(
        mention.c.article_id == sa.bindparam("article_id")
    )

    def block(precision: str | None) -> Any:
        conditions = [
            mention.c.type == sa.bindparam("type"),
            mention.c.actor_id == sa.bindparam("actor_id"),
        ]
        if by_weapon:
            conditions.append(mention.c.weapon_key.in_(sa.bindparam("weapon_keys", expanding=True)))
        if precision is None:  # undated mentions fit any date
            conditions.append(mention.c.date_precision.is_(None))
        else:
            conditions += [
                mention.c.date_precision == precision,
                mention.c.date.between(
                    sa.bindparam(f"{precision}_from", type_=sa.Date),
                    sa.bindparam(f"{precision}_to", type_=sa.Date),
                ),
            ]
        # The lists as their JSON text, which the database can compare (PostgreSQL
        # cannot compare JSON values): UNION then keeps each distinct reading once.
        columns = [
            sa.cast(mention.c[c.key], sa.Text) if c.key in _LIST_COLUMNS else mention.c[c.key]
            for c in READING_COLUMNS
        ]
        return sa.select(mention.c.event_id, *columns).where(
            *conditions, mention.c.event_id.not_in(told_here)
        )

    # Built once: constructing the statement costs more than running it (index ranges).
    return sa.union(*(block(precision) for precision in (*REACH, None)))


_LIST_COLUMNS = ("weapons", "places")


_CANDIDATES = _candidates_statement(by_weapon=False)
_CANDIDATES_BY_WEAPON = _candidates_statement(by_weapon=True)


def rename_event(session: Session, old_id: str, new_id: str) -> Event:
    """The event takes the id `new_id`; `old_id` becomes an alias that keeps resolving."""
    session.flush()  # the old row's pending changes go with it
    connection = session.connection()
    for statement in _RENAME:
        connection.execute(statement, {"old_id": old_id, "new_id": new_id})
    # The session's copies of the moved rows: the old event is gone, and whatever named
    # it (mentions, aliases loaded in this session) now names the new id. Told apart by
    # the identity map's keys: asking each loaded event for an `event_id` it lacks goes
    # through SQLModel's slow missing-attribute path (a third of a rename's time).
    for state in list(session.identity_map.all_states()):
        instance = state.obj()
        if instance is None:  # (weakly held, already let go)
            continue
        if state.class_ is Event:
            if state.identity == (old_id,):
                session.expunge(instance)
        elif "event_id" in state.mapper.columns and instance.event_id == old_id:
            set_committed_value(instance, "event_id", new_id)
    renamed = session.get(Event, new_id)
    assert renamed is not None
    stale = _stale_events(session)
    if stale.pop(old_id, None) is not None:
        stale[new_id] = renamed
    return renamed


def _rename_statements() -> list[Any]:
    """Copy the event under its new id, move what points at it, drop the old row and
    keep the old id as an alias. Core statements built once (a rename is frequent: a
    new mention has the smallest key of its event about one time in three)."""
    event = _table(Event)
    old_id: Any = sa.bindparam("old_id")
    new_id: Any = sa.bindparam("new_id", type_=sa.String())
    copied = [column for column in event.c if column.key != "id"]
    statements: list[Any] = [
        sa.insert(event).from_select(
            ["id", *(column.key for column in copied)],
            sa.select(new_id, *copied).where(event.c.id == old_id),
        )
    ]
    for model in (Mention, EventWeapon, EventPlace, EventAlias):
        table = _table(model)
        statements.append(
            sa.update(table).where(table.c.event_id == old_id).values(event_id=new_id)
        )
    statements.append(sa.delete(event).where(event.c.id == old_id))
    statements.append(sa.insert(_table(EventAlias)).values(id=old_id, event_id=new_id))
    return statements


_RENAME = _rename_statements()


def refresh_event(session: Session, event: Event) -> None:
    """Derive an event's fields from its mentions: a mention joined it, or mentions
    left or changed (re-extraction, review)."""
    # On the connection (mentions go in by Core, nothing waits in the session).
    found = session.connection().execute(_EVENT_MENTIONS, {"event_id": event.id}).all()
    event.confidence = _event_confidence(found)
    # Distinct rows (syndicated copies repeat a quote and its reading word for word), in
    # an order that gives the same search text whatever the ingestion order. Deduplicated
    # here, not by SQL DISTINCT: PostgreSQL cannot compare JSON values.
    rows = sorted({_hashable(row[2:]) for row in found}, key=repr)
    readings = [_reading_from_row(row[4:]) for row in rows]
    outlets = sorted({row[3] for row in rows if row[3]})
    weapon_ids = _most_specific({w for r in readings for w in r.weapons})
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
    # (a reading changed by `timeline reextract`, a class once a system is named).
    _sync_links(session, event.id, {"weapon": weapon_ids, "place": place_ids})
    _save_derived(session, event)


def _most_specific(weapon_ids: set[str]) -> set[str]:
    """The systems the mentions name, without the class ("long-range weapons") when any
    is named: an event told as "ATACMS" by one article and "long-range missiles" by
    another is about ATACMS (as one article telling both, extract.dedupe)."""
    return set(named_systems(frozenset(weapon_ids))) or weapon_ids


# The event fields refresh_event derives from its mentions.
DERIVED_FIELDS = (
    "confidence",
    "date",
    "date_precision",
    "date_basis",
    "summary",
    "search_text",
    "updated_at",
)
_UPDATE_DERIVED = (
    sa.update(_table(Event))
    .where(_table(Event).c.id == sa.bindparam("event_id"))
    .values({name: sa.bindparam(f"new_{name}") for name in DERIVED_FIELDS})
)


def _save_derived(session: Session, event: Event) -> None:
    """Write the derived fields with one Core UPDATE (an ORM flush per event costs more
    than the update), then mark them saved on the session's copy. A new event's row
    is flushed first."""
    if event in session.new or not sa.inspect(event).persistent:
        session.add(event)
        session.flush()
        return
    values = {name: getattr(event, name) for name in DERIVED_FIELDS}
    params = {f"new_{name}": value for name, value in values.items()}
    session.connection().execute(_UPDATE_DERIVED, {"event_id": event.id, **params})
    for name, value in values.items():
        set_committed_value(event, name, value)


def _sync_links(session: Session, event_id: str, wanted: dict[str, set[str]]) -> None:
    """Link the event to the weapons and places in `wanted` ({"weapon": ids, "place":
    ids}), and only to those. Core statements on the session's connection:
    no ORM objects nor flushes for rows that only pair two ids."""
    connection = session.connection()
    linked: dict[str, set[str]] = {kind: set() for kind in _LINKS}
    for kind, entity in connection.execute(_LINKED, {"event_id": event_id}):
        linked[kind].add(entity)
    for kind, (table, column) in _LINKS.items():
        stale = linked[kind] - wanted[kind]
        if stale:
            connection.execute(
                sa.delete(table).where(
                    table.c.event_id == event_id, table.c[column].in_(sorted(stale))
                )
            )
        missing = sorted(wanted[kind] - linked[kind])
        if missing:
            connection.execute(
                sa.insert(table), [{"event_id": event_id, column: entity} for entity in missing]
            )


_LINKS = {
    "weapon": (_table(EventWeapon), "weapon_id"),
    "place": (_table(EventPlace), "place_id"),
}
_LINKED = sa.union_all(
    *(
        sa.select(sa.literal(kind), table.c[column]).where(
            table.c.event_id == sa.bindparam("event_id")
        )
        for kind, (table, column) in _LINKS.items()
    )
)


def _event_confidence(rows: Sequence[Any]) -> float | None:
    """Each article's best mention, combined as independent evidence (rows of
    _EVENT_MENTIONS: article id and confidence first)."""
    best: dict[str, float] = {}
    for article_id, value, *_ in rows:
        if value is not None:
            best[article_id] = max(best.get(article_id, 0.0), float(value))
    return confidence.combine(list(best.values())) if best else None


def _hashable(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(tuple(value) if isinstance(value, list) else value for value in row)


# What refresh_event reads of an event's mentions: built once (building a statement
# costs more than running it).
_EVENT_MENTIONS = (
    sa.select(
        col(Mention.article_id),
        col(Mention.confidence),
        col(Mention.quote),
        col(Mention.cited_source),
        col(Mention.speaker),
        col(Article.outlet),
        *READING_COLUMNS,
    )
    .join(Article, col(Article.id) == col(Mention.article_id))
    .where(col(Mention.event_id) == sa.bindparam("event_id"))
)


def _names(session: Session, model: Named, entity_ids: set[str]) -> dict[str, str]:
    """id -> name, in id order (the order summaries use)."""
    cache = _name_cache(session)
    table = model.__name__
    missing = [i for i in entity_ids if (table, i) not in cache]
    if missing:
        rows = session.exec(select(model.id, model.name).where(col(model.id).in_(missing)))
        cache.update(((table, entity_id), name) for entity_id, name in rows)
    return {i: cache[(table, i)] for i in sorted(entity_ids) if (table, i) in cache}
