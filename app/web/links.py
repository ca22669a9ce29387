"""Absolute links (permalinks, feeds, exports, redirects): from BASE_URL when it is set,
never from what a request claims about itself."""

from urllib.parse import quote

from starlette.requests import Request

from app.config import get_settings


def site_root(request: Request) -> str:
    """BASE_URL, else the scheme and host of this request (responses then depend on it,
    and the response cache keys on it)."""
    return get_settings().base_url or str(request.base_url).rstrip("/")


def absolute(request: Request, path: str) -> str:
    return site_root(request) + path


def event_url(request: Request, event_id: str) -> str:
    """The permalink. Built directly: url_for walks every route, per row of an export."""
    return absolute(request, f"/events/{quote(event_id, safe='')}")


def here(request: Request) -> str:
    """This request's own URL (path and query) under the site's root: a feed's self link."""
    query = request.url.query
    return absolute(request, request.url.path + (f"?{query}" if query else ""))
