"""Fetching pages over HTTP from a local server: limits, retries, redirects, refusals."""

import asyncio
import dataclasses

import pytest

from app.ingest.fetch import FetchedPage, Fetcher, HttpPolicy, address_refusal, fetch_pages
from tests.local_server import LocalServer, Route, html_page

POLICY = HttpPolicy(
    max_bytes=100_000,
    connect_timeout=2.0,
    read_timeout=0.3,
    total_timeout=5.0,
    retries=2,
    backoff=0.0,
    user_agent="timeline-tests/1.0",
    allow_private=True,
)
PAGE = html_page(
    "Berlin reste prudent",
    [
        "Le chancelier a répété mardi que Berlin ne livrerait pas de missiles Taurus.",
        "Le débat se poursuit au Bundestag, où plusieurs députés réclament un vote.",
    ],
    published="2024-05-28",
)


def fetch_one(url: str, policy: HttpPolicy = POLICY) -> FetchedPage:
    return asyncio.run(fetch_pages(policy, [url]))[0]


def test_page_is_fetched_with_its_final_url(local_server: LocalServer) -> None:
    url = local_server.route("/a.html?utm_source=x", Route(PAGE))
    page = fetch_one(url)
    assert (page.error, page.content, page.final_url) == (None, PAGE, local_server.url("/a.html"))


def test_requests_carry_the_configured_user_agent(local_server: LocalServer) -> None:
    fetch_one(local_server.route("/a.html", Route(PAGE)))
    assert local_server.requests[0].headers["User-Agent"] == "timeline-tests/1.0"


def test_server_error_is_retried_until_it_answers(local_server: LocalServer) -> None:
    url = local_server.route("/flaky.html", Route(b"oops", status=500), Route(PAGE))
    page = fetch_one(url)
    assert (page.error, page.content, local_server.hits("/flaky.html")) == (None, PAGE, 2)


def test_server_error_that_persists_fails_after_every_attempt(local_server: LocalServer) -> None:
    url = local_server.route("/down.html", Route(b"oops", status=503))
    page = fetch_one(url)
    assert (page.error, page.transient) == ("HTTP 503 Service Unavailable (after 3 attempts)", True)
    assert local_server.hits("/down.html") == 3


def test_client_error_is_not_retried(local_server: LocalServer) -> None:
    page = fetch_one(local_server.url("/missing.html"))
    assert (page.error, page.transient, local_server.hits("/missing.html")) == (
        "HTTP 404 Not Found",
        False,
        1,
    )


def test_slow_page_times_out_and_is_retried(local_server: LocalServer) -> None:
    url = local_server.route("/slow.html", Route(PAGE, delay=1.0))
    page = fetch_one(url, dataclasses.replace(POLICY, retries=1))
    assert page.error == "read timed out (nothing received for 0.3 s) (after 2 attempts)"
    assert local_server.hits("/slow.html") == 2


def test_declared_size_over_the_limit_is_refused(local_server: LocalServer) -> None:
    url = local_server.route("/big.html", Route(b"<p>" + b"x" * 100_001))
    page = fetch_one(url)
    assert page.error == ("response is 100,004 bytes, over the 100,000-byte limit (MAX_FILE_BYTES)")


def test_endless_body_is_cut_off_while_streaming(local_server: LocalServer) -> None:
    url = local_server.route("/endless.html", Route(endless=True))
    page = fetch_one(url)
    assert page.error == (
        "response exceeds the 100,000-byte limit (MAX_FILE_BYTES); download stopped"
    )
    # The server gave up long before the 200 MB it would have sent to a patient client.
    assert local_server.bytes_sent["/endless.html"] < 20 * 1024 * 1024


@pytest.mark.parametrize("media_type", ["application/pdf", "image/jpeg"])
def test_non_html_entry_is_refused_by_its_type(local_server: LocalServer, media_type: str) -> None:
    url = local_server.route("/file", Route(b"%PDF-1.7 binary", content_type=media_type))
    assert fetch_one(url).error == f"not an HTML page ({media_type})"


def test_body_without_type_that_is_not_markup_is_refused(local_server: LocalServer) -> None:
    url = local_server.route("/file", Route(b"\x89PNG\r\n", content_type=None))
    assert fetch_one(url).error == "not an HTML page (no Content-Type, and the body is not markup)"


