"""News feeds: the feeds file, a poll and the state kept per feed.

A poll fetches every feed (a conditional GET with the validators of the last poll),
keeps the entries no feed brought before (by canonical URL, so an entry listed by two
feeds or under two campaigns is fetched once), fetches their pages and ingests them
through the runner like files. Each entry's outcome is remembered: new and known
entries are never fetched again, failures that may pass (5xx, timeouts) are retried at
the next polls, up to MAX_ENTRY_ATTEMPTS.
"""

import asyncio
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import feedparser
import yaml
from feedparser.exceptions import ThingsNobodyCaresAboutButMe
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.ingest.fetch import FetchedPage, Fetcher, FetchError, HttpPolicy, fetch_page
from app.ingest.runner import FileOutcome, IngestReport, ingest_paths
from app.ingest.urls import BadURL, canonical_url, check_fetchable
from app.ingest.writer import StorageFull
from app.models import Feed, FeedEntry, utcnow

MAX_ENTRY_ATTEMPTS = 3
# SQLite caps the parameters of one statement; look URLs up in batches.
_LOOKUP_BATCH = 500


class FeedsFileError(Exception):
    """The feeds file cannot be used; the message says where and why."""


class FeedConfig(BaseModel):
    """One feed of the feeds file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    url: str
    language: str | None = None  # the language of its articles, over what pages say
    outlet: str | None = None  # the outlet of its articles, over the pages' site name

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 200:
            raise ValueError("must be 1 to 200 characters")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return check_fetchable(value.strip())
        except BadURL as error:
            raise ValueError(str(error)) from None

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*", value):
            raise ValueError("expected a language code such as fr or en")
        return value


def load_feeds(path: Path) -> list[FeedConfig]:
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise FeedsFileError(f"{path}: no such feeds file (see README, News feeds)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FeedsFileError(f"{path}: cannot read: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise FeedsFileError(f"{path}: malformed YAML{where}") from None
    if not isinstance(document, dict) or not isinstance(document.get("feeds"), list):
        raise FeedsFileError(f"{path}: expected a 'feeds:' list of feeds")
    feeds: list[FeedConfig] = []
    problems: list[str] = []
    for number, item in enumerate(document["feeds"], start=1):
        label = f"feed {number}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label += f" ({item['name']})"
        try:
            feeds.append(FeedConfig.model_validate(item))
        except ValidationError as error:
            for problem in error.errors():
                where = ".".join(str(part) for part in problem["loc"]) or "entry"
                problems.append(f"{label}: {where}: {problem['msg']}")
    names = [feed.name for feed in feeds]
    problems += [f"feed name {name!r} is used twice" for name in sorted(_repeated(names))]
    if problems:
        raise FeedsFileError(f"{path}: " + "; ".join(problems))
    return feeds


def _repeated(names: Iterable[str]) -> set[str]:
    return {name for name, count in Counter(names).items() if count > 1}


@dataclass
class Entry:
    """A feed entry to fetch: its page's canonical URL and what the feed says of it."""

    url: str
    title: str | None = None
    published: dt.date | None = None
    error: str | None = None  # a link we will not fetch


@dataclass
class FeedPoll:
    """One feed in one poll: what its request gave, and its new entries' outcomes."""

    feed: FeedConfig
    status: str = "ok"  # ok | not-modified | failed
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    entries: int | None = None  # entries listed (None when the feed was not read)
    etag: str | None = None
    last_modified: str | None = None
    language: str | None = None  # the feed's own language tag
    pages: list[FetchedPage] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)  # of its pages


@dataclass
class PollReport:
    feeds: list[FeedPoll]
    ingest: IngestReport

    @property
    def ok(self) -> bool:
        return self.ingest.ok and all(poll.status != "failed" for poll in self.feeds)


def poll_feeds(
    feeds: Sequence[FeedConfig],
    engine: Engine,
    policy: HttpPolicy,
    *,
    workers: int = 1,
    today: dt.date | None = None,
    on_feeds_read: Callable[[list[FeedPoll]], None] | None = None,
    on_file_done: Callable[[FileOutcome], None] | None = None,
) -> PollReport:
    polls = [FeedPoll(feed) for feed in feeds]
    with Session(engine) as session:
        validators = {
            row.name: (row.url, row.etag, row.last_modified) for row in session.exec(select(Feed))
        }
    asyncio.run(_fetch(polls, validators, engine, policy))
    if on_feeds_read is not None:
        on_feeds_read(polls)
    pages = [page for poll in polls for page in poll.pages]
    report = ingest_paths(
        [],
        engine,
        max_file_bytes=policy.max_bytes,
        workers=workers,
        today=today,
        on_file_done=on_file_done,
        sources=pages,
    )
    if report.disk_full is not None:  # nothing more can be written, feed state neither
        raise StorageFull(report.disk_full)
    by_source = {outcome.path: outcome for outcome in report.outcomes}
    for poll in polls:
        poll.ingest.outcomes = [by_source[page.url] for page in poll.pages]
    _record(engine, polls)
    return PollReport(polls, report)


