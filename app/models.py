"""The data model (DESIGN.md "The data"). Schema changes go through Alembic migrations."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.slugs import slugify

EVENT_TYPES = ("authorization", "restriction", "warning", "request")
DATE_PRECISIONS = ("day", "month", "year")
# text: the article dates the event; published: only the publication date places it;
# undated: neither (an article without a publication date and no date in the text).
DATE_BASES = ("text", "published", "undated")
# unreviewed: as the extractor read it; confirmed: a person vouches for its fields (after
# a confirmation, an edit, a merge, a detach or an addition); rejected: a person found it
# is no policy event (hidden from every public view, its permalink answers 410).
REVIEW_STATUSES = ("unreviewed", "confirmed", "rejected")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def outlet_id_for(outlet: str | None) -> str | None:
    """The id of an outlet name (None for none, as for an empty name)."""
    return slugify(outlet) if outlet else None


def _outlet_id(context: Any) -> str | None:
    # A column default that reads the row being inserted.
    return outlet_id_for(context.get_current_parameters().get("outlet"))


class Actor(SQLModel, table=True):
    """A country or organization that decides or speaks (canonical gazetteer entry)."""

    id: str = Field(primary_key=True, max_length=80)  # slug of the name
    name: str = Field(max_length=120, unique=True)


class Weapon(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=120, unique=True)


class Place(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=120, unique=True)


class Article(SQLModel, table=True):
    # An outlet's articles, and the first spelling of its name in one index step.
    __table_args__ = (Index("ix_article_outlet_label", "outlet_id", "outlet"),)

    # The first 16 hex digits of content_hash: stable across rebuilds and ingestion order.
    id: str = Field(primary_key=True, max_length=16)
    content_hash: str = Field(max_length=64, unique=True)
    source: str  # the file path or URL it was ingested from
    url: str | None = None
    title: str | None = None
    outlet: str | None = Field(default=None, max_length=200, index=True)
    # The outlet's id, what the outlet filter and facet read: the slug of `outlet`, set
    # when a row is inserted without it (ORM or Core; see _outlet_id).
    outlet_id: str | None = Field(
        default=None, max_length=80, sa_column_kwargs={"default": _outlet_id}
    )
    language: str | None = Field(default=None, max_length=8)
    published: dt.date | None = None
    published_precision: str | None = Field(default=None, max_length=5)
    # The text as read (decoded, NFC, "\n" line ends), boilerplate included, so that
    # mention offsets index it exactly.
    text: str
    word_count: int = 0
    ingested_at: dt.datetime = Field(default_factory=utcnow)


# What the site's lists and counts read of an event besides its date: in the date-ordered
# indexes below, so that walking one in date order reads no table row (app/web/queries.py).
_TIMELINE_COLUMNS = ("review_status", "type", "actor_id", "confidence")


def _timeline_index(name: str, *leading: str) -> Index:
    rest = [c for c in _TIMELINE_COLUMNS if c not in leading]
    return Index(name, *leading, "date", "id", *rest)


# The same columns by id: events found through a weapon, place, outlet or a text search
# are checked without reading their rows (summary and search text make them long).
_ID_INDEX = Index("ix_event_id_timeline", "id", *_TIMELINE_COLUMNS, "date")


class Event(SQLModel, table=True):
    __table_args__ = (
        _timeline_index("ix_event_timeline"),
        _timeline_index("ix_event_actor_timeline", "actor_id"),
        _timeline_index("ix_event_type_timeline", "type"),
        _ID_INDEX,
    )

    id: str = Field(primary_key=True, max_length=16)  # deterministic, see app/ingest/store.py
    type: str = Field(max_length=16)
    actor_id: str = Field(foreign_key="actor.id", max_length=80)
    date: dt.date | None = None
    date_precision: str | None = Field(default=None, max_length=5)
    date_basis: str = Field(default="published", max_length=10)
    summary: str
    # How much to trust the reading, in [0, 1] (app/extract/confidence.py): its mentions'
    # confidences combined over independent articles. None until `timeline reextract`
    # has read the articles of a database created before confidences existed.
    confidence: float | None = Field(default=None, index=True)
    # Accent- and case-folded summary, quotes and names, for full-text search.
    search_text: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    # The review desk (app/review/): REVIEW_STATUSES, when a person last decided, and
    # the fields they vouched for, which win over what the mentions derive (type,
    # actor_id, date, date_precision, date_basis, weapons, places, summary).
    review_status: str = Field(
        default="unreviewed",
        max_length=10,
        index=True,
        sa_column_kwargs={"server_default": "unreviewed"},
    )
    reviewed_at: dt.datetime | None = None
    reviewed_fields: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class EventWeapon(SQLModel, table=True):
    # (weapon, event): a weapon's events read from the index alone (filters, facets).
    __table_args__ = (Index("ix_eventweapon_weapon_event", "weapon_id", "event_id"),)

    event_id: str = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    weapon_id: str = Field(foreign_key="weapon.id", primary_key=True)


class EventPlace(SQLModel, table=True):
    __table_args__ = (Index("ix_eventplace_place_event", "place_id", "event_id"),)

    event_id: str = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    place_id: str = Field(foreign_key="place.id", primary_key=True)


# Marks (in Table.info) the tables the database's triggers fill from the others: a copy
# (app/copy.py) leaves them to the triggers.
KEPT_BY_TRIGGERS = "kept_by_triggers"


class EventOutlet(SQLModel, table=True):
    """The outlets whose articles tell an event. Kept by the database itself (triggers
    of migration 0006 on mention and article): `mentions` counts the event's mentions
    from that outlet's articles, and the row goes when it reaches 0."""

    __table_args__ = (
        Index("ix_eventoutlet_outlet_event", "outlet_id", "event_id"),
        {"info": {KEPT_BY_TRIGGERS: True}},
    )

    event_id: str = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    outlet_id: str = Field(primary_key=True, max_length=80)
    mentions: int = 1


