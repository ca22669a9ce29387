"""Every read of the web app. Keyword-only functions over an `EventFilter`.

The HTML page, the JSON API and the exports call these same functions, so a filtered
view, its JSON and its CSV always hold the same events.
"""

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    column,
    distinct,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql  # (also registers func.to_tsvector & co.)
from sqlmodel import Session

from app.models import (
    EVENT_TYPES,
    Actor,
    Article,
    Event,
    EventAlias,
    EventFacets,
    EventOutlet,
    EventPlace,
    EventWeapon,
    Mention,
    Place,
    Weapon,
)
from app.slugs import fold
from app.web import aggregates, matched, periods
from app.web.cache import memo, memo_search
from app.web.filters import FACETS, EventFilter
from app.web.matched import Cells, Linked, Matched

_fts = sql_table("event_fts", column("rowid"))
# event id <-> full-text rowid (migration 0005): a search reads rowids from the index
# alone, where reading its event_id column would fetch each matching row's content.
_fts_rowid = sql_table("event_fts_rowid", column("rowid"), column("event_id"))


def _table(model: Any) -> Any:
    # Core columns typed as Any: SQLModel's attribute types fight SQLAlchemy's stubs.
    return model.__table__


EVENT, ACTOR, ARTICLE, MENTION = _table(Event), _table(Actor), _table(Article), _table(Mention)
EVENT_WEAPON, EVENT_PLACE = _table(EventWeapon), _table(EventPlace)
EVENT_OUTLET, EVENT_FACETS = _table(EventOutlet), _table(EventFacets)
# The link table of each multi-valued filter: (table, value column).
LINKS = {
    "weapon": (EVENT_WEAPON, EVENT_WEAPON.c.weapon_id),
    "place": (EVENT_PLACE, EVENT_PLACE.c.place_id),
    "outlet": (EVENT_OUTLET, EVENT_OUTLET.c.outlet_id),
}
WEAPON, PLACE = _table(Weapon), _table(Place)


def _rows(session: Session, stmt: Any, params: dict[str, Any] | None = None) -> Any:
    # Core rows, not ORM objects: a page needs plain columns, and this is ~5x lighter.
    return session.connection().execute(stmt, params or {})


# Rejected events (the review desk) are in no public view; their permalinks answer 410.
def _public(table: Any) -> ColumnElement[bool]:
    return table.c.review_status != "rejected"


PUBLIC = _public(EVENT)


def _event_select() -> Any:
    """The columns an EventRow needs (not search_text), with the actor's name."""
    return (
        select(
            EVENT.c.id,
            EVENT.c.type,
            EVENT.c.actor_id,
            EVENT.c.date,
            EVENT.c.date_precision,
            EVENT.c.date_basis,
            EVENT.c.summary,
            EVENT.c.confidence,
            EVENT.c.review_status,
            EVENT.c.reviewed_at,
            ACTOR.c.name,
        )
        .join(ACTOR, ACTOR.c.id == EVENT.c.actor_id)
        .where(PUBLIC)
    )


_TERM_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Ref:
    id: str
    name: str


@dataclass(frozen=True)
class MentionRow:
    article_id: str
    source: str
    outlet: str | None
    title: str | None
    url: str | None
    published: dt.date | None
    published_precision: str | None
    quote: str
    start: int
    end: int
    trigger_start: int
    trigger_end: int
    cited_source: str | None
    speaker: str | None
    negated: bool
    event_id: str = ""

    def quote_parts(self) -> tuple[str, str, str]:
        """The quote split around its trigger, for <mark>; offsets are into the article."""
        a, b = self.trigger_start - self.start, self.trigger_end - self.start
        if not (0 <= a <= b <= len(self.quote)):
            return (self.quote, "", "")
        return (self.quote[:a], self.quote[a:b], self.quote[b:])


@dataclass(frozen=True)
class EventRow:
    id: str
    type: str
    actor: Ref
    date: dt.date | None
    date_precision: str | None
    date_basis: str
    summary: str
    weapons: tuple[Ref, ...]
    places: tuple[Ref, ...]
    source_count: int  # distinct articles that tell it
    confidence: float | None = None
    mentions: tuple[MentionRow, ...] = ()
    # When a person confirmed it (the review desk); None: as the extractor read it.
    reviewed_at: dt.datetime | None = None

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


@dataclass(frozen=True)
class FacetOption:
    id: str
    name: str
    count: int
    selected: bool


@dataclass(frozen=True)
class ArticleView:
    article: Article
    mentions: tuple[MentionRow, ...]


# --- filtering -------------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def fts_query(q: str) -> str:
    """User text -> an FTS5 query of quoted terms (AND-ed), so no operator syntax leaks."""
    return " ".join(f'"{term}"' for term in _TERM_RE.findall(fold(q)))


# PostgreSQL: the expression of the full-text index (migration 0001), spelled the same
# so that the planner uses the index: words split at every character that is neither a
# letter nor a digit (as FTS5's unicode61 tokenizer does), then the `timeline_search`
# configuration (simple + unaccent: no stemming, no stop words, accents ignored).
_PG_CONFIG: Any = literal_column("'timeline_search'::regconfig")
_PG_SEARCH_VECTOR: Any = func.to_tsvector(
    _PG_CONFIG,
    func.regexp_replace(
        EVENT.c.search_text,
        literal_column("'[^[:alnum:]]+'"),
        literal_column("' '"),
        literal_column("'g'"),
    ),
)


