"""Re-running the current extractor over every stored article (`timeline reextract`),
so a better extractor reaches an existing database without re-ingesting.

One transaction per article. A reading is the same when its mention key is (the
article, the evidence offsets, the type and the actor): such a mention stays where it
is and only its fields are read again (weapons, places, date, speaker, confidence,
reasons), so its event keeps its id. A reading that is gone leaves its event; a new one
joins an event by the clustering rule, as at ingestion. An event left without any
mention is retired: its id (and its aliases) then answer 410 Gone with the reason,
instead of a silent 404. An event whose smallest mention key left gets the next one as
its id, and the old id becomes an alias (301), as when events merge.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from app.extract import extract_events
from app.extract.types import ArticleInput, ExtractedEvent
from app.ingest.normalize import analysis_view
from app.ingest.reader import SUPPORTED_LANGUAGES
from app.ingest.store import (
    MentionRow,
    attach_new,
    mention_for,
    refresh_event,
    rename_event,
    update_mention,
)
from app.ingest.writer import write_transaction
from app.models import Article, Event, EventAlias, Mention, RetiredEvent
from app.review import durable

RETIRED_REASON = "the current extractor no longer reads this event from its sources"


@dataclass
class ArticleChange:
    article_id: str
    kept: int = 0  # readings unchanged (their events keep their ids)
    added: int = 0
    removed: int = 0
    kept_by_review: int = 0  # readings the extractor lost that a person decided about
    retired_events: int = 0
    error: str | None = None


@dataclass
class ReextractReport:
    changes: list[ArticleChange]

    @property
    def articles(self) -> int:
        return len(self.changes)

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.changes)

    @property
    def failed(self) -> list[ArticleChange]:
        return [c for c in self.changes if c.error is not None]


def article_input(article: Article) -> ArticleInput:
    """What the extractor sees of a stored article: the same view ingestion gave it."""
    return ArticleInput(
        text=article.text,
        analysis_text=analysis_view(article.text),
        language=article.language,
        published=article.published,
        published_precision=article.published_precision,
        title=article.title,
        outlet=article.outlet,
    )


def reextract_article(
    session: Session, article: Article, events: Sequence[ExtractedEvent]
) -> ArticleChange:
    """Replace the article's readings by `events` (the caller commits or rolls back)."""
    change = ArticleChange(article.id)
    old = {m.key: m for m in session.exec(select(Mention).where(Mention.article_id == article.id))}
    new: dict[str, MentionRow] = {}
    for extracted in events:
        reading = mention_for(session, article, extracted)
        new.setdefault(reading.key, reading)  # the same reading told twice is one
    touched: set[str] = set()
    # A reading a person decided about stays, even when the extractor no longer reads it.
    vouched = durable.decided_keys(session, old.keys() - new.keys())
    change.kept_by_review = len(vouched)
    for key in sorted(old.keys() - new.keys() - vouched):
        mention = old[key]
        touched.add(mention.event_id)
        session.delete(mention)
        change.removed += 1
    session.flush()
    for key in sorted(old.keys() & new.keys()):
        update_mention(old[key], new[key])
        touched.add(old[key].event_id)
        change.kept += 1
    session.flush()
    for key in sorted(new.keys() - old.keys()):
        attach_new(session, new[key], article.id)
        change.added += 1
    for event_id in sorted(touched):
        change.retired_events += _settle(session, event_id)
    return change


def _settle(session: Session, event_id: str) -> int:
    """Refresh an event whose mentions changed; retire it when none is left. Returns
    the number of events retired (0 or 1)."""
    event = session.get(Event, event_id)
    if event is None:
        return 0
    keys = sorted(session.exec(select(Mention.key).where(Mention.event_id == event_id)))
    if not keys:
        aliases = list(session.exec(select(EventAlias.id).where(EventAlias.event_id == event_id)))
        for retired_id in [event_id, *aliases]:
            session.merge(RetiredEvent(id=retired_id, reason=RETIRED_REASON))
        session.exec(delete(EventAlias).where(col(EventAlias.event_id) == event_id))
        session.delete(event)
        session.flush()
        return 1
    if keys[0] != event_id and not durable.keeps_id(event):
        event = rename_event(session, event_id, keys[0])
    refresh_event(session, event)
    return 0


def reextract_all(
    engine: Engine,
    *,
    on_article_done: Callable[[ArticleChange], None] | None = None,
    time_budget: float | None = None,
) -> ReextractReport:
    """Every stored article, in id order, each in its own transaction."""
    with Session(engine) as session:
        article_ids = list(session.exec(select(Article.id).order_by(col(Article.id))))
    changes = []
    for article_id in article_ids:
        change = _reextract_one(engine, article_id, time_budget)
        changes.append(change)
        if on_article_done is not None:
            on_article_done(change)
    return ReextractReport(changes)


def _reextract_one(engine: Engine, article_id: str, time_budget: float | None) -> ArticleChange:
    try:
        with write_transaction(engine) as session:  # one writer at a time, as ingestion
            article = session.get(Article, article_id)
            if article is None:  # removed meanwhile
                return ArticleChange(article_id)
            if article.language is not None and article.language not in SUPPORTED_LANGUAGES:
                events: list[ExtractedEvent] = []
            else:
                events = extract_events(article_input(article), time_budget)
            return reextract_article(session, article, events)
    except Exception as error:  # the transaction rolled back: the article keeps its readings
        return ArticleChange(article_id, error=f"{type(error).__name__}: {error}"[:300])
