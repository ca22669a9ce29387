"""Polling feeds from a local server: new entries, conditional GET, failures that stay
with their feed or entry, deduplication, and the state kept per feed."""

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.ingest.feeds import (
    FeedConfig,
    FeedsFileError,
    PollReport,
    feed_states,
    load_feeds,
    parse_interval,
    poll_feeds,
    run_every,
)
from app.ingest.fetch import HttpPolicy
from app.models import Article, Feed, FeedEntry
from tests.local_server import LocalServer, Route, article, html_page, rss

TODAY = dt.date(2024, 6, 10)
POLICY = HttpPolicy(
    max_bytes=50_000,
    connect_timeout=2.0,
    read_timeout=0.3,
    total_timeout=5.0,
    retries=1,
    backoff=0.0,
    allow_private=True,
)
RSS_TYPE = "application/rss+xml"


def poll(engine: Engine, *feeds: FeedConfig, policy: HttpPolicy = POLICY) -> PollReport:
    return poll_feeds(feeds, engine, policy, today=TODAY)


def feed(server: LocalServer, name: str, path: str, body: bytes, **route: object) -> FeedConfig:
    url = server.route(path, Route(body, content_type=RSS_TYPE, **route))  # type: ignore[arg-type]
    return FeedConfig(name=name, url=url)


def entries(engine: Engine) -> dict[str, tuple[str, str, str | None]]:
    with Session(engine) as session:
        return {
            row.url: (row.feed_name, row.status, row.reason)
            for row in session.exec(select(FeedEntry))
        }


def articles(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(Article).order_by(Article.source))
        return [(row.source, row.url, row.title) for row in rows]