def _text_condition(session: Session, q: str) -> ColumnElement[bool] | None:
    terms = _TERM_RE.findall(fold(q))
    if not terms:
        return None
    dialect = _dialect(session)
    if dialect == "sqlite":
        return EVENT.c.id.in_(_fts_event_ids(q))
    if dialect == "postgresql":
        # plainto_tsquery AND-s the terms and reads no operator syntax.
        query = func.plainto_tsquery(_PG_CONFIG, literal(" ".join(terms)))
        return _PG_SEARCH_VECTOR.op("@@")(query)
    # search_text is already folded, so a LIKE per term is accent/case-insensitive.
    return and_(*(EVENT.c.search_text.contains(term) for term in terms))


def _fts_event_ids(q: str) -> Any:
    """SQLite: the ids of the events whose text has every term of `q`."""
    rowids = select(_fts.c.rowid).where(column("event_fts").op("MATCH")(literal(fts_query(q))))
    return select(_fts_rowid.c.event_id).where(_fts_rowid.c.rowid.in_(rowids))


def _text_event_ids(session: Session, q: str) -> Any:
    """The ids of the events whose text has every term of `q` (which has one)."""
    if _dialect(session) == "sqlite":
        return _fts_event_ids(q)
    cond = _text_condition(session, q)
    assert cond is not None  # q has a term
    return select(EVENT.c.id).where(cond)


def outlet_labels(*, session: Session, slugs: Iterable[str]) -> dict[str, str]:
    """Outlet id (slug of the name) -> the name shown for it: of its spellings in the
    articles, the first in code-point order (one index step, memoized per outlet)."""

    def label(slug: str) -> str | None:
        found: str | None = _rows(session, _OUTLET_LABEL, {"slug": slug}).scalar()
        return found

    labels = {
        slug: memo(session, "outlet_label", (slug,), partial(label, slug)) for slug in set(slugs)
    }
    return {slug: name for slug, name in labels.items() if name is not None}


_OUTLET_LABEL = select(func.min(ARTICLE.c.outlet)).where(ARTICLE.c.outlet_id == bindparam("slug"))


def conditions(
    *, session: Session, filter: EventFilter, walk: bool = False
) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on `event`. Weapons, places and outlets are tested
    as `id IN (their events)`, read once from the link's value index; with `walk`, as
    EXISTS per event instead, so that SQLite can walk a date index and stop at a LIMIT."""
    f = filter
    conds: list[ColumnElement[bool]] = [PUBLIC]
    if f.reviewed is not None:
        conds.append(EVENT.c.review_status == ("confirmed" if f.reviewed else "unreviewed"))
    if f.type:
        conds.append(EVENT.c.type.in_(f.type))
    if f.actor:
        conds.append(EVENT.c.actor_id.in_(f.actor))
    for name, (link, value) in LINKS.items():
        if f.values(name):
            linked = select(link.c.event_id).where(value.in_(f.values(name)))
            if walk:
                conds.append(linked.where(link.c.event_id == EVENT.c.id).exists())
            else:
                conds.append(EVENT.c.id.in_(linked))
    if f.date_from:
        conds.append(EVENT.c.date >= f.date_from)
    if f.date_to:
        conds.append(EVENT.c.date <= f.date_to)
    if f.min_confidence is not None:
        conds.append(EVENT.c.confidence >= f.min_confidence)
    if f.q:
        found = matched_events(session, f.q)
        if found is not None:
            conds.append(EVENT.c.id.in_(id_list(session, [e.id for e in found])))
        else:
            cond = _text_condition(session, f.q)
            if cond is not None:
                conds.append(cond)
    return conds


def id_list(session: Session, ids: Sequence[str]) -> Any:
    """A subquery of these ids bound as ONE parameter (a JSON array on SQLite, an array
    on PostgreSQL): binding thousands of ids one by one costs SQLAlchemy more time to
    compile than the query takes to run."""
    dialect = _dialect(session)
    if dialect == "sqlite":
        as_json: Any = bindparam(None, json.dumps(list(ids)), unique=True)
        return select(func.json_each(as_json).table_valued("value").c.value)
    if dialect == "postgresql":
        array = bindparam(None, list(ids), type_=postgresql.ARRAY(String()), unique=True)
        return select(func.unnest(array))
    return select(EVENT.c.id).where(EVENT.c.id.in_(list(ids)))


# A text search matching at most this many events is answered from them in memory.
# A one-word search at 200,000 events finds up to about 18,000: read once (0.4 s, 4 MB),
# its first page costs half the SQL way (0.8 s), and each other view of it a tenth.
# cache.SEARCHED_EVENTS bounds how many such searches a worker keeps.
MATCHED_LIMIT = 20000

# A search reads its events from eventfacets (migration 0008): one step per event,
# where the event's row and a subquery per link table cost 100 ms at 18,000 events.
# The date as the database gives it (SQLite: text), made a date once per distinct day
# (_Days): SQLAlchemy's DATE conversion per row was a quarter of a search's read.
_MATCHED_COLUMNS = [
    EVENT_FACETS.c.event_id, EVENT_FACETS.c.type, EVENT_FACETS.c.actor_id,
    type_coerce(EVENT_FACETS.c.date, String), EVENT_FACETS.c.review_status,
    EVENT_FACETS.c.confidence, EVENT_FACETS.c.weapons, EVENT_FACETS.c.places,
    EVENT_FACETS.c.outlets,
]  # fmt: skip
# A Matched from its fields in order, by a C-level call (a NamedTuple's own
# constructor is a Python function: a fifth of a search's read at 18,000 events).
_as_matched = partial(tuple.__new__, Matched)


class _Shared(dict[Any, Any]):
    """value -> its first copy read."""

    def __missing__(self, value: Any) -> Any:
        self[value] = value
        return value


class _Days(dict[Any, dt.date | None]):
    """A date as read (ISO text on SQLite, a date on PostgreSQL, None) -> the date, made
    once per distinct day."""

    def __missing__(self, found: Any) -> dt.date | None:
        day = self[found] = dt.date.fromisoformat(found) if isinstance(found, str) else found
        return day


class _LinkLists(dict[str | None, tuple[str, ...]]):
    """A link's values as read ("himars atacms", or None for none) -> their sorted tuple,
    made once per distinct list (the same lists come back on many rows), shared like
    its values."""

    def __init__(self, one: Callable[[Any], Any]) -> None:
        super().__init__()
        self._one = one

    def __missing__(self, found: str | None) -> tuple[str, ...]:
        values = self[found] = self._one(tuple(sorted(map(self._one, (found or "").split()))))
        return values


def matched_events(session: Session, q: str) -> tuple[Matched, ...] | None:
    """The events a text search finds, with their columns and links, read once per data
    version when there are at most MATCHED_LIMIT (app/web/matched.py); else None."""
    terms = tuple(_TERM_RE.findall(fold(q)))

    def compute() -> tuple[Matched, ...] | None:
        found = EVENT_FACETS.c.event_id.in_(_text_event_ids(session, q))
        public = _public(EVENT_FACETS)
        stmt = select(*_MATCHED_COLUMNS).where(public, found).limit(MATCHED_LIMIT + 1)
        # .all(): one fetch of every row, several times cheaper than iterating rows.
        rows = _rows(session, stmt).all()
        if len(rows) > MATCHED_LIMIT:
            return None
        if not rows:
            return ()
        # Each row brings its own copies of values that repeat across events (a type, a
        # date, a weapon list): one shared copy each keeps a memoized search 4x smaller.
        # Column by column, through C-level calls: no Python call per row of up to
        # 20,000 (the _MATCHED_COLUMNS in order).
        one = _Shared().__getitem__
        links = _LinkLists(one).__getitem__
        ids, kinds, actors, dates, statuses, confidences, weapons, places, outlets = zip(
            *rows, strict=True
        )
        columns = (
            ids,
            map(one, kinds),
            map(one, actors),
            map(_Days().__getitem__, dates),
            map(one, statuses),
            confidences,
            map(links, weapons),
            map(links, places),
            map(links, outlets),
        )
        return tuple(map(_as_matched, zip(*columns, strict=True)))

    return memo_search(session, terms, compute) if terms else None


def _matched(session: Session, filter: EventFilter) -> list[Matched] | None:
    """A text search's events when answered in memory, the rest of the filter applied."""
    events = matched_events(session, filter.q) if filter.q else None
    return None if events is None else matched.keep(events, filter)


