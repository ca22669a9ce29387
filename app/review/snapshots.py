"""The state an action changes, captured before and after it (the audit log's
"before → after"), and put back by an undo.

A snapshot covers named units: events (their review state, type and actor, plus the
fields the public sees, for the history), mentions (which event each belongs to; the
whole row, so that an undone addition can be redone), aliases and reviewed readings.
What the extractor derives (dates, weapons, summaries of unreviewed events) is not
restored: it is derived again from the mentions.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.ingest.store import reattach, refresh_event
from app.models import (
    Actor,
    Event,
    EventAlias,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    RetiredEvent,
    ReviewedReading,
    Weapon,
    utcnow,
)

WITHDRAWN_REASON = "the editor's action that created this event was undone"
Snapshot = dict[str, dict[str, Any]]


@dataclass
class Units:
    events: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, snapshot: Snapshot) -> "Units":
        return cls(
            *(
                list(snapshot.get(name, {}))
                for name in ("events", "mentions", "aliases", "readings")
            )
        )


def _stamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def shown_fields(session: Session, event: Event) -> dict[str, Any]:
    """The event as the public sees it, in words (for the history)."""
    actor = session.get(Actor, event.actor_id)
    weapons = session.exec(
        select(Weapon.name).join(EventWeapon).where(EventWeapon.event_id == event.id)
    ).all()
    places = session.exec(
        select(Place.name).join(EventPlace).where(EventPlace.event_id == event.id)
    ).all()
    return {
        "status": event.review_status,
        "type": event.type,
        "actor": actor.name if actor else event.actor_id,
        "date": event.date.isoformat() if event.date else None,
        "date_precision": event.date_precision,
        "date_basis": event.date_basis,
        "weapons": sorted(weapons, key=str.casefold),
        "places": sorted(places, key=str.casefold),
        "summary": event.summary,
    }


def _event_unit(session: Session, event: Event | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "type": event.type,
        "actor_id": event.actor_id,
        "review_status": event.review_status,
        "reviewed_at": _stamp(event.reviewed_at),
        "reviewed_fields": event.reviewed_fields,
        "created_at": _stamp(event.created_at),
        "shown": shown_fields(session, event),
    }


def _mention_unit(mention: Mention | None) -> dict[str, Any] | None:
    if mention is None:
        return None
    row = mention.model_dump(exclude={"id"})
    row["date"] = mention.date.isoformat() if mention.date else None
    return row


def _reading_unit(reading: ReviewedReading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    row = reading.model_dump()
    row["decided_at"] = _stamp(reading.decided_at)
    return row


def capture(session: Session, units: Units) -> Snapshot:
    session.flush()
    mentions = {
        m.key: m for m in session.exec(select(Mention).where(col(Mention.key).in_(units.mentions)))
    }
    return {
        "events": {i: _event_unit(session, session.get(Event, i)) for i in units.events},
        "mentions": {k: _mention_unit(mentions.get(k)) for k in units.mentions},
        "aliases": {
            i: (a.event_id if (a := session.get(EventAlias, i)) else None) for i in units.aliases
        },
        "readings": {k: _reading_unit(session.get(ReviewedReading, k)) for k in units.readings},
    }


def restore(session: Session, snapshot: Snapshot) -> None:
    """Put the units back as the snapshot has them, then derive the events again."""
    events: dict[str, Any] = snapshot.get("events", {})
    for event_id, unit in events.items():
        if unit is not None:
            _put_event(session, event_id, unit)
    session.flush()
    for key, unit in snapshot.get("mentions", {}).items():
        _put_mention(session, key, unit)
    session.flush()
    for alias_id, target in snapshot.get("aliases", {}).items():
        alias = session.get(EventAlias, alias_id)
        if target is None:
            if alias is not None:
                session.delete(alias)
        elif alias is None:
            session.add(EventAlias(id=alias_id, event_id=target))
        else:
            alias.event_id = target
    session.flush()
    for event_id, unit in events.items():
        if unit is None:
            _withdraw_event(session, event_id)
    for key, unit in snapshot.get("readings", {}).items():
        _put_reading(session, key, unit)
    session.flush()
    for event_id, unit in events.items():
        event = session.get(Event, event_id)
        if unit is not None and event is not None:
            refresh_event(session, event)


def _put_event(session: Session, event_id: str, unit: dict[str, Any]) -> None:
    event = session.get(Event, event_id)
    if event is None:
        event = Event(id=event_id, type=unit["type"], actor_id=unit["actor_id"], summary="")
        created = _when(unit.get("created_at"))
        if created is not None:
            event.created_at = created
        retired = session.get(RetiredEvent, event_id)
        if retired is not None:  # the id lives again
            session.delete(retired)
    event.type = unit["type"]
    event.actor_id = unit["actor_id"]
    event.review_status = unit["review_status"]
    event.reviewed_at = _when(unit["reviewed_at"])
    event.reviewed_fields = unit["reviewed_fields"]
    event.updated_at = utcnow()
    session.add(event)


def _put_mention(session: Session, key: str, unit: dict[str, Any] | None) -> None:
    mention = session.exec(select(Mention).where(Mention.key == key)).first()
    if unit is None:
        if mention is not None:
            session.delete(mention)
        return
    if mention is None:
        row = dict(unit)
        row["date"] = dt.date.fromisoformat(row["date"]) if row["date"] else None
        session.add(Mention(**row))
    else:
        mention.event_id = unit["event_id"]
        session.add(mention)


def _withdraw_event(session: Session, event_id: str) -> None:
    """Remove an event an undone action created. Mentions that joined it since (from
    articles ingested meanwhile) are clustered again; its id answers 410."""
    event = session.get(Event, event_id)
    if event is None:
        return
    joiners = list(session.exec(select(Mention).where(Mention.event_id == event_id)))
    session.exec(sa.delete(EventAlias).where(col(EventAlias.event_id) == event_id))
    reattach(session, joiners)
    session.delete(event)
    session.flush()
    session.merge(RetiredEvent(id=event_id, reason=WITHDRAWN_REASON))


def _put_reading(session: Session, key: str, unit: dict[str, Any] | None) -> None:
    reading = session.get(ReviewedReading, key)
    if unit is None:
        if reading is not None:
            session.delete(reading)
        return
    row = dict(unit)
    row["decided_at"] = _when(row["decided_at"])
    if reading is None:
        session.add(ReviewedReading(**row))
    else:
        for name, value in row.items():
            setattr(reading, name, value)
        session.add(reading)