class EventFacets(SQLModel, table=True):
    """What an event counts for in one row: its type, actor, date, review status and
    confidence, and its weapon, place and outlet ids each joined by spaces (NULL for
    none). What a text search reads of its events (app/web/matched.py): one step per
    event, instead of the event and a lookup per link table. Kept by the database's
    triggers (migration 0008) on event, eventweapon, eventplace and eventoutlet."""

    __table_args__ = ({"sqlite_with_rowid": False, "info": {KEPT_BY_TRIGGERS: True}},)

    event_id: str = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    type: str = Field(max_length=16)
    actor_id: str = Field(max_length=80)
    date: dt.date | None = None
    review_status: str = Field(max_length=10)
    confidence: float | None = None
    weapons: str | None = None
    places: str | None = None
    outlets: str | None = None


# --- facet aggregates (app/web/aggregates.py reads them) -----------------------------
# Kept by the database's triggers (migration 0006) on event, eventweapon, eventplace and
# eventoutlet, whatever writes them (ingestion, re-extraction, the review desk, a copy):
# counts of events, so that a facet over a date range is a sum over days and months
# instead of a scan of the events. Rows may reach n = 0 and stay; readers skip them.
# A period is text: "YYYY-MM-DD" (grain "day"), "YYYY-MM" (grain "month"), "" undated.
FACET_GRAINS = ("day", "month")
# An event counts under the highest confidence floor it reaches ("" below the lowest, or
# never scored): a floor of 0.7 sums the tiers "0.7" and "0.9". FacetCount's day rows
# hold every tier together (tier "*").
FACET_TIERS = ("0.9", "0.7", "0.5")
ALL_TIERS = "*"


class FacetCount(SQLModel, table=True):
    """Events per facet value (type, actor, weapon, place, outlet), review status,
    confidence tier and day or month."""

    __table_args__ = ({"sqlite_with_rowid": False, "info": {KEPT_BY_TRIGGERS: True}},)

    facet: str = Field(primary_key=True, max_length=8)
    grain: str = Field(primary_key=True, max_length=5)
    period: str = Field(primary_key=True, max_length=10)
    value: str = Field(primary_key=True, max_length=80)
    status: str = Field(primary_key=True, max_length=10)
    tier: str = Field(primary_key=True, max_length=4)  # see FACET_TIERS
    n: int = 0