# --- the event list --------------------------------------------------------------


def count_events(*, session: Session, filter: EventFilter) -> int:
    def compute() -> int:
        events = _matched(session, filter)
        if events is not None:
            return len(events)
        found = aggregates.total(session, filter)
        if found is None:
            few = _few(session, filter)
            return _count(session, filter) if few is None else len(few)
        return found.counts[()] + sum(
            _count(session, replace(filter, date_from=lo, date_to=hi)) for lo, hi in found.rest
        )

    return memo(session, "count", filter.cache_key(), compute)


def _count(session: Session, filter: EventFilter) -> int:
    """Counted from the events: those the rest of the filter keeps tested for their
    links when fewer than the links' events (the days at the ends of a date range)."""
    conds = conditions(session=session, filter=filter, walk=_tests_links(session, filter))
    stmt = select(func.count()).select_from(EVENT).where(*conds)
    return int(_rows(session, stmt).one()[0])


def count_dated(*, session: Session, filter: EventFilter) -> int:
    def compute() -> int:
        events = _matched(session, filter)
        if events is not None:
            return len(matched.dated(events))
        undated = aggregates.undated(session, filter)
        if undated is not None:
            return count_events(session=session, filter=filter) - undated
        few = _few(session, filter)
        if few is not None:
            return len(matched.dated(few))
        conds = conditions(session=session, filter=filter)
        stmt = select(func.count()).select_from(EVENT).where(EVENT.c.date.is_not(None), *conds)
        return int(_rows(session, stmt).one()[0])

    return memo(session, "count_dated", filter.cache_key(), compute)


def list_events(
    *, session: Session, filter: EventFilter, limit: int, offset: int = 0, mentions: bool = False
) -> list[EventRow]:
    """One page of events, oldest or newest first (undated last), with their names.

    Dated and undated events are paged by two queries rather than one ORDER BY
    `date IS NULL`, so that SQLite walks the date index instead of sorting every row.
    """
    # A search answered in memory, or a view on links whose few events are read anyway
    # (for its facets): the page is a slice of them in order.
    first = -1 if limit < 0 else offset + limit
    events = _matched(session, filter)
    found = None if events is None else matched.ordered(events, filter.order, first)
    if found is None and any(filter.values(name) for name in LINKS):
        few = _matching(session, filter)
        found = None if few is None else matched.ordered(few, filter.order, first)
    if found is not None:
        chosen = found[offset:] if limit < 0 else found[offset : offset + limit]
        return _hydrate(session, _event_rows(session, chosen), with_mentions=mentions)
    narrowed, skip = _skip_months(session, filter, offset) if limit >= 0 else (filter, offset)
    walk = limit >= 0 and _walks(session, narrowed, limit + skip)
    conds = conditions(session=session, filter=narrowed, walk=walk)
    desc = filter.order == "desc"
    by_date = [EVENT.c.date.desc(), EVENT.c.id.desc()] if desc else [EVENT.c.date, EVENT.c.id]
    # The page's ids first, from the covering indexes alone; then only its rows: sorting
    # whole rows would read every matching event's summary and search text.
    ids = select(EVENT.c.id).where(*conds)
    dated = ids.where(EVENT.c.date.is_not(None)).order_by(*by_date)
    page = list(_rows(session, _page(dated, limit, skip)).scalars())
    # Undated events come after the dated ones; a date filter keeps none of them.
    if (limit < 0 or len(page) < limit) and not filter.has_dates:
        into = max(0, offset - count_dated(session=session, filter=filter))
        rest = -1 if limit < 0 else limit - len(page)
        conds = conditions(session=session, filter=filter)
        undated = select(EVENT.c.id).where(*conds, EVENT.c.date.is_(None)).order_by(EVENT.c.id)
        page += list(_rows(session, _page(undated, rest, into)).scalars())
    return _hydrate(session, _event_rows(session, page), with_mentions=mentions)


