"""What an editor can do to events, each action audited (who, when, before → after)
and undoable by its author while it is the latest action on its events.

Every action but a rejection leaves the events it touches *confirmed*: a person vouches
for their fields, which are frozen (`Event.reviewed_fields`) so that re-extraction and
new sources never change what was reviewed, and for their readings
(`ReviewedReading`), so that the decision follows the article's content wherever it
comes from. The caller commits (one transaction per action).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.extract.summary import summarize
from app.ingest.store import refresh_event
from app.models import (
    Actor,
    Article,
    Event,
    EventAlias,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    RetiredEvent,
    ReviewAction,
    ReviewedReading,
    Weapon,
    utcnow,
)
from app.review import snapshots
from app.review.fields import FieldError, parse_fields
from app.review.snapshots import Units
from app.slugs import short_hash

REVIEW_ACTIONS = ("confirm", "edit", "reject", "merge", "detach", "add", "undo")
MAX_QUOTE_CHARS = 2000


class ReviewError(Exception):
    """A refused action: `status` is the HTTP answer (404, 403, 409, 422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Editor:
    """Who acts (the name the audit log keeps)."""

    name: str


def _event(session: Session, event_id: str) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        alias = session.get(EventAlias, event_id)
        if alias is not None:
            raise ReviewError(404, f"{event_id} is an old id of the event {alias.event_id}")
        raise ReviewError(404, f"no event has the id {event_id[:40]!r}")
    return event


def _mentions(session: Session, event_id: str) -> list[Mention]:
    return list(session.exec(select(Mention).where(Mention.event_id == event_id)))


def _keys(session: Session, *event_ids: str) -> list[str]:
    return sorted(session.exec(select(Mention.key).where(col(Mention.event_id).in_(event_ids))))


def current_fields(session: Session, event: Event) -> dict[str, Any]:
    """The event's fields as shown now, in the form of `Event.reviewed_fields`."""
    weapons = session.exec(select(EventWeapon.weapon_id).where(EventWeapon.event_id == event.id))
    places = session.exec(select(EventPlace.place_id).where(EventPlace.event_id == event.id))
    return {
        "type": event.type,
        "actor_id": event.actor_id,
        "date": event.date.isoformat() if event.date else None,
        "date_precision": event.date_precision,
        "date_basis": event.date_basis,
        "weapons": sorted(weapons),
        "places": sorted(places),
        "summary": (event.reviewed_fields or {}).get("summary"),
    }


def _decide(
    session: Session, mentions: list[Mention], event_id: str, editor: Editor, *, rejected: bool
) -> None:
    """Record a person's decision about each reading: it belongs to `event_id` (or is
    rejected), tied to the article's content hash and the evidence offsets."""
    hashes = dict(
        session.exec(
            select(Article.id, Article.content_hash).where(
                col(Article.id).in_({m.article_id for m in mentions})
            )
        ).all()
    )
    now = utcnow()
    for m in mentions:
        session.merge(
            ReviewedReading(
                key=m.key,
                content_hash=hashes[m.article_id],
                start=m.start,
                end=m.end,
                type=m.type,
                actor_id=m.actor_id,
                event_id=event_id,
                rejected=rejected,
                decided_by=editor.name,
                decided_at=now,
            )
        )


def _vouch(
    session: Session, event: Event, editor: Editor, fields: dict[str, Any] | None = None
) -> None:
    """The event is confirmed: its fields (as shown, or `fields`) are frozen and its
    readings decided."""
    session.flush()
    refresh_event(session, event)
    event.reviewed_fields = fields or current_fields(session, event)
    event.review_status = "confirmed"
    event.reviewed_at = event.updated_at = utcnow()
    refresh_event(session, event)
    _decide(session, _mentions(session, event.id), event.id, editor, rejected=False)


def _record(
    session: Session,
    action: str,
    editor: Editor,
    event_id: str,
    units: Units,
    change: Callable[[], None],
    *,
    other_event_id: str | None = None,
    undoes: int | None = None,
) -> ReviewAction:
    before = snapshots.capture(session, units)
    change()
    session.flush()
    row = ReviewAction(
        action=action,
        event_id=event_id,
        other_event_id=other_event_id,
        editor=editor.name,
        undoes=undoes,
        before=before,
        after=snapshots.capture(session, units),
    )
    session.add(row)
    session.flush()
    return row


def _last_action(session: Session, event_ids: set[str]) -> ReviewAction | None:
    return session.exec(
        select(ReviewAction)
        .where(
            col(ReviewAction.event_id).in_(event_ids)
            | col(ReviewAction.other_event_id).in_(event_ids)
        )
        .order_by(col(ReviewAction.id).desc())
        .limit(1)
    ).first()


# --- the actions -----------------------------------------------------------------------


def confirm(session: Session, event_id: str, editor: Editor) -> ReviewAction:
    event = _event(session, event_id)
    if event.review_status == "confirmed":
        raise ReviewError(409, f"the event {event_id} is already confirmed")
    units = Units(events=[event_id], readings=_keys(session, event_id))
    # A rejected event confirmed again keeps the fields it was rejected with.
    return _record(
        session,
        "confirm",
        editor,
        event_id,
        units,
        lambda: _vouch(session, event, editor, event.reviewed_fields),
    )


def reject(session: Session, event_id: str, editor: Editor) -> ReviewAction:
    event = _event(session, event_id)
    if event.review_status == "rejected":
        raise ReviewError(409, f"the event {event_id} is already rejected")
    units = Units(events=[event_id], readings=_keys(session, event_id))

    def change() -> None:
        event.review_status = "rejected"
        event.reviewed_at = event.updated_at = utcnow()
        session.add(event)
        _decide(session, _mentions(session, event_id), event_id, editor, rejected=True)

    return _record(session, "reject", editor, event_id, units, change)


def edit(session: Session, event_id: str, editor: Editor, raw_fields: Any) -> ReviewAction:
    event = _event(session, event_id)
    if event.review_status == "rejected":
        raise ReviewError(409, f"the event {event_id} is rejected: undo the rejection first")
    try:
        changes = parse_fields(session, raw_fields)
    except FieldError as error:
        raise ReviewError(422, str(error)) from None
    if not changes:
        raise ReviewError(422, "fields is empty: give at least one field to change")
    old = current_fields(session, event)
    new = {**old, **changes}
    if new == old:
        raise ReviewError(422, "the fields are unchanged: confirm the event instead")
    if "summary" not in changes and new["summary"] is not None:
        # A written summary stays unless the fields it describes changed.
        described = ("type", "actor_id", "weapons", "places")
        if any(new[k] != old[k] for k in described):
            new["summary"] = None
    units = Units(events=[event_id], readings=_keys(session, event_id))
    return _record(
        session, "edit", editor, event_id, units, lambda: _vouch(session, event, editor, new)
    )


def merge(session: Session, event_id: str, into_id: str, editor: Editor) -> ReviewAction:
    """`event_id`'s mentions join `into_id`, which keeps its id; `event_id` becomes an
    alias of it (301)."""
    source, target = _event(session, event_id), _event(session, into_id)
    if source.id == target.id:
        raise ReviewError(422, "an event cannot be merged into itself")
    if "rejected" in (source.review_status, target.review_status):
        raise ReviewError(409, "a rejected event cannot be merged: undo the rejection first")
    moved = _keys(session, source.id)
    old_aliases = sorted(
        session.exec(select(EventAlias.id).where(EventAlias.event_id == source.id))
    )
    units = Units(
        events=[source.id, target.id],
        mentions=moved,
        aliases=[source.id, *old_aliases],
        readings=_keys(session, source.id, target.id),
    )

    def change() -> None:
        session.exec(
            sa.update(Mention).where(col(Mention.event_id) == source.id).values(event_id=target.id)
        )
        session.exec(
            sa.update(EventAlias)
            .where(col(EventAlias.event_id) == source.id)
            .values(event_id=target.id)
        )
        session.expire_all()
        session.delete(session.get(Event, source.id))
        session.flush()
        session.add(EventAlias(id=source.id, event_id=target.id))
        merged = session.get(Event, target.id)
        assert merged is not None
        _vouch(session, merged, editor, merged.reviewed_fields)

    return _record(session, "merge", editor, source.id, units, change, other_event_id=target.id)


def _free_id(session: Session, *parts: str) -> str:
    """A new event id no event, alias or retired event ever had."""
    for attempt in range(100):
        candidate = short_hash(*parts, attempt)
        if not any(session.get(m, candidate) for m in (Event, EventAlias, RetiredEvent)):
            return candidate
    raise ReviewError(409, "no free event id")  # pragma: no cover - 100 hash collisions


def detach(session: Session, event_id: str, mention_key: str, editor: Editor) -> ReviewAction:
    """The mention becomes an event of its own; both events are confirmed."""
    event = _event(session, event_id)
    if event.review_status == "rejected":
        raise ReviewError(409, f"the event {event_id} is rejected: undo the rejection first")
    mentions = {m.key: m for m in _mentions(session, event_id)}
    mention = mentions.get(mention_key)
    if mention is None:
        raise ReviewError(422, f"the event {event_id} has no mention {mention_key[:40]!r}")
    if len(mentions) == 1:
        raise ReviewError(
            422, "the event has only this mention: there is nothing to detach it from"
        )
    taken = any(session.get(m, mention.key) for m in (Event, EventAlias, RetiredEvent))
    new_id = mention.key if not taken else _free_id(session, "detached", mention.key)
    units = Units(events=[event_id, new_id], mentions=[mention.key], readings=sorted(mentions))

    def change() -> None:
        detached = Event(id=new_id, type=mention.type, actor_id=mention.actor_id, summary="")
        session.add(detached)
        session.flush()
        mention.event_id = new_id
        session.add(mention)
        _vouch(session, detached, editor)
        _vouch(session, event, editor, event.reviewed_fields)

    return _record(session, "detach", editor, event_id, units, change, other_event_id=new_id)


def add(
    session: Session,
    article_id: str,
    start: int,
    end: int,
    editor: Editor,
    raw_fields: Any,
    trigger: str | None = None,
) -> ReviewAction:
    """An event the extractor missed, from a sentence of an article."""
    article = session.get(Article, article_id)
    if article is None:
        raise ReviewError(404, f"no article has the id {article_id[:40]!r}")
    if not (0 <= start < end <= len(article.text)):
        raise ReviewError(
            422, f"the selection {start}-{end} is outside the article (0-{len(article.text)})"
        )
    quote = article.text[start:end]
    if not quote.strip():
        raise ReviewError(422, "the selection is blank")
    if len(quote) > MAX_QUOTE_CHARS:
        raise ReviewError(422, f"the selection is too long: at most {MAX_QUOTE_CHARS} characters")
    try:
        changes = parse_fields(session, raw_fields)
    except FieldError as error:
        raise ReviewError(422, str(error)) from None
    missing = [name for name in ("type", "actor_id") if name not in changes]
    if missing:
        raise ReviewError(
            422,
            f"a new event needs a type and an actor ({missing[0].removesuffix('_id')} is missing)",
        )
    fields: dict[str, Any] = {
        "date": None,
        "date_precision": None,
        "date_basis": "undated",
        "weapons": [],
        "places": [],
        "summary": None,
        **changes,
    }
    trigger_text = (trigger or "").strip() or quote.strip()
    at = quote.find(trigger_text)
    if at < 0:
        raise ReviewError(422, f"the trigger {trigger_text[:60]!r} is not in the selection")
    key = short_hash(article.content_hash, start, end, fields["type"], fields["actor_id"])
    known = session.exec(select(Mention.event_id).where(Mention.key == key)).first()
    if known is not None:
        raise ReviewError(
            409, f"this reading of the sentence is already evidence of the event {known}"
        )
    if session.get(Event, key) is not None or session.get(EventAlias, key) is not None:
        raise ReviewError(409, f"the id {key} is taken")  # pragma: no cover - a hash collision
    units = Units(events=[key], mentions=[key], readings=[key])

    def change() -> None:
        session.add(Event(id=key, type=fields["type"], actor_id=fields["actor_id"], summary=""))
        session.flush()
        date = fields["date"]
        session.add(
            Mention(
                key=key,
                event_id=key,
                article_id=article.id,
                type=fields["type"],
                actor_id=fields["actor_id"],
                weapons=fields["weapons"],
                places=fields["places"],
                date=dt.date.fromisoformat(date) if date else None,
                date_precision=fields["date_precision"],
                date_basis=fields["date_basis"],
                quote=quote,
                start=start,
                end=end,
                trigger=trigger_text,
                trigger_start=start + at,
                trigger_end=start + at + len(trigger_text),
                notes=[f"added by {editor.name} from a selected sentence"],
            )
        )
        retired = session.get(RetiredEvent, key)
        if retired is not None:
            session.delete(retired)
        session.flush()
        created = session.get(Event, key)
        assert created is not None
        _vouch(session, created, editor, fields)

    return _record(session, "add", editor, key, units, change)


def undo(session: Session, action_id: int, editor: Editor) -> ReviewAction:
    """Put back what an action changed. Only its author may, and only while it is the
    latest action on its events (undo the later ones first)."""
    action = session.get(ReviewAction, action_id)
    if action is None:
        raise ReviewError(404, f"no review action has the id {action_id}")
    if action.editor != editor.name:
        raise ReviewError(403, f"only {action.editor}, who made this action, can undo it")
    touched = {action.event_id} | ({action.other_event_id} if action.other_event_id else set())
    latest = _last_action(session, touched)
    if latest is not None and latest.id != action.id:
        raise ReviewError(
            409,
            f"a later action ({latest.action} by {latest.editor}, #{latest.id}) changed these "
            "events: undo it first",
        )
    units = Units.of(action.before)
    return _record(
        session,
        "undo",
        editor,
        action.event_id,
        units,
        lambda: snapshots.restore(session, action.before),
        other_event_id=action.other_event_id,
        undoes=action.id,
    )


def summary_for(session: Session, fields: dict[str, Any]) -> str:
    """The summary the fields generate (what the form shows as a placeholder)."""
    actor = session.get(Actor, fields["actor_id"])
    weapons = [
        w.name for w in session.exec(select(Weapon).where(col(Weapon.id).in_(fields["weapons"])))
    ]
    places = [
        p.name for p in session.exec(select(Place).where(col(Place.id).in_(fields["places"])))
    ]
    return summarize(fields["type"], actor.name if actor else fields["actor_id"], weapons, places)


def history(session: Session, event_id: str) -> list[ReviewAction]:
    """Every action on the event or on an id it had (merged events included), oldest first."""
    ids = {event_id, *session.exec(select(EventAlias.id).where(EventAlias.event_id == event_id))}
    return list(
        session.exec(
            select(ReviewAction)
            .where(col(ReviewAction.event_id).in_(ids) | col(ReviewAction.other_event_id).in_(ids))
            .order_by(col(ReviewAction.id))
        )
    )
