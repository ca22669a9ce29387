"""Fetching over HTTP for ingestion: article pages and feeds.

One `Fetcher` per run. Every connection goes through a guarded network backend that
resolves the host itself, refuses loopback, link-local and private addresses (unless
allowed) and connects to the very address it checked, so redirects and DNS tricks
cannot reach the machine's own network. Redirects are followed hop by hop (scheme
checked, loops named). Bodies are streamed and cut off at the size limit. 5xx answers,
timeouts and dropped connections are retried with exponential backoff; 4xx are not.
"""

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from app.config import Settings
from app.ingest.reader import IngestError, ReadArticle, read_bytes
from app.ingest.urls import BadURL, canonical_url, check_fetchable

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# host, port -> the addresses it resolves to
Resolver = Callable[[str, int], Awaitable[list[str]]]


@dataclass(frozen=True)
class HttpPolicy:
    """How we fetch: limits, timeouts and manners (from Settings, see README)."""

    max_bytes: int
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    retries: int = 2
    backoff: float = 1.0
    max_redirects: int = 5
    concurrency: int = 8
    per_host_concurrency: int = 2
    user_agent: str = "weapons-policy-timeline"
    allow_private: bool = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, allow_private: bool = False, max_bytes: int | None = None
    ) -> "HttpPolicy":
        return cls(
            max_bytes=max_bytes or settings.max_file_bytes,
            connect_timeout=settings.http_connect_timeout,
            read_timeout=settings.http_read_timeout,
            total_timeout=settings.http_total_timeout,
            retries=settings.http_retries,
            backoff=settings.http_backoff,
            max_redirects=settings.http_max_redirects,
            concurrency=settings.http_concurrency,
            per_host_concurrency=settings.http_per_host_concurrency,
            user_agent=settings.http_user_agent,
            allow_private=allow_private,
        )


class FetchError(Exception):
    """A URL that could not be fetched; the message is the reason, for the operator.
    `transient` failures (5xx, timeouts, network) may succeed at a later poll."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


class _Retryable(FetchError):
    """Worth another attempt within this run, after a pause."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, transient=True)


@dataclass
class Fetched:
    url: str  # after redirects
    status: int  # 200 (or another 2xx), or 304 when a conditional GET found no change
    headers: httpx.Headers
    content: bytes = b""


def address_refusal(address: str) -> str | None:
    """Why we will not connect to this address by default, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:  # unspecified, multicast, reserved, shared (CGNAT) ranges
        return "non-public"
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to a checked address (never
    resolving twice, so the answer cannot change between check and connect)."""

    def __init__(self, *, allow_private: bool, resolve: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as error:
            raise FetchError(
                f"cannot resolve host {host}: {error.strerror or error}", transient=True
            ) from None
        if not addresses:
            raise FetchError(f"cannot resolve host {host}: no address", transient=True)
        if not self._allow_private:
            for address in addresses:
                reason = address_refusal(address)
                if reason is not None:
                    raise FetchError(
                        f"refused: {host} is a {reason} address ({address}); "
                        "only public addresses are fetched without --allow-private"
                    )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: httpcore.AsyncNetworkBackend, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx has no public parameter for the network backend (encode/httpx#3749), so
        # the pool it built is replaced by one with the same settings and our backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class Fetcher:
    """`async with Fetcher(policy) as fetcher: await fetcher.get(url)`."""

    def __init__(self, policy: HttpPolicy, *, resolve: Resolver = resolve_host) -> None:
        self.policy = policy
        backend = _GuardedBackend(allow_private=policy.allow_private, resolve=resolve)
        limits = httpx.Limits(max_connections=policy.concurrency)
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(backend, limits),
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=None,  # waiting for a free connection is bounded by total_timeout
            ),
            headers={"User-Agent": policy.user_agent},
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: we check whom we connect to
        )
        self._all = asyncio.Semaphore(policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        accept: Callable[[httpx.Response], None] | None = None,
    ) -> Fetched:
        """GET `url`, following redirects; `accept` may refuse a response from its
        headers (raise FetchError) before the body is downloaded."""
        check_url(url)
        attempts = self.policy.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout(self.policy.total_timeout):
                    return await self._follow(url, headers or {}, accept)
            except TimeoutError:
                error: FetchError = _Retryable(
                    f"no complete response within {self.policy.total_timeout:g} s"
                )
            except _Retryable as retryable:
                error = retryable
            if attempt == attempts:
                suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
                raise FetchError(f"{error}{suffix}", transient=True)
            await asyncio.sleep(self.policy.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        """A place among the requests in flight: to this host, then overall (a request
        waiting for its host holds no overall place)."""
        parts = urlsplit(url)
        host = f"{parts.hostname}:{parts.port or parts.scheme}"
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host_concurrency))
        async with per_host, self._all:
            yield

    async def _follow(
        self,
        url: str,
        headers: dict[str, str],
        accept: Callable[[httpx.Response], None] | None,
    ) -> Fetched:
        chain = [url]
        while True:
            async with self._slot(chain[-1]):
                location = await self._one(chain[-1], headers, accept)
            if isinstance(location, Fetched):
                return location
            next_url = urljoin(chain[-1], location).partition("#")[0]
            try:
                check_url(next_url)
            except FetchError as error:
                raise FetchError(f"redirect to {next_url}: {error}") from None
            if next_url in chain:
                raise FetchError("redirect loop: " + " → ".join([*chain, next_url]))
            if len(chain) > self.policy.max_redirects:
                raise FetchError(f"too many redirects (more than {self.policy.max_redirects})")
            chain.append(next_url)

    async def _one(
        self,
        url: str,
        headers: dict[str, str],
        accept: Callable[[httpx.Response], None] | None,
    ) -> Fetched | str:
        """One request: the response, or the Location of a redirect."""
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 304:
                    return Fetched(str(response.url), status, response.headers)
                if status in REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {status} redirect without a Location header")
                    return location
                if status >= 500:
                    raise _Retryable(f"HTTP {status} {response.reason_phrase}".rstrip())
                if status >= 300:
                    raise FetchError(
                        f"HTTP {status} {response.reason_phrase}".rstrip(),
                        transient=status in (408, 429),
                    )
                if accept is not None:
                    accept(response)
                content = await self._read_capped(response)
                return Fetched(str(response.url), status, response.headers, content)
        except httpx.TimeoutException as error:
            raise _Retryable(_timeout_reason(error, self.policy)) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
            raise _Retryable(f"connection failed: {error or type(error).__name__}") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{type(error).__name__}: {error}") from None

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                f"response is {int(declared):,} bytes, over the {limit:,}-byte limit "
                "(MAX_FILE_BYTES)"
            )
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                raise FetchError(
                    f"response exceeds the {limit:,}-byte limit (MAX_FILE_BYTES); download stopped"
                )
        return bytes(body)