async def _fetch(
    polls: list[FeedPoll],
    validators: dict[str, tuple[str, str | None, str | None]],
    engine: Engine,
    policy: HttpPolicy,
) -> None:
    async with Fetcher(policy) as fetcher:
        listed = await asyncio.gather(
            *(_read_feed(fetcher, poll, validators.get(poll.feed.name)) for poll in polls)
        )
        wanted = _new_entries(engine, polls, listed)
        fetched = await asyncio.gather(
            *(_fetch_entry(fetcher, poll, entry) for poll, entry in wanted)
        )
    for (poll, _entry), page in zip(wanted, fetched, strict=True):
        poll.pages.append(page)


async def _read_feed(
    fetcher: Fetcher, poll: FeedPoll, validators: tuple[str, str | None, str | None] | None
) -> list[Entry]:
    headers: dict[str, str] = {}
    if validators is not None and validators[0] == poll.feed.url:
        _url, etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
    try:
        fetched = await fetcher.get(poll.feed.url, headers=headers)
    except FetchError as error:
        poll.status, poll.reason = "failed", str(error)
        return []
    if fetched.status == 304:
        poll.status = "not-modified"
        return []
    poll.etag = fetched.headers.get("etag")
    poll.last_modified = fetched.headers.get("last-modified")
    # Bytes, never a string: given a string that looks like a URL, feedparser fetches it.
    parsed = feedparser.parse(
        fetched.content,
        response_headers={
            "content-location": fetched.url,
            "content-type": fetched.headers.get("content-type", "application/xml"),
        },
    )
    problem = _xml_problem(parsed)
    if not parsed.get("version"):
        poll.status = "failed"
        poll.reason = "not an RSS or Atom feed" + (f" ({problem})" if problem else "")
        return []
    if problem and not parsed.entries:
        poll.status, poll.reason = "failed", f"malformed XML ({problem}); no entries could be read"
        return []
    if problem:
        poll.warnings.append(
            f"malformed XML ({problem}); {len(parsed.entries)} entries read by the lenient parser"
        )
    poll.entries = len(parsed.entries)
    poll.language = parsed.feed.get("language")
    return [_entry(item, fetched.url, poll) for item in parsed.entries if _has_link(item, poll)]


def _xml_problem(parsed: Any) -> str | None:
    error = parsed.get("bozo_exception")
    if not parsed.get("bozo") or error is None or isinstance(error, ThingsNobodyCaresAboutButMe):
        return None
    # Only the message: feedparser may add an XML declaration, which shifts line numbers.
    return str(getattr(error, "getMessage", lambda: error)())


def _has_link(item: Any, poll: FeedPoll) -> bool:
    if _link(item):
        return True
    poll.warnings.append(f"entry {item.get('title') or '(untitled)'!r} has no link: skipped")
    return False


def _link(item: Any) -> str | None:
    link = item.get("link")
    if link:
        return str(link)
    guid = str(item.get("id") or "")  # an RSS guid is often the permalink
    return guid if guid.startswith(("http://", "https://")) else None


def _entry(item: Any, base: str, poll: FeedPoll) -> Entry:
    link = _link(item) or ""
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    title = item.get("title") or None
    try:
        return Entry(
            canonical_url(link, base),
            title=title,
            published=dt.date(*stamp[:3]) if stamp else None,
        )
    except BadURL as error:
        return Entry(link, title=title, error=f"entry link {link}: {error}")


def _new_entries(
    engine: Engine, polls: list[FeedPoll], listed: list[list[Entry]]
) -> list[tuple[FeedPoll, Entry]]:
    """Entries no poll handled yet, each once (the first feed in the file claims an
    entry that several list), then the pending retries of each feed."""
    urls = [entry.url for entries in listed for entry in entries]
    with Session(engine) as session:
        seen = _entry_statuses(session, urls)
        names = [poll.feed.name for poll in polls]
        retries = session.exec(
            select(FeedEntry.feed_name, FeedEntry.url)
            .where(FeedEntry.status == "retry", col(FeedEntry.feed_name).in_(names))
            .order_by(col(FeedEntry.first_seen_at))
        ).all()
    claimed: set[str] = set()
    wanted: list[tuple[FeedPoll, Entry]] = []
    for poll, entries in zip(polls, listed, strict=True):
        for entry in entries:
            if entry.url in claimed or seen.get(entry.url, "retry") != "retry":
                continue
            claimed.add(entry.url)
            wanted.append((poll, entry))
    by_name = {poll.feed.name: poll for poll in polls}
    for name, url in retries:
        if url not in claimed:
            claimed.add(url)
            wanted.append((by_name[name], Entry(url)))
    return wanted