def test_new_entries_are_fetched_and_ingested(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    b = local_server.route("/b.html", Route(article(2)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", a), ("Deux", b)]))
    report = poll(engine, config)
    assert report.ok
    assert [(o.path, o.status) for o in report.feeds[0].ingest.outcomes] == [(a, "new"), (b, "new")]
    assert articles(engine) == [(a, a, "Dépêche numéro 1"), (b, b, "Dépêche numéro 2")]
    assert entries(engine) == {a: ("Gazette", "new", None), b: ("Gazette", "new", None)}


def test_feed_state_is_recorded(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", a)]), etag='"v1"')
    poll(engine, config)
    with Session(engine) as session:
        row = session.get(Feed, "Gazette")
        assert row is not None
        assert (row.url, row.etag, row.last_status, row.last_entries, row.last_new_articles) == (
            config.url,
            '"v1"',
            "ok",
            1,
            1,
        )


def test_second_poll_sends_the_etag_and_gets_304(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", a)]), etag='"v1"')
    poll(engine, config)
    again = poll(engine, config)
    assert local_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert (
        again.feeds[0].status,
        again.feeds[0].ingest.outcomes,
        local_server.hits("/a.html"),
    ) == (
        "not-modified",
        [],
        1,
    )


def test_second_poll_skips_entries_already_seen(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", a)]))
    poll(engine, config)
    again = poll(engine, config)
    assert (again.ok, again.feeds[0].status, again.feeds[0].entries) == (True, "ok", 1)
    assert (again.feeds[0].ingest.outcomes, local_server.hits("/a.html")) == ([], 1)


def test_feed_answering_500_then_200_is_read(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    body = rss([("Un", a)])
    url = local_server.route(
        "/rss.xml", Route(b"busy", status=500), Route(body, content_type=RSS_TYPE)
    )
    report = poll(engine, FeedConfig(name="Gazette", url=url))
    assert (report.ok, report.feeds[0].ingest.count("new"), local_server.hits("/rss.xml")) == (
        True,
        1,
        2,
    )


def test_failing_feed_is_reported_and_the_others_go_on(
    engine: Engine, local_server: LocalServer
) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    down = local_server.route("/down.xml", Route(b"busy", status=500))
    good = feed(local_server, "Good", "/rss.xml", rss([("Un", a)]))
    report = poll(engine, FeedConfig(name="Down", url=down), good)
    assert report.ok is False
    assert [(p.feed.name, p.status, p.reason) for p in report.feeds] == [
        ("Down", "failed", "HTTP 500 Internal Server Error (after 2 attempts)"),
        ("Good", "ok", None),
    ]
    assert articles(engine) == [(a, a, "Dépêche numéro 1")]


def test_failed_feed_keeps_its_validators(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", a)]), etag='"v1"')
    poll(engine, config)
    local_server.route("/rss.xml", Route(b"busy", status=503))
    poll(engine, config)
    with Session(engine) as session:
        row = session.get(Feed, "Gazette")
        assert row is not None
        assert (row.etag, row.last_status, row.last_error) == (
            '"v1"',
            "failed",
            "HTTP 503 Service Unavailable (after 2 attempts)",
        )


def test_slow_entry_is_retried_at_the_next_poll(engine: Engine, local_server: LocalServer) -> None:
    slow = local_server.route("/slow.html", Route(article(1), delay=0.6), Route(article(1)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", slow)]))
    first = poll(engine, config, policy=dataclasses.replace(POLICY, retries=0))
    assert first.ok is False
    assert entries(engine) == {
        slow: ("Gazette", "retry", "read timed out (nothing received for 0.3 s)")
    }
    second = poll(engine, config)
    assert [o.status for o in second.feeds[0].ingest.outcomes] == ["new"]
    assert entries(engine) == {slow: ("Gazette", "new", None)}


def test_entry_failing_for_good_is_not_fetched_again(
    engine: Engine, local_server: LocalServer
) -> None:
    big = local_server.route("/big.html", Route(b"<p>" + b"x" * 60_000))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Gros", big)]))
    first = poll(engine, config)
    assert [o.reason for o in first.feeds[0].ingest.outcomes] == [
        "response is 60,003 bytes, over the 50,000-byte limit (MAX_FILE_BYTES)"
    ]
    again = poll(engine, config)
    assert (again.ok, again.feeds[0].ingest.outcomes, local_server.hits("/big.html")) == (
        True,
        [],
        1,
    )


def test_transient_failures_stop_being_retried(engine: Engine, local_server: LocalServer) -> None:
    down = local_server.route("/down.html", Route(b"busy", status=502))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", down)]))
    for _ in range(4):
        poll(engine, config, policy=dataclasses.replace(POLICY, retries=0))
    assert local_server.hits("/down.html") == 3
    assert entries(engine)[down][1] == "failed"


@pytest.mark.parametrize("media_type", ["application/pdf", "image/png"])
def test_non_html_entry_fails_with_its_type(
    engine: Engine, local_server: LocalServer, media_type: str
) -> None:
    doc = local_server.route("/doc", Route(b"%PDF-1.7", content_type=media_type))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Doc", doc)]))
    report = poll(engine, config)
    assert [(o.path, o.status, o.reason) for o in report.feeds[0].ingest.outcomes] == [
        (doc, "failed", f"not an HTML page ({media_type})")
    ]


def test_entry_in_a_redirect_loop_fails(engine: Engine, local_server: LocalServer) -> None:
    local_server.route("/a", Route(status=302, headers={"Location": "/b"}))
    local_server.route("/b", Route(status=302, headers={"Location": "/a"}))
    a, b = local_server.url("/a"), local_server.url("/b")
    report = poll(engine, feed(local_server, "Gazette", "/rss.xml", rss([("Boucle", a)])))
    assert [o.reason for o in report.feeds[0].ingest.outcomes] == [
        f"redirect loop: {a} → {b} → {a}"
    ]


def test_malformed_xml_fails_the_feed(engine: Engine, local_server: LocalServer) -> None:
    config = feed(local_server, "Broken", "/rss.xml", b"<rss><channel><<<>>> not xml")
    report = poll(engine, config)
    assert [(p.status, p.reason) for p in report.feeds] == [
        ("failed", "malformed XML (not well-formed (invalid token)); no entries could be read")
    ]


def test_document_that_is_no_feed_fails_the_feed(engine: Engine, local_server: LocalServer) -> None:
    config = feed(local_server, "Page", "/page", html_page("Accueil", ["Bienvenue."]))
    report = poll(engine, config)
    assert [(p.status, p.reason) for p in report.feeds] == [
        ("failed", "not an RSS or Atom feed (mismatched tag)")
    ]


def test_broken_xml_with_readable_entries_is_read_with_a_warning(
    engine: Engine, local_server: LocalServer
) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    body = rss([("Un & deux", a)])  # a bare "&": not well-formed
    report = poll(engine, feed(local_server, "Sloppy", "/rss.xml", body))
    assert report.feeds[0].warnings == [
        "malformed XML (not well-formed (invalid token)); 1 entries read by the lenient parser"
    ]
    assert [o.status for o in report.feeds[0].ingest.outcomes] == ["new"]


def test_relative_link_is_resolved_against_the_feed(
    engine: Engine, local_server: LocalServer
) -> None:
    local_server.route("/news/a.html", Route(article(1)))
    config = feed(local_server, "Gazette", "/feeds/rss.xml", rss([("Un", "../news/a.html")]))
    report = poll(engine, config)
    assert [(o.path, o.status) for o in report.feeds[0].ingest.outcomes] == [
        (local_server.url("/news/a.html"), "new")
    ]


def test_private_address_is_refused_without_the_flag(
    engine: Engine, local_server: LocalServer
) -> None:
    config = feed(local_server, "Gazette", "/rss.xml", rss([]))
    report = poll(engine, config, policy=dataclasses.replace(POLICY, allow_private=False))
    assert [(p.status, p.reason) for p in report.feeds] == [
        (
            "failed",
            "refused: 127.0.0.1 is a loopback address (127.0.0.1); "
            "only public addresses are fetched without --allow-private",
        )
    ]
    assert local_server.requests == []


def test_entry_listed_by_two_feeds_is_fetched_once_for_the_first(
    engine: Engine, local_server: LocalServer
) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    first = feed(local_server, "First", "/one.xml", rss([("Un", a + "?utm_source=one")]))
    second = feed(local_server, "Second", "/two.xml", rss([("Un", a + "#comments")]))
    report = poll(engine, first, second)
    assert [len(p.ingest.outcomes) for p in report.feeds] == [1, 0]
    assert (local_server.hits("/a.html"), entries(engine)) == (1, {a: ("First", "new", None)})


def test_same_text_under_two_urls_is_one_article(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    copy = local_server.route("/copy.html", Route(article(1)))
    report = poll(engine, feed(local_server, "Gazette", "/rss.xml", rss([("A", a), ("B", copy)])))
    assert [o.status for o in report.feeds[0].ingest.outcomes] == ["new", "known"]
    assert len(articles(engine)) == 1


def test_feed_outlet_and_language_apply_to_its_articles(
    engine: Engine, local_server: LocalServer
) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    url = local_server.route("/rss.xml", Route(rss([("Un", a)]), content_type=RSS_TYPE))
    poll(engine, FeedConfig(name="Gazette", url=url, outlet="La Gazette", language="fr"))
    with Session(engine) as session:
        row = session.exec(select(Article)).one()
        assert (row.outlet, row.language) == ("La Gazette", "fr")


def test_entry_date_dates_a_page_that_states_none(
    engine: Engine, local_server: LocalServer
) -> None:
    a = local_server.route("/a.html", Route(article(1, published=None)))
    poll(engine, feed(local_server, "Gazette", "/rss.xml", rss([("Un", a)])))
    with Session(engine) as session:
        row = session.exec(select(Article)).one()
        assert (row.published, row.published_precision) == (dt.date(2024, 5, 30), "day")


def test_changed_feed_url_forgets_the_old_validators(
    engine: Engine, local_server: LocalServer
) -> None:
    old = feed(local_server, "Gazette", "/old.xml", rss([]), etag='"v1"')
    poll(engine, old)
    new = feed(local_server, "Gazette", "/new.xml", rss([]))
    poll(engine, new)
    assert "If-None-Match" not in local_server.requests[-1].headers


def test_feed_states_report_each_feed(engine: Engine, local_server: LocalServer) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    config = feed(local_server, "Gazette", "/rss.xml", rss([("Un", a)]))
    never = FeedConfig(name="Later", url="https://news.example/rss")
    poll(engine, config)
    states = feed_states(engine, [never, config])
    assert [(s.name, s.status, s.last_new_articles, s.articles, s.in_file) for s in states] == [
        ("Later", None, 0, 0, True),
        ("Gazette", "ok", 1, 1, True),
    ]
    assert states[1].last_polled_at is not None


def test_feeds_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n"
        "  - name: Gazette\n"
        "    url: https://news.example/rss\n"
        "    language: fr\n"
        "    outlet: La Gazette\n",
        "utf-8",
    )
    assert load_feeds(path) == [
        FeedConfig(
            name="Gazette", url="https://news.example/rss", language="fr", outlet="La Gazette"
        )
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("- a\n", "expected a 'feeds:' list of feeds"),
        ("feeds: [\n", "malformed YAML (line 2)"),
        (
            "feeds:\n  - name: A\n    url: ftp://news.example/rss\n",
            "feed 1 (A): url: Value error, unsupported URL scheme 'ftp': only http and https",
        ),
        (
            "feeds:\n  - name: A\n    url: https://a.example/\n    colour: red\n",
            "feed 1 (A): colour: Extra inputs are not permitted",
        ),
        (
            "feeds:\n  - url: https://a.example/\n",
            "feed 1: name: Field required",
        ),
        (
            "feeds:\n  - {name: A, url: 'https://a.example/'}\n"
            "  - {name: A, url: 'https://b.example/'}\n",
            "feed name 'A' is used twice",
        ),
    ],
)
def test_feeds_file_errors_say_where(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(FeedsFileError) as error:
        load_feeds(path)
    assert str(error.value) == f"{path}: {reason}"


def test_missing_feeds_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FeedsFileError) as error:
        load_feeds(tmp_path / "feeds.yaml")
    assert str(error.value) == (
        f"{tmp_path / 'feeds.yaml'}: no such feeds file (see README, News feeds)"
    )


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("90s", 90)]
)
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "0m", "30", "half an hour", "5d"])
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)


class _Stop(Exception):
    pass


def test_run_every_waits_out_the_rest_of_each_interval() -> None:
    now = [0.0]
    sleeps: list[float] = []
    durations = iter([10.0, 700.0, 5.0])

    def one_poll() -> None:
        try:
            now[0] += next(durations)
        except StopIteration:
            raise _Stop from None

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(_Stop):
        run_every(600.0, one_poll, clock=lambda: now[0], sleep=sleep)
    # the second poll overran: the third starts at once, then the rhythm resumes
    assert sleeps == [590.0, 0.0, 595.0]
