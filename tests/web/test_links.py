"""Absolute links (permalinks, feeds, exports, redirects) come from BASE_URL when it is
set, never from request headers; cached responses never carry another request's links."""

import csv
import io
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.main import app
from tests.web.dom import parse
from tests.web.live import serve

E1 = "e100000000000001"
A1 = "a100000000000001"
ALIAS = "e1aa00000000aaaa"
NS = {"a": "http://www.w3.org/2005/Atom"}


def permalink(client: TestClient, **headers: str) -> str:
    doc = parse(client.get(f"/events/{E1}", headers=headers).text)
    return doc.find("input", id="permalink").attrs["value"] or ""


def test_a_cached_page_keeps_the_links_of_the_address_it_is_asked_at(client: TestClient) -> None:
    # uvicorn sets the scheme from X-Forwarded-Proto (trusted proxies): here, an https client.
    https_client = TestClient(app, base_url="https://testserver")
    assert permalink(https_client) == f"https://testserver/events/{E1}"
    assert permalink(client) == f"http://testserver/events/{E1}"


@pytest.fixture
def published_client(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    from app.config import get_settings

    monkeypatch.setenv("BASE_URL", "https://timeline.example.org/")
    get_settings.cache_clear()
    return client


def test_base_url_makes_every_absolute_link(published_client: TestClient) -> None:
    site = "https://timeline.example.org"
    forged = {"host": "evil.example", "x-forwarded-proto": "http"}
    assert permalink(published_client, **forged) == f"{site}/events/{E1}"
    api = published_client.get(f"/api/events/{E1}", headers=forged).json()
    assert api["url"] == f"{site}/events/{E1}"
    article = published_client.get(f"/api/articles/{A1}", headers=forged).json()
    assert article["url"] == f"{site}/articles/{A1}"
    assert article["mentions"][0]["event_url"] == f"{site}/events/{E1}"
    rows = csv.DictReader(io.StringIO(published_client.get("/events.csv", headers=forged).text))
    assert next(rows)["url"].startswith(f"{site}/events/")
    feed = ET.fromstring(published_client.get("/events.atom?q=kharkiv", headers=forged).content)
    assert feed.findtext("a:id", namespaces=NS) == f"{site}/events.atom?q=kharkiv"
    self_link = feed.find("a:link[@rel='self']", NS)
    assert self_link is not None and self_link.attrib["href"] == f"{site}/events.atom?q=kharkiv"
    for path in (f"/events/{ALIAS}", f"/api/events/{ALIAS}"):
        moved = published_client.get(path, headers=forged, follow_redirects=False)
        assert moved.headers["location"] == site + path.replace(ALIAS, E1)


def live_permalink(base: str, **headers: str) -> str:
    doc = parse(httpx.get(f"{base}/events/{E1}", headers=headers, timeout=30).text)
    return doc.find("input", id="permalink").attrs["value"] or ""


def test_serve_ignores_forwarded_headers_unless_the_proxy_is_trusted(
    loaded: Engine, database_url: str
) -> None:
    with serve(database_url) as base:
        assert live_permalink(base, **{"x-forwarded-proto": "https"}) == f"{base}/events/{E1}"
    with serve(database_url, settings={"trusted_proxies": "127.0.0.1"}) as base:
        host = base.removeprefix("http://")
        assert live_permalink(base, **{"x-forwarded-proto": "https"}) == (
            f"https://{host}/events/{E1}"
        )