def _entry_statuses(session: Session, urls: list[str]) -> dict[str, str]:
    statuses: dict[str, str] = {}
    for start in range(0, len(urls), _LOOKUP_BATCH):
        batch = urls[start : start + _LOOKUP_BATCH]
        rows = session.exec(
            select(FeedEntry.url, FeedEntry.status).where(col(FeedEntry.url).in_(batch))
        )
        statuses.update({url: status for url, status in rows})
    return statuses


async def _fetch_entry(fetcher: Fetcher, poll: FeedPoll, entry: Entry) -> FetchedPage:
    if entry.error is not None:
        return FetchedPage(entry.url, error=entry.error)
    return await fetch_page(
        fetcher,
        entry.url,
        overrides={"outlet": poll.feed.outlet, "language": poll.feed.language},
        fallbacks={"title": entry.title, "published": entry.published, "language": poll.language},
    )


def _record(engine: Engine, polls: list[FeedPoll]) -> None:
    now = utcnow()
    with Session(engine) as session, session.begin():
        for poll in polls:
            _record_feed(session, poll, now)
        session.flush()
        for poll in polls:
            for page, outcome in zip(poll.pages, poll.ingest.outcomes, strict=True):
                _record_entry(session, poll.feed.name, page, outcome, now)


def _record_feed(session: Session, poll: FeedPoll, now: dt.datetime) -> None:
    row = session.get(Feed, poll.feed.name) or Feed(name=poll.feed.name, url=poll.feed.url)
    if row.url != poll.feed.url:  # validators belong to the URL they came from
        row.url, row.etag, row.last_modified = poll.feed.url, None, None
    if poll.status == "ok":
        row.etag, row.last_modified = poll.etag, poll.last_modified
    if poll.entries is not None:
        row.last_entries = poll.entries
    row.last_polled_at = now
    row.last_status = poll.status
    row.last_error = poll.reason
    row.last_new_articles = poll.ingest.count("new")
    session.add(row)


def _record_entry(
    session: Session, feed_name: str, page: FetchedPage, outcome: FileOutcome, now: dt.datetime
) -> None:
    row = session.get(FeedEntry, page.url) or FeedEntry(
        url=page.url, feed_name=feed_name, status="retry", attempts=0, first_seen_at=now
    )
    row.attempts += 1
    status = outcome.status
    if status == "failed" and page.transient and row.attempts < MAX_ENTRY_ATTEMPTS:
        status = "retry"
    row.status, row.reason, row.article_id = status, outcome.reason, outcome.article_id
    row.last_attempt_at = now
    session.add(row)


@dataclass
class FeedState:
    """A feed as `timeline feeds list` shows it."""

    name: str
    url: str
    last_polled_at: dt.datetime | None
    status: str | None
    error: str | None
    last_new_articles: int
    articles: int  # articles its entries added, over all polls
    pending_retries: int
    in_file: bool = True


def feed_states(engine: Engine, feeds: Sequence[FeedConfig]) -> list[FeedState]:
    """The feeds of the file in its order, then feeds polled before but since removed."""
    with Session(engine) as session:
        rows = {row.name: row for row in session.exec(select(Feed))}
        counts = {
            (name, status): number
            for name, status, number in session.exec(
                select(FeedEntry.feed_name, FeedEntry.status, func.count()).group_by(
                    FeedEntry.feed_name, FeedEntry.status
                )
            )
        }
    states: list[FeedState] = []
    names = [feed.name for feed in feeds] + sorted(set(rows) - {feed.name for feed in feeds})
    urls = {feed.name: feed.url for feed in feeds}
    for name in names:
        row = rows.get(name)
        states.append(
            FeedState(
                name=name,
                url=urls.get(name) or (row.url if row else ""),
                last_polled_at=row.last_polled_at if row else None,
                status=row.last_status if row else None,
                error=row.last_error if row else None,
                last_new_articles=row.last_new_articles if row else 0,
                articles=counts.get((name, "new"), 0),
                pending_retries=counts.get((name, "retry"), 0),
                in_file=name in urls,
            )
        )
    return states


_INTERVAL = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_interval(text: str) -> float:
    """ "30m", "1h", "1h30m", "90s" -> seconds."""
    match = _INTERVAL.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ValueError(f"invalid interval {text!r}: expected e.g. 30m, 1h, 1h30m or 90s")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError(f"invalid interval {text!r}: must be longer than zero")
    return float(total)


def run_every(
    interval: float,
    poll: Callable[[], object],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Call `poll` now and then every `interval` seconds, until it raises. A poll that
    overruns its interval is followed at once by the next (no burst to catch up)."""
    while True:
        started = clock()
        poll()
        sleep(max(0.0, started + interval - clock()))