def check_url(url: str) -> None:
    try:
        check_fetchable(url)
    except BadURL as error:
        raise FetchError(str(error)) from None


def _timeout_reason(error: httpx.TimeoutException, policy: HttpPolicy) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"connect timed out after {policy.connect_timeout:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"read timed out (nothing received for {policy.read_timeout:g} s)"
    return f"timed out: {type(error).__name__}"


def accept_html(response: httpx.Response) -> None:
    """Refuse, from its headers, a response that is not an HTML page (a PDF, an image)."""
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise FetchError(f"not an HTML page ({media_type})")


def _html_bytes(fetched: Fetched) -> bytes:
    """The page as bytes trafilatura reads right: re-encoded as UTF-8 when the HTTP
    header names the charset (the page itself may not)."""
    content_type = fetched.headers.get("content-type", "")
    content = fetched.content
    if not content_type and not content.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<":
        raise FetchError("not an HTML page (no Content-Type, and the body is not markup)")
    header = Message()
    header["content-type"] = content_type
    charset = header.get_content_charset()
    if charset:
        try:
            return content.decode(charset).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong header: let trafilatura detect the encoding
    return content


@dataclass
class FetchedPage:
    """An article page fetched for the runner, or the reason it could not be.
    str() is the URL asked for (the runner names its outcomes with it)."""

    url: str
    final_url: str | None = None
    content: bytes = b""
    error: str | None = None
    transient: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    fallbacks: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.url

    def read(self, *, today: Any = None) -> ReadArticle:
        if self.error is not None:
            raise IngestError(self.error)
        return read_bytes(
            self.content,
            source=self.url,
            suffix=".html",
            today=today,
            overrides={"url": self.final_url, **self.overrides},
            fallbacks=self.fallbacks,
        )


async def fetch_page(
    fetcher: Fetcher,
    url: str,
    *,
    overrides: dict[str, Any] | None = None,
    fallbacks: dict[str, Any] | None = None,
) -> FetchedPage:
    """Fetch one article page; a failure is kept in the page, never raised."""
    page = FetchedPage(url, overrides=overrides or {}, fallbacks=fallbacks or {})
    try:
        fetched = await fetcher.get(url, accept=accept_html)
        page.content = _html_bytes(fetched)
    except FetchError as error:
        page.error, page.transient = str(error), error.transient
        return page
    try:
        page.final_url = canonical_url(fetched.url)
    except BadURL:
        page.final_url = fetched.url
    return page


async def fetch_pages(policy: HttpPolicy, urls: Sequence[str]) -> list[FetchedPage]:
    async with Fetcher(policy) as fetcher:
        return list(await asyncio.gather(*(fetch_page(fetcher, url) for url in urls)))


def fetch_urls(policy: HttpPolicy, urls: Sequence[str]) -> list[FetchedPage]:
    """Pages for article URLs given on the command line: each canonical URL fetched
    once; a URL we will not fetch becomes a failed page that says why."""
    refused: list[FetchedPage] = []
    wanted: dict[str, None] = {}
    for url in urls:
        try:
            wanted.setdefault(canonical_url(url), None)
        except BadURL as error:
            refused.append(FetchedPage(url, error=str(error)))
    return refused + asyncio.run(fetch_pages(policy, list(wanted)))