def _event_rows(session: Session, ids: Sequence[str]) -> list[Any]:
    """The rows of `_event_select` for these ids, in their order."""
    found: dict[str, Any] = {}
    for at in range(0, len(ids), HYDRATE_BATCH):
        batch = list(ids[at : at + HYDRATE_BATCH])
        found.update((row.id, row) for row in _rows(session, _EVENTS_BY_ID, {"ids": batch}))
    return [found[event_id] for event_id in ids]


def _skip_months(session: Session, filter: EventFilter, offset: int) -> tuple[EventFilter, int]:
    """The same page as (a filter starting later, a smaller offset): the whole months of
    the filter's events before the page, skipped by their counts in the aggregates, so
    that a deep page reads from its own month on (a filter without dates only)."""
    months = aggregates.month_counts(session, filter) if offset else None
    if not months:
        return filter, offset
    desc = filter.order == "desc"
    skipped = 0
    for month, count in reversed(months) if desc else months:
        if skipped + count > offset:
            if not skipped:
                break
            first = dt.date(int(month[:4]), int(month[5:7]), 1)
            if desc:
                return replace(filter, date_to=aggregates.month_end(first)), offset - skipped
            return replace(filter, date_from=first), offset - skipped
        skipped += count
    return filter, offset  # the page is in the first month, or past the dated events


def _walks(session: Session, filter: EventFilter, reach: int) -> bool:
    """Whether to find the first `reach` events of a filter on weapons, places or
    outlets by walking a date index over the events the rest of the filter keeps
    (`others`), testing each for its link and stopping at the page's end, rather than
    reading every event of the link and sorting them. Walking tests about
    reach * others / matching events; the other way reads min(others, linked)."""
    if not any(filter.values(name) for name in LINKS):
        return False
    matching = count_dated(session=session, filter=filter)
    others, linked = _link_estimates(session, filter)
    if others is None:
        return False
    return reach * others <= matching * min(others, linked)


def _link_estimates(session: Session, filter: EventFilter) -> tuple[int | None, int]:
    """(events the filter keeps without its weapon, place and outlet, or None when
    only the events could count them; events of its rarest link, at most), from the
    aggregates."""
    unlinked = replace(filter, weapon=(), place=(), outlet=())
    others = None
    if aggregates.cube(unlinked) is not None:
        others = count_dated(session=session, filter=unlinked)

    def events_of(name: str, value: str) -> int:
        changes: dict[str, Any] = {name: (value,), "reviewed": filter.reviewed}
        return count_dated(session=session, filter=EventFilter(**changes))

    linked = min(
        sum(events_of(name, value) for value in filter.values(name))
        for name in LINKS
        if filter.values(name)
    )
    return others, linked


def _page(stmt: Any, limit: int, offset: int) -> Any:
    """LIMIT/OFFSET; a negative limit is no limit (PostgreSQL refuses LIMIT -1)."""
    return (stmt if limit < 0 else stmt.limit(limit)).offset(offset)


def all_events(*, session: Session, filter: EventFilter, mentions: bool = False) -> list[EventRow]:
    """Every event of a view, for the exports (no pagination)."""
    return list_events(session=session, filter=filter, limit=-1, offset=0, mentions=mentions)


# Hot statements are built once with bind parameters: building SQLAlchemy expressions
# costs more than running these indexed queries.
_REFS = union_all(
    select(EVENT_WEAPON.c.event_id, literal("weapon"), WEAPON.c.id, WEAPON.c.name)
    .join(WEAPON, WEAPON.c.id == EVENT_WEAPON.c.weapon_id)
    .where(EVENT_WEAPON.c.event_id.in_(bindparam("weapon_ids", expanding=True))),
    select(EVENT_PLACE.c.event_id, literal("place"), PLACE.c.id, PLACE.c.name)
    .join(PLACE, PLACE.c.id == EVENT_PLACE.c.place_id)
    .where(EVENT_PLACE.c.event_id.in_(bindparam("place_ids", expanding=True))),
)


def _refs(session: Session, ids: Sequence[str]) -> dict[str, dict[str, tuple[Ref, ...]]]:
    """Weapons and places of the events, in one round trip: {"weapon": {id: refs}, ...}."""
    out: dict[str, dict[str, list[Ref]]] = {"weapon": defaultdict(list), "place": defaultdict(list)}
    found = _rows(session, _REFS, {"weapon_ids": list(ids), "place_ids": list(ids)})
    for event_id, kind, ref_id, name in sorted(found, key=lambda r: r[3].casefold()):
        out[kind][event_id].append(Ref(ref_id, name))
    return {kind: {k: tuple(v) for k, v in refs.items()} for kind, refs in out.items()}


_ARTICLE_FIELDS = ("source", "outlet", "title", "url", "published", "published_precision")
_MENTION_COLS = [
    MENTION.c[name]
    for name in (
        "event_id", "article_id", "quote", "start", "end", "trigger_start", "trigger_end",
        "cited_source", "speaker", "negated",
    )
]  # fmt: skip


