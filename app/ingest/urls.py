"""Article URLs: which arguments are URLs, which schemes we fetch, and the canonical
form used to fetch the same page once (no fragment, no tracking parameters)."""

import re
from functools import cache
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from app.resources import load

FETCHED_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# "scheme://" at the start: what `timeline ingest` takes for a URL rather than a path.
_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


class BadURL(ValueError):
    """A URL we will not fetch; the message says why."""


def looks_like_url(argument: str) -> bool:
    return _URL_LIKE.match(argument) is not None


@cache
def _tracking_rules() -> tuple[frozenset[str], tuple[str, ...]]:
    names = [str(name).lower() for name in load("tracking_params.yaml")["params"]]
    exact = frozenset(name for name in names if not name.endswith("*"))
    prefixes = tuple(name[:-1] for name in names if name.endswith("*"))
    return exact, prefixes


def is_tracking_param(name: str) -> bool:
    exact, prefixes = _tracking_rules()
    lowered = name.lower()
    return lowered in exact or lowered.startswith(prefixes)


def check_fetchable(url: str) -> str:
    """The URL if we may fetch it (http or https, with a host), else BadURL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError as error:
        raise BadURL(f"malformed URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in FETCHED_SCHEMES:
        raise BadURL(f"unsupported URL scheme {scheme or '(none)'!r}: only http and https")
    if not parts.hostname:
        raise BadURL("URL has no host")
    return url


def canonical_url(url: str, base: str | None = None) -> str:
    """`url` (resolved against `base`) without fragment or tracking parameters, with
    the scheme and host in lower case and the default port dropped."""
    absolute = urljoin(base, url.strip()) if base else url.strip()
    check_fetchable(absolute)
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if parts.port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{parts.port}"
    if parts.username or parts.password:
        raise BadURL("URL carries a user name or password: refused")
    # Filter the raw pairs rather than re-encode them: the server sees what it sent us.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not is_tracking_param(unquote_plus(pair.partition("=")[0]))
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))