def test_charset_named_only_by_the_header_is_honoured(local_server: LocalServer) -> None:
    latin = "<html><body><p>Kyiv a demandé l'aval de Washington.</p></body></html>"
    url = local_server.route(
        "/latin.html",
        Route(latin.encode("iso-8859-1"), content_type="text/html; charset=iso-8859-1"),
    )
    assert fetch_one(url).content.decode("utf-8") == latin


def test_redirect_is_followed_to_the_final_url(local_server: LocalServer) -> None:
    local_server.route("/old", Route(status=301, headers={"Location": "/new.html#top"}))
    local_server.route("/new.html", Route(PAGE))
    page = fetch_one(local_server.url("/old"))
    assert (page.error, page.final_url) == (None, local_server.url("/new.html"))


def test_redirect_loop_is_named(local_server: LocalServer) -> None:
    local_server.route("/a", Route(status=302, headers={"Location": "/b"}))
    local_server.route("/b", Route(status=302, headers={"Location": "/a"}))
    page = fetch_one(local_server.url("/a"))
    a, b = local_server.url("/a"), local_server.url("/b")
    assert page.error == f"redirect loop: {a} → {b} → {a}"


def test_redirect_chain_longer_than_the_limit_is_refused(local_server: LocalServer) -> None:
    for hop in range(8):
        local_server.route(f"/hop{hop}", Route(status=302, headers={"Location": f"/hop{hop + 1}"}))
    page = fetch_one(local_server.url("/hop0"), dataclasses.replace(POLICY, max_redirects=3))
    assert (page.error, local_server.hits("/hop4")) == ("too many redirects (more than 3)", 0)


def test_redirect_to_another_scheme_is_refused(local_server: LocalServer) -> None:
    local_server.route("/a", Route(status=302, headers={"Location": "file:///etc/passwd"}))
    assert fetch_one(local_server.url("/a")).error == (
        "redirect to file:///etc/passwd: unsupported URL scheme 'file': only http and https"
    )


def test_loopback_address_is_refused_without_the_flag(local_server: LocalServer) -> None:
    url = local_server.route("/a.html", Route(PAGE))
    page = fetch_one(url, dataclasses.replace(POLICY, allow_private=False))
    assert page.error == (
        "refused: 127.0.0.1 is a loopback address (127.0.0.1); "
        "only public addresses are fetched without --allow-private"
    )
    assert (page.transient, local_server.requests) == (False, [])


def test_host_name_is_judged_by_the_addresses_it_resolves_to(local_server: LocalServer) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["10.20.30.40"]

    async def fetch() -> str:
        async with Fetcher(dataclasses.replace(POLICY, allow_private=False), resolve=resolve) as f:
            try:
                await f.get("http://intranet.example/")
            except Exception as error:
                return str(error)
        return "fetched"

    assert asyncio.run(fetch()) == (
        "refused: intranet.example is a private address (10.20.30.40); "
        "only public addresses are fetched without --allow-private"
    )


def test_every_redirect_hop_is_resolved_by_the_guard(local_server: LocalServer) -> None:
    port = local_server.base.rsplit(":", 1)[1]
    local_server.route(
        "/start", Route(status=302, headers={"Location": f"http://b.test:{port}/end"})
    )
    local_server.route("/end", Route(PAGE))
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    async def fetch() -> int:
        async with Fetcher(POLICY, resolve=resolve) as fetcher:
            return (await fetcher.get(f"http://a.test:{port}/start")).status

    assert (asyncio.run(fetch()), asked) == (200, ["a.test", "b.test"])


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.8", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("100.64.0.1", "non-public"),
        ("0.0.0.0", "private"),
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_address_refusal(address: str, reason: str | None) -> None:
    assert address_refusal(address) == reason


def test_requests_to_one_host_are_limited(local_server: LocalServer) -> None:
    urls = [local_server.route(f"/p{i}.html", Route(PAGE, delay=0.15)) for i in range(6)]
    policy = dataclasses.replace(POLICY, per_host_concurrency=2, read_timeout=2.0)
    pages = asyncio.run(fetch_pages(policy, urls))
    assert [page.error for page in pages] == [None] * 6
    assert local_server.max_in_flight == 2