# A page's mentions with their articles' columns, in the order of MentionRow's fields:
# each row is read whole, by position (tests/web/test_queries.py checks the order);
# reading its 16 columns by name cost 20 us a row, most of a page's mentions.
_MENTIONS = (
    select(
        *(
            (ARTICLE if name in _ARTICLE_FIELDS else MENTION).c[name]
            for name in MentionRow.__dataclass_fields__
        )
    )
    .join(ARTICLE, ARTICLE.c.id == MENTION.c.article_id)
    .where(MENTION.c.event_id.in_(bindparam("ids", expanding=True)))
    .order_by(
        ARTICLE.c.published.is_(None),
        ARTICLE.c.published,
        MENTION.c.article_id,
        MENTION.c.start,
    )
)


def _mention_rows(session: Session, ids: Sequence[str]) -> dict[str, tuple[MentionRow, ...]]:
    out: dict[str, list[MentionRow]] = defaultdict(list)
    for row in _rows(session, _MENTIONS, {"ids": list(ids)}).all():
        mention = MentionRow(*row)
        out[mention.event_id].append(mention)
    return {k: tuple(v) for k, v in out.items()}


def _mention_row(m: Any, article: Any) -> MentionRow:
    """A mention row joined with (or alongside) its article's columns."""
    return MentionRow(
        article_id=m.article_id,
        source=article.source,
        outlet=article.outlet,
        title=article.title,
        url=article.url,
        published=article.published,
        published_precision=article.published_precision,
        quote=m.quote,
        start=m.start,
        end=m.end,
        trigger_start=m.trigger_start,
        trigger_end=m.trigger_end,
        cited_source=m.cited_source,
        speaker=m.speaker,
        negated=bool(m.negated),
        event_id=m.event_id,
    )


HYDRATE_BATCH = 2000  # ids per IN (...): SQLite caps bound parameters per statement


def _hydrate(
    session: Session, rows: Sequence[Any], *, with_mentions: bool, with_counts: bool = True
) -> list[EventRow]:
    """Event rows (from `_event_select`) with their weapons, places and mentions."""
    if len(rows) > HYDRATE_BATCH:  # exports of whole views
        out: list[EventRow] = []
        for at in range(0, len(rows), HYDRATE_BATCH):
            batch = rows[at : at + HYDRATE_BATCH]
            out += _hydrate(session, batch, with_mentions=with_mentions, with_counts=with_counts)
        return out
    ids = [row.id for row in rows]
    if not ids:
        return []
    refs = _refs(session, ids)
    weapons, places = refs["weapon"], refs["place"]
    mentions = _mention_rows(session, ids) if with_mentions else {}
    counts: dict[str, int] = {}
    if with_counts and not with_mentions:
        stmt = (
            select(MENTION.c.event_id, func.count(distinct(MENTION.c.article_id)))
            .where(MENTION.c.event_id.in_(ids))
            .group_by(MENTION.c.event_id)
        )
        counts = {event_id: int(n) for event_id, n in _rows(session, stmt)}
    return [
        EventRow(
            id=event.id,
            type=event.type,
            actor=Ref(event.actor_id, event.name),
            date=event.date,
            date_precision=event.date_precision,
            date_basis=event.date_basis,
            summary=event.summary,
            confidence=event.confidence,
            reviewed_at=_utc(event.reviewed_at) if event.review_status == "confirmed" else None,
            weapons=weapons.get(event.id, ()),
            places=places.get(event.id, ()),
            source_count=(
                len({m.article_id for m in mentions.get(event.id, ())})
                if with_mentions
                else counts.get(event.id, 0)
            ),
            mentions=mentions.get(event.id, ()),
        )
        for event in rows
    ]