class FacetMonth(SQLModel, table=True):
    """Events per month crossed with their type, actor, review status and confidence
    tier, in all (facet "event", value "") or per weapon, place or outlet: what a facet
    counts when other filters are set."""

    __table_args__ = (
        Index(
            "ix_facetmonth_actor",
            *("facet", "actor_id", "value", "type", "status", "month", "tier", "n"),
        ),
        # the rows are their key and a count
        {"sqlite_with_rowid": False, "info": {KEPT_BY_TRIGGERS: True}},
    )

    facet: str = Field(primary_key=True, max_length=8)
    value: str = Field(primary_key=True, max_length=80)
    type: str = Field(primary_key=True, max_length=16)
    actor_id: str = Field(primary_key=True, max_length=80)
    status: str = Field(primary_key=True, max_length=10)
    month: str = Field(primary_key=True, max_length=7)
    tier: str = Field(primary_key=True, max_length=4)  # see FACET_TIERS
    n: int = 0


class FacetPair(SQLModel, table=True):
    """Events per month that have two links of different facets (a weapon and a place, a
    weapon and an outlet, a place and an outlet), both ways round, by type, review status
    and confidence tier (migration 0007): what a link's facet counts under another link,
    such as the weapons of one outlet's authorizations, without reading those events."""

    # the rows are their key and a count
    __table_args__ = ({"sqlite_with_rowid": False, "info": {KEPT_BY_TRIGGERS: True}},)

    facet: str = Field(primary_key=True, max_length=8)
    value: str = Field(primary_key=True, max_length=80)
    other: str = Field(primary_key=True, max_length=8)  # the facet counted
    status: str = Field(primary_key=True, max_length=10)
    month: str = Field(primary_key=True, max_length=7)
    tier: str = Field(primary_key=True, max_length=4)  # see FACET_TIERS
    type: str = Field(primary_key=True, max_length=16)
    other_value: str = Field(primary_key=True, max_length=80)
    n: int = 0


class EventAlias(SQLModel, table=True):
    """An id an event had before a merge: it keeps resolving (301) to the event."""

    id: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")


