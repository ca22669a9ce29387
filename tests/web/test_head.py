"""HEAD is answered wherever GET is: the same status and headers, no body."""

import pytest
from fastapi.testclient import TestClient

E1 = "e100000000000001"
A1 = "a100000000000001"
PATHS = [
    "/",
    "/?weapon=atacms",
    f"/events/{E1}",
    f"/articles/{A1}",
    "/events.csv",
    "/events.atom",
    "/api/events",
    f"/api/events/{E1}",
    "/api/facets",
    f"/api/articles/{A1}",
    "/docs",
    "/openapi.json",
    "/static/site.css",
]


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert (head.status_code, head.content) == (200, b"")
    for name in ("content-type", "content-length", "content-security-policy", "vary"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_of_a_missing_page_is_404(client: TestClient) -> None:
    head = client.head("/events/ffffffffffffffff")
    assert (head.status_code, head.content) == (404, b"")


def test_head_of_a_merged_id_redirects(client: TestClient) -> None:
    head = client.head("/events/e1aa00000000aaaa", follow_redirects=False)
    assert head.status_code == 301
    assert head.headers["location"] == f"http://testserver/events/{E1}"