def _utc(value: dt.datetime | str | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (Core rows of SQLite may give text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --- one event, one article --------------------------------------------------------


def resolve_event_id(*, session: Session, event_id: str) -> tuple[str, str] | None:
    """("event", id) when it exists, ("alias", current id) for a merged id, else None."""
    if _rows(session, select(EVENT.c.id).where(EVENT.c.id == event_id, PUBLIC)).first():
        return ("event", event_id)
    alias = _table(EventAlias)
    row = _rows(
        session,
        select(alias.c.event_id)
        .join(EVENT, EVENT.c.id == alias.c.event_id)
        .where(alias.c.id == event_id, PUBLIC),
    ).first()
    return ("alias", row[0]) if row else None


def rejected_event(*, session: Session, event_id: str) -> tuple[str, dt.datetime | None] | None:
    """(id, when) of the rejected event `event_id` names (itself or an old id of it)."""
    alias = _table(EventAlias)
    current = select(alias.c.event_id).where(alias.c.id == event_id).scalar_subquery()
    row = _rows(
        session,
        select(EVENT.c.id, EVENT.c.reviewed_at).where(
            or_(EVENT.c.id == event_id, EVENT.c.id == current),
            EVENT.c.review_status == "rejected",
        ),
    ).first()
    return (row[0], _utc(row[1])) if row else None


_EVENT_BY_ID = _event_select().where(EVENT.c.id == bindparam("event_id"))
_EVENTS_BY_ID = _event_select().where(EVENT.c.id.in_(bindparam("ids", expanding=True)))


def _related_statements(with_weapons: bool) -> dict[str, Any]:
    """Nearest events of the same actor (or sharing a weapon) before and after one event."""
    shared: ColumnElement[bool] = EVENT.c.actor_id == bindparam("actor_id")
    if with_weapons:
        # EXISTS (not IN): SQLite walks the date index from the event, testing each
        # row, and stops at the limit.
        shares = (
            select(EVENT_WEAPON.c.event_id)
            .where(EVENT_WEAPON.c.event_id == EVENT.c.id)
            .where(EVENT_WEAPON.c.weapon_id.in_(bindparam("weapon_ids", expanding=True)))
            .exists()
        )
        shared = or_(shared, shares)
    day: Any = bindparam("day")
    event_id: Any = bindparam("event_id")
    # The plain range (<=, >=) lets SQLite seek the date index; the OR breaks date ties.
    before = and_(
        EVENT.c.date <= day,
        or_(EVENT.c.date < day, and_(EVENT.c.date == day, EVENT.c.id < event_id)),
    )
    after = and_(
        EVENT.c.date >= day,
        or_(EVENT.c.date > day, and_(EVENT.c.date == day, EVENT.c.id > event_id)),
    )
    return {
        "before": _event_select()
        .where(shared, before)
        .order_by(EVENT.c.date.desc(), EVENT.c.id.desc())
        .limit(bindparam("limit")),
        "after": _event_select()
        .where(shared, after)
        .order_by(EVENT.c.date, EVENT.c.id)
        .limit(bindparam("limit")),
    }


_RELATED = {True: _related_statements(True), False: _related_statements(False)}


def get_event(*, session: Session, event_id: str) -> EventRow | None:
    rows = list(_rows(session, _EVENT_BY_ID, {"event_id": event_id}))
    hydrated = _hydrate(session, rows, with_mentions=True)
    return hydrated[0] if hydrated else None


def events_by_ids(
    *, session: Session, ids: Sequence[str], mentions: bool = False
) -> dict[str, EventRow]:
    """Several events by id, hydrated in one batch (the policy state's cell details)."""
    rows = list(_rows(session, _event_select().where(EVENT.c.id.in_(sorted(set(ids))))))
    return {e.id: e for e in _hydrate(session, rows, with_mentions=mentions)}


def related_events(
    *, session: Session, event: EventRow, limit: int = 5
) -> tuple[list[EventRow], list[EventRow]]:
    """Events of the same actor or sharing a weapon: the nearest before and after."""
    if event.date is None:
        return ([], [])
    weapon_ids = [w.id for w in event.weapons]
    params: dict[str, Any] = {
        "actor_id": event.actor.id,
        "day": event.date,
        "event_id": event.id,
        "limit": limit,
    }
    if weapon_ids:
        params["weapon_ids"] = weapon_ids
    statements = _RELATED[bool(weapon_ids)]
    found = {side: list(_rows(session, stmt, params)) for side, stmt in statements.items()}
    before_rows = found["before"][::-1]
    rows = _hydrate(session, before_rows + found["after"], with_mentions=False, with_counts=False)
    return (rows[: len(before_rows)], rows[len(before_rows) :])


def get_article(*, session: Session, article_id: str) -> ArticleView | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    stmt = (
        select(*_MENTION_COLS)
        .join(EVENT, EVENT.c.id == MENTION.c.event_id)
        .where(MENTION.c.article_id == article_id, PUBLIC)
    )
    rows = tuple(_mention_row(m, article) for m in _rows(session, stmt.order_by(MENTION.c.start)))
    return ArticleView(article=article, mentions=rows)


# --- facets ---------------------------------------------------------------------------


def _names(session: Session, name: str) -> dict[str, str]:
    """id -> display name of actors, weapons or places (small tables, memoized)."""
    table = {"actor": ACTOR, "weapon": WEAPON, "place": PLACE}[name]

    def compute() -> dict[str, str]:
        return {row.id: row.name for row in _rows(session, select(table.c.id, table.c.name))}

    return memo(session, "names", (name,), compute)


def event_outlet_names(*, session: Session, event_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Event id -> display names of the outlets that tell it (for exports)."""
    found: dict[str, list[str]] = defaultdict(list)
    for at in range(0, len(event_ids), HYDRATE_BATCH):
        batch = list(event_ids[at : at + HYDRATE_BATCH])
        stmt = select(EVENT_OUTLET.c.event_id, EVENT_OUTLET.c.outlet_id)
        for event_id, slug in _rows(session, stmt.where(EVENT_OUTLET.c.event_id.in_(batch))):
            found[event_id].append(slug)
    labels = outlet_labels(session=session, slugs={s for slugs in found.values() for s in slugs})
    return {
        event_id: tuple(sorted(labels.get(slug, slug) for slug in slugs))
        for event_id, slugs in found.items()
    }


def _facet_values(session: Session, name: str, filter: EventFilter) -> Counter[str]:
    """Option id -> event count for one facet under `filter`: from the aggregates where
    they can say, the rest counted from the events."""
    found = aggregates.facet(session, filter, name)
    if found is None:
        return _facet_values_from_events(session, name, filter)
    counts = found.counts
    for lo, hi in found.rest:
        counts += _facet_values_from_events(
            session, name, replace(filter, date_from=lo, date_to=hi)
        )
    return counts


def _facet_values_from_events(session: Session, name: str, filter: EventFilter) -> Counter[str]:
    events = _matched(session, filter)
    if events is not None:
        return matched.facet(events, name)
    few = _matching(session, filter)
    if few is not None and name in ("type", "actor"):
        return matched.facet(few, name)
    if few is not None:
        linked: Any = id_list(session, [e.id for e in few])
        matching: Any = EVENT.c.id.in_(linked)
    else:
        conds = conditions(session=session, filter=filter, walk=_tests_links(session, filter))
        matching = and_(*conds)
        linked = select(EVENT.c.id).where(*conds)
    if name in ("type", "actor"):
        key = EVENT.c.type if name == "type" else EVENT.c.actor_id
        stmt = select(key, func.count()).where(matching).group_by(key)
    else:
        link, key = LINKS[name]
        # (event, value) pairs are unique, so count(*) counts events; `IN (filtered ids)`
        # lets SQLite read the small link index instead of planning a join.
        stmt = select(key, func.count()).where(link.c.event_id.in_(linked)).group_by(key)
    return Counter({k: int(n) for k, n in _rows(session, stmt)})


# The events of a view whose facets the aggregates cannot count are read once (id, date,
# type, actor) when they are few: its count, lanes and type and actor facets come from
# them, each link facet reads their links by id, and the page is a slice of them.
MATCHING_IDS = 5000


def _matching(session: Session, filter: EventFilter) -> tuple[Linked, ...] | None:
    """The filter's events, if at most MATCHING_IDS. A view on weapons, places or outlets
    that the aggregates cannot count is read up to one row more than the bound: that
    costs less than counting it in SQL first (180 ms for an outlet, a place and a weapon
    at 200,000 events). Another is read only when its count is small enough."""
    limited = _uncounted_links(filter)
    if not limited and count_events(session=session, filter=filter) > MATCHING_IDS:
        return None

    def compute() -> tuple[Linked, ...] | None:
        stmt = _joined_to_link(session, filter)
        rows = _rows(session, stmt.limit(MATCHING_IDS + 1) if limited else stmt).all()
        if limited and len(rows) > MATCHING_IDS:
            return None
        # An event linked to two of the values comes twice from the join: kept once.
        return tuple(dict.fromkeys(Linked(*row) for row in rows))

    return memo(session, "matching", filter.cache_key(), compute)


def _uncounted_links(filter: EventFilter) -> bool:
    """A view on weapons, places or outlets that the aggregates cannot count."""
    return any(filter.values(name) for name in LINKS) and aggregates.cube(filter) is None


def _few(session: Session, filter: EventFilter) -> tuple[Linked, ...] | None:
    """The events of such a view, when few: what its counts and lanes come from."""
    return _matching(session, filter) if _uncounted_links(filter) else None


def _in_memory(session: Session, filter: EventFilter) -> Sequence[Matched | Linked] | None:
    """The filter's events when held in memory: a search's, or a few linked ones."""
    events = _matched(session, filter)
    return events if events is not None else _few(session, filter)


def _joined_to_link(session: Session, filter: EventFilter) -> Any:
    """(id, date, type, actor) of the filter's events; with weapons, places or outlets,
    joined to the links they name rather than testing each event with a correlated
    EXISTS: the planner then walks the smallest side and probes the others by index
    (6 against 10 ms for a weapon, an actor and a type at 200,000 events; 50 against
    156 ms for an outlet and a weapon)."""
    columns = (EVENT.c.id, EVENT.c.date, EVENT.c.type, EVENT.c.actor_id)
    joined, unlinked = EVENT, dict[str, Any]()
    for name, (link, value) in LINKS.items():
        if wanted := filter.values(name):
            # Each link table at most once per statement: aliased.
            alias = link.alias(f"{name}_link")
            on = and_(alias.c.event_id == EVENT.c.id, alias.c[value.name].in_(wanted))
            joined, unlinked[name] = joined.join(alias, on), ()
    conds = conditions(session=session, filter=replace(filter, **unlinked))
    return select(*columns).select_from(joined).where(*conds)


def _tests_links(session: Session, filter: EventFilter) -> bool:
    """Whether to find a filter's events among those the rest of it keeps, testing each
    for its weapon, place or outlet (fewer than the link's own events), rather than
    among the link's events."""
    if not any(filter.values(name) for name in LINKS):
        return False
    others, linked = _link_estimates(session, filter)
    return others is not None and others <= linked


def _facet_rows(session: Session, name: str, filter: EventFilter) -> dict[str, tuple[str, int]]:
    """Option id -> (label, event count) for one facet under the filter."""
    counts = _facet_values(session, name, filter)
    if name == "outlet":
        labels = outlet_labels(session=session, slugs=counts)
    else:
        labels = {} if name == "type" else _names(session, name)
    return {k: (labels.get(k, k), n) for k, n in counts.items() if n}


def facet_counts(*, session: Session, filter: EventFilter) -> dict[str, tuple[FacetOption, ...]]:
    """Per filter, its options with event counts under all the OTHER current filters.

    Values within a filter are OR-ed, so each count is how many events that option
    contributes; selected options stay listed even at 0 so they can be unticked.
    """

    def compute() -> dict[str, tuple[FacetOption, ...]]:
        result: dict[str, tuple[FacetOption, ...]] = {}
        for name in FACETS:
            rows = _facet_rows(session, name, filter.without(name))
            selected = set(filter.values(name))
            for value in selected - rows.keys():
                rows[value] = (_label(session, name, value), 0)
            options = [
                FacetOption(k, label, count, k in selected) for k, (label, count) in rows.items()
            ]
            if name == "type":
                options += [FacetOption(t, t, 0, False) for t in EVENT_TYPES if t not in rows]
                options.sort(key=lambda o: EVENT_TYPES.index(o.id) if o.id in EVENT_TYPES else 99)
            else:
                options.sort(key=lambda o: (-o.count, o.name.casefold()))
            result[name] = tuple(options)
        return result

    return memo(session, "facets", filter.cache_key(), compute)


def _label(session: Session, name: str, value: str) -> str:
    model: Any = {"actor": Actor, "weapon": Weapon, "place": Place}.get(name)
    if model is not None:
        row = session.get(model, value)
        if row is not None:
            return str(row.name)
    if name == "outlet":
        return outlet_labels(session=session, slugs=[value]).get(value, value)
    return value


def names_for(*, session: Session, filter: EventFilter) -> dict[tuple[str, str], str]:
    """Display names of the selected values, for the "clear" chips."""
    return {(n, v): _label(session, n, v) for n in FACETS for v in filter.values(n)}


# --- lanes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanePoint:
    """One marker (count == 1, with event fields) or one period aggregate."""

    actor: Ref
    date: dt.date  # the event date, or the first day of the period
    count: int
    type: str  # the event type, or the most frequent type of the period
    by_type: tuple[tuple[str, int], ...]
    event_id: str = ""
    summary: str = ""
    date_precision: str | None = None
    date_basis: str = "text"


@dataclass(frozen=True)
class LaneData:
    points: tuple[LanePoint, ...]
    aggregated: str  # "" for single markers, else "month" or "year"
    first: dt.date | None
    last: dt.date | None
    dated: int
    undated: int


def lane_data(*, session: Session, filter: EventFilter, marker_limit: int = 300) -> LaneData:
    """What the lanes draw. Above `marker_limit` dated events, counts per period."""

    def compute() -> LaneData:
        dated = count_dated(session=session, filter=filter)
        undated = count_events(session=session, filter=filter) - dated
        if dated == 0:
            return LaneData((), "", None, None, 0, undated)
        if dated <= marker_limit:
            points = _single_points(session, filter)
            return LaneData(points, "", points[0].date, points[-1].date, dated, undated)
        first, last = (_edge_date(session, filter, latest) for latest in (False, True))
        # The shown span: a date filter zooms in even where events are sparse.
        period = periods.choose(filter.date_from or first, filter.date_to or last)
        points = _period_points(session, filter, period)
        return LaneData(points, period, first, last, dated, undated)

    return memo(session, "lanes", (*filter.cache_key(), marker_limit), compute)


def _edge_date(session: Session, filter: EventFilter, latest: bool) -> dt.date:
    """The first (or last) date of the filter's events: one step down a date index,
    which the filter's first event ends (the filter holds dated events)."""
    events = _in_memory(session, filter)
    if events is not None:
        days = [e.date for e in events if e.date is not None]
        return max(days) if latest else min(days)
    day = EVENT.c.date
    stmt = select(day).where(
        day.is_not(None), *conditions(session=session, filter=filter, walk=True)
    )
    found = _rows(session, stmt.order_by(day.desc() if latest else day).limit(1)).scalar_one()
    return found if isinstance(found, dt.date) else dt.date.fromisoformat(found)


def _single_points(session: Session, filter: EventFilter) -> tuple[LanePoint, ...]:
    events = _in_memory(session, filter)
    if events is not None:
        rows = _event_rows(session, matched.ordered(matched.dated(events), "asc"))
    else:
        conds = conditions(session=session, filter=filter, walk=True)
        stmt = _event_select().where(EVENT.c.date.is_not(None), *conds)
        rows = list(_rows(session, stmt.order_by(EVENT.c.date, EVENT.c.id)))
    return tuple(
        LanePoint(
            actor=Ref(e.actor_id, e.name),
            date=e.date,
            count=1,
            type=e.type,
            by_type=((e.type, 1),),
            event_id=e.id,
            summary=e.summary,
            date_precision=e.date_precision,
            date_basis=e.date_basis,
        )
        for e in rows
    )


def _period_points(session: Session, filter: EventFilter, period: str) -> tuple[LanePoint, ...]:
    """Counts per (actor, period, type): per month from the aggregates when the period
    is made of months and they can say, else (and for the days they leave) grouped in SQL
    over the events (those held in memory: counted here); then months or days merged
    into quarters or weeks here."""
    events = _in_memory(session, filter)
    if events is not None:
        cells = matched.period_cells(events, lambda day: periods.start_of(day, period))
    else:
        cells = _stored_period_cells(session, filter, period)
    names = _names(session, "actor")
    points = []
    for (start, actor_id), by_type in sorted(cells.items()):
        ordered = tuple(sorted(by_type.items(), key=lambda kv: (-kv[1], _type_rank(kv[0]))))
        points.append(
            LanePoint(
                actor=Ref(actor_id, names.get(actor_id, actor_id)),
                date=start,
                count=sum(by_type.values()),
                type=ordered[0][0],
                by_type=ordered,
            )
        )
    return tuple(points)


def _stored_period_cells(session: Session, filter: EventFilter, period: str) -> Cells:
    cells: Cells = defaultdict(Counter)
    found = None if period in ("week", "day") else aggregates.lane_cells(session, filter)
    if found is None:
        _add_period_cells(session, filter, period, cells)
        return cells
    for (actor_id, type_, month), count in found.counts.items():
        day = dt.date(int(month[:4]), int(month[5:7]), 1)
        cells[(periods.start_of(day, period), actor_id)][type_] += count
    for lo, hi in found.rest:
        _add_period_cells(session, replace(filter, date_from=lo, date_to=hi), period, cells)
    return cells


def _add_period_cells(session: Session, filter: EventFilter, period: str, cells: Cells) -> None:
    """The filter's events per (actor, type, day or month), counted from the events."""
    if period in ("week", "day"):
        keys: list[Any] = [EVENT.c.date]
    else:
        keys = [extract("year", EVENT.c.date), extract("month", EVENT.c.date)]
    conds = conditions(session=session, filter=filter, walk=_tests_links(session, filter))
    stmt = (
        select(EVENT.c.actor_id, EVENT.c.type, func.count(), *keys)
        .where(EVENT.c.date.is_not(None), *conds)
        .group_by(EVENT.c.actor_id, EVENT.c.type, *keys)
    )
    for actor_id, type_, count, *key in _rows(session, stmt):
        if period in ("week", "day"):
            day = key[0] if isinstance(key[0], dt.date) else dt.date.fromisoformat(key[0])
        else:
            day = dt.date(int(key[0]), int(key[1]), 1)
        cells[(periods.start_of(day, period), actor_id)][type_] += int(count)


def _type_rank(event_type: str) -> int:
    return EVENT_TYPES.index(event_type) if event_type in EVENT_TYPES else len(EVENT_TYPES)


def updated_at(*, session: Session, event_ids: Sequence[str]) -> dict[str, dt.datetime]:
    """When each event last changed (Atom <updated>), in one query."""
    stmt = select(EVENT.c.id, EVENT.c.updated_at).where(EVENT.c.id.in_(list(event_ids)))
    return {event_id: stamp for event_id, stamp in _rows(session, stmt)}
