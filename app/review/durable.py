"""What ingestion and `timeline reextract` must respect of the review desk's decisions.

- A reviewed event (confirmed or rejected) keeps its id: a new mention with a smaller
  key joins it without renaming it.
- Its reviewed fields win over what its mentions derive (`refresh_event`).
- A reading a person decided about (`ReviewedReading`, keyed like the mention: the
  article's content hash, the evidence offsets, the type and the actor) goes to the
  event they decided, whatever file the article came from; a rejected reading never
  founds or joins a public event. `timeline reextract` never drops a decided reading,
  even when the extractor no longer reads it: the person's word wins.
- New readings never cluster into rejected events.
"""

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import Event, Mention, RetiredEvent, ReviewedReading


class ReadingKey(Protocol):
    """What a decision is looked up by: a stored Mention, or one not stored yet."""

    @property
    def key(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def actor_id(self) -> str: ...


REVIEWED_FIELDS = (
    "type",
    "actor_id",
    "date",
    "date_precision",
    "date_basis",
    "weapons",
    "places",
    "summary",
)


def keeps_id(event: Event) -> bool:
    """A person has decided about this event: its id never changes by itself."""
    return event.review_status != "unreviewed"


def apply_reviewed_fields(
    event: Event, weapons: set[str], places: set[str]
) -> tuple[set[str], set[str]]:
    """Set the event's reviewed type, actor and date over the derived ones; return the
    weapons and places it shows (the reviewed ones, else the derived ones)."""
    fields = event.reviewed_fields
    if not fields:
        return weapons, places
    event.type = fields["type"]
    event.actor_id = fields["actor_id"]
    event.date = dt.date.fromisoformat(fields["date"]) if fields["date"] else None
    event.date_precision = fields["date_precision"]
    event.date_basis = fields["date_basis"]
    return set(fields["weapons"]), set(fields["places"])


def reviewed_summary(event: Event) -> str | None:
    """The summary a person wrote, if any (else one is generated from the fields)."""
    summary = (event.reviewed_fields or {}).get("summary")
    return str(summary) if summary else None


def rejected_event_ids(session: Session) -> set[str]:
    """Ids of rejected events, read once per session (one article's transaction)."""
    cached: set[str] | None = session.info.get("rejected_event_ids")
    if cached is None:
        cached = set(session.exec(select(Event.id).where(Event.review_status == "rejected")))
        session.info["rejected_event_ids"] = cached
    return cached


def without_rejected(session: Session, candidates: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Clustering candidates, less the events a person rejected."""
    if not candidates:
        return candidates
    rejected = rejected_event_ids(session)
    return [c for c in candidates if c[0] not in rejected]


_DECISION = sa.select(
    col(ReviewedReading.event_id), col(ReviewedReading.rejected), col(ReviewedReading.decided_at)
).where(col(ReviewedReading.key) == sa.bindparam("key"))


def decided_event(session: Session, mention: ReadingKey) -> Event | None:
    """The event a person put this reading in, if any. A rejected reading whose event
    is gone founds a rejected (hidden) event again under the id it had."""
    # A Core lookup (most readings have no decision): an ORM get costs more than it.
    decision = session.connection().execute(_DECISION, {"key": mention.key}).first()
    if decision is None:
        return None
    event = session.get(Event, decision.event_id)
    if event is not None or not decision.rejected:
        return event
    event = Event(
        id=decision.event_id,
        type=mention.type,
        actor_id=mention.actor_id,
        summary="",
        review_status="rejected",
        reviewed_at=decision.decided_at,
    )
    retired = session.get(RetiredEvent, event.id)
    if retired is not None:
        session.delete(retired)
    session.add(event)
    session.flush()
    rejected_event_ids(session).add(event.id)
    return event


def decided_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Which of these mention keys a person decided about (never dropped by reextract)."""
    if not keys:
        return set()
    found = session.exec(
        select(ReviewedReading.key).where(col(ReviewedReading.key).in_(sorted(keys)))
    )
    return set(found)


def reading_keys(mentions: Iterable[Mention]) -> list[str]:
    return sorted(m.key for m in mentions)
