"""The audit log as people read it: per action, who, when, and each field's
before → after."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.models import Event, EventAlias, ReviewAction
from app.review.actions import history

LABELS = {
    "confirm": "confirmed",
    "edit": "edited",
    "reject": "rejected (not a policy event)",
    "merge": "merged",
    "detach": "detached a mention",
    "add": "added from a selected sentence",
    "undo": "undid",
}
SHOWN = ("status", "type", "actor", "date", "date_precision", "weapons", "places", "summary")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EventChange:
    event_id: str
    before: dict[str, Any] | None  # None: the event did not exist
    after: dict[str, Any] | None
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Entry:
    id: int
    action: str
    label: str
    editor: str
    at: dt.datetime
    undoes: int | None
    undone_by: int | None
    events: tuple[EventChange, ...]
    moved: tuple[tuple[str, str | None, str | None], ...]  # (mention key, from, to)


def _shown(unit: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if unit is None else {k: unit["shown"].get(k) for k in SHOWN}


def _changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[FieldChange, ...]:
    if before is None or after is None:
        return ()
    return tuple(FieldChange(k, before[k], after[k]) for k in SHOWN if before[k] != after[k])


def entry(row: ReviewAction, undone_by: int | None = None) -> Entry:
    events = []
    for event_id in row.before.get("events", {}):
        before = _shown(row.before["events"][event_id])
        after = _shown(row.after.get("events", {}).get(event_id))
        events.append(EventChange(event_id, before, after, _changes(before, after)))
    moved = []
    for key, unit in row.before.get("mentions", {}).items():
        old = unit["event_id"] if unit else None
        new_unit = row.after.get("mentions", {}).get(key)
        new = new_unit["event_id"] if new_unit else None
        if old != new:
            moved.append((key, old, new))
    assert row.id is not None
    return Entry(
        id=row.id,
        action=row.action,
        label=LABELS.get(row.action, row.action),
        editor=row.editor,
        at=row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC),
        undoes=row.undoes,
        undone_by=undone_by,
        events=tuple(events),
        moved=tuple(moved),
    )


def current_id(session: Session, event_id: str) -> str:
    """The event's id now (an old id of a merged event leads to it)."""
    if session.get(Event, event_id) is None:
        alias = session.get(EventAlias, event_id)
        if alias is not None:
            return alias.event_id
    return event_id


def event_history(session: Session, event_id: str) -> list[Entry]:
    """The event's actions, oldest first, each marked with the undo that undid it."""
    rows = history(session, current_id(session, event_id))
    ids = [r.id for r in rows]
    undone = dict(
        session.exec(
            select(ReviewAction.undoes, ReviewAction.id).where(col(ReviewAction.undoes).in_(ids))
        ).all()
    )
    return [entry(r, undone.get(r.id)) for r in rows]