class Mention(SQLModel, table=True):
    """One sighting of an event in one article, with its verbatim evidence."""

    __table_args__ = (
        UniqueConstraint(
            "article_id", "start", "end", "type", "actor_id", name="uq_mention_reading"
        ),
        Index("ix_mention_event_article", "event_id", "article_id"),
        # Clustering's candidate blocking (app/ingest/store.py): index ranges per type,
        # actor, date precision and date, and per weapon when the new mention names one.
        Index("ix_mention_blocking", "type", "actor_id", "date_precision", "date"),
        Index(
            "ix_mention_weapon_blocking",
            "type",
            "actor_id",
            "weapon_key",
            "date_precision",
            "date",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Deterministic: hash of the article's content hash, offsets, type and actor.
    key: str = Field(max_length=16, unique=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    article_id: str = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    # The mention's own reading; the event's fields are derived from its mentions.
    type: str = Field(max_length=16)
    actor_id: str = Field(foreign_key="actor.id", max_length=80)
    weapons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    places: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The weapon the mention names when it names exactly one; "" for none, "*" for
    # several: what clustering's candidate blocking reads (app/ingest/store.py).
    weapon_key: str = Field(default="", max_length=80)
    date: dt.date | None = None
    date_precision: str | None = Field(default=None, max_length=5)
    date_basis: str = Field(default="published", max_length=10)
    # Evidence: quote == article.text[start:end].
    quote: str
    start: int
    end: int
    trigger: str
    trigger_start: int
    trigger_end: int
    cited_source: str | None = Field(default=None, max_length=200)
    speaker: str | None = Field(default=None, max_length=200)
    # Who is talking ("person:Dmitry Peskov", "actor:Russia", "unnamed:source"): two
    # mentions voiced by different people are different events (cluster.py).
    voice: str | None = Field(default=None, max_length=200)
    negated: bool = False
    confidence: float | None = None
    # The extractor's reasons: which trigger, how the actor and the date were found.
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


FEED_STATUSES = ("ok", "not-modified", "failed")
# new: ingested as a new article; known: its text was already stored; failed: will not
# be tried again; retry: failed in a way that may pass (5xx, timeout), tried next poll.
FEED_ENTRY_STATUSES = ("new", "known", "failed", "retry")


class Feed(SQLModel, table=True):
    """A news feed polled by `timeline feeds poll`, named as in the feeds file."""

    name: str = Field(primary_key=True, max_length=200)
    url: str
    # Validators for the conditional GET of the next poll (they belong to `url`).
    etag: str | None = None
    last_modified: str | None = Field(default=None, max_length=64)
    last_polled_at: dt.datetime | None = None
    last_status: str | None = Field(default=None, max_length=16)  # FEED_STATUSES
    last_error: str | None = None
    last_entries: int = 0  # entries the feed listed at the last poll
    last_new_articles: int = 0  # articles the last poll added


class FeedEntry(SQLModel, table=True):
    """A feed entry's page, by canonical URL: fetched once, whichever feeds list it."""

    url: str = Field(primary_key=True)
    feed_name: str = Field(foreign_key="feed.name", index=True, ondelete="CASCADE", max_length=200)
    status: str = Field(max_length=8)  # FEED_ENTRY_STATUSES
    reason: str | None = None
    article_id: str | None = Field(
        default=None, foreign_key="article.id", index=True, ondelete="SET NULL", max_length=16
    )
    attempts: int = 1
    first_seen_at: dt.datetime = Field(default_factory=utcnow)
    last_attempt_at: dt.datetime = Field(default_factory=utcnow)


class RetiredEvent(SQLModel, table=True):
    """An event id that no longer names an event: its readings are gone (the current
    extractor no longer reads them from their sources). Its permalink answers 410 Gone
    with the reason, so a shared link says what happened instead of vanishing."""

    id: str = Field(primary_key=True, max_length=16)
    reason: str
    retired_at: dt.datetime = Field(default_factory=utcnow)


# --- the review desk (app/review/) ---------------------------------------------------


class Editor(SQLModel, table=True):
    """A person who reviews events. Removed editors keep their row (and name) so the
    audit log keeps saying who did what; they can no longer sign in."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    password_hash: str  # argon2id (pwdlib); never the password itself
    created_at: dt.datetime = Field(default_factory=utcnow)
    removed_at: dt.datetime | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token for scripts. Only its SHA-256 is stored (tokens are 256 random
    bits: a slow hash adds nothing); `prefix` names it in listings."""

    id: int | None = Field(default=None, primary_key=True)
    editor_id: int = Field(foreign_key="editor.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    label: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class EditorSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, the table its SHA-256."""

    id_hash: str = Field(primary_key=True, max_length=64)
    editor_id: int = Field(foreign_key="editor.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted to slow down password guessing (app/review/accounts.py)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    client: str = Field(max_length=64, index=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)


class ReviewAction(SQLModel, table=True):
    """The audit log, append-only (on SQLite, triggers refuse UPDATE and DELETE): who did
    what to which event, when, and the state before and after (app/review/snapshots.py).
    An undo is a new action that names the one it undoes."""

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=10)  # REVIEW_ACTIONS (app/review/actions.py)
    event_id: str = Field(max_length=16, index=True)
    # The other event of a merge (the one merged into) or a detach (the new one).
    other_event_id: str | None = Field(default=None, max_length=16, index=True)
    editor: str = Field(max_length=80)  # the name, kept as written
    at: dt.datetime = Field(default_factory=utcnow)
    undoes: int | None = Field(default=None, index=True)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ReviewedReading(SQLModel, table=True):
    """A person's decision about one reading, tied to the article's content and the
    evidence offsets (not to a file name or an article row): the reading belongs to
    `event_id`, or is rejected (no policy event). Ingestion and `timeline reextract`
    follow it (app/review/durable.py)."""

    key: str = Field(primary_key=True, max_length=16)  # the mention key of the reading
    content_hash: str = Field(max_length=64, index=True)
    start: int
    end: int
    type: str = Field(max_length=16)
    actor_id: str = Field(max_length=80)
    event_id: str = Field(max_length=16, index=True)
    rejected: bool = False
    decided_by: str = Field(max_length=80)
    decided_at: dt.datetime = Field(default_factory=utcnow)
