"""Bad parameters: a 4xx with a clear message, in the page and in JSON; never a 500."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.security import CSP
from tests.web.dom import parse

CASES = [
    ("type=bogus", "unknown type 'bogus': use one of authorization, restriction, warning, request"),
    ("date_from=May", "date_from must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not 'May'"),
    ("date_from=2024-06&date_to=2024-05", "date_from (2024-06) is after date_to (2024-05)"),
    ("q=" + "a" * 500, "q is too long: at most 200 characters"),
    ("actor=%3Cscript%3E", "actor must be an id such as 'united-states', not '<script>'"),
    ("weapon=+atacms", "weapon must be an id such as 'united-states', not ' atacms'"),
    ("date_to=2024-13", "date_to must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not '2024-13'"),
    ("date_from=2023-02-29", "date_from is not a real date: '2023-02-29'"),
]


@pytest.mark.parametrize(("query", "message"), CASES)
def test_bad_params_in_html(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    doc = parse(response.text)
    assert doc.find("p", cls="error-message").text == message
    assert "<script>" not in response.text


@pytest.mark.parametrize(("query", "message"), CASES)
def test_bad_params_in_json_and_exports(client: TestClient, query: str, message: str) -> None:
    for path in ("/api/events", "/api/facets"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert response.json() == {"detail": message, "status": 400}
    assert client.get(f"/events.csv?{query}").status_code == 400
    assert client.get(f"/events.atom?{query}").status_code == 400


def test_page_out_of_range_and_bad_numbers(client: TestClient) -> None:
    response = client.get("/?page=9")
    assert response.status_code == 400
    assert parse(response.text).find("p", cls="error-message").text == (
        "page 9 does not exist: this view has 1 page(s)"
    )
    assert client.get("/?page=abc").status_code == 400
    assert client.get("/?page=0").status_code == 400
    response = client.get("/api/events?limit=501")
    assert response.json() == {
        "detail": "limit: Input should be less than or equal to 500",
        "status": 400,
    }
    assert client.get("/api/events?offset=-1").status_code == 400


def test_htmx_error_swaps_into_the_results(client: TestClient) -> None:
    response = client.get("/?type=nope", headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.status_code == 400
    assert response.text.lstrip().startswith('<section id="results"')


def test_unknown_paths_are_404_in_html_and_json(client: TestClient) -> None:
    assert client.get("/nowhere").status_code == 404
    response = client.get("/api/nowhere")
    assert (response.status_code, response.json()["status"]) == (404, 404)
    assert client.get("/api/events/ffffffffffffffff").json() == {
        "detail": "No event has the id 'ffffffffffffffff'.",
        "status": 404,
    }


def test_read_only_over_http(client: TestClient) -> None:
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/events").status_code == 405
        assert getattr(client, method)("/").status_code == 405


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    assert "style-src 'self';" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert client.get("/api/events").headers["content-security-policy"] == csp


def test_pages_have_no_inline_scripts_or_styles(client: TestClient) -> None:
    for url in ("/", "/events/e100000000000001", "/articles/a100000000000001", "/docs"):
        doc = parse(client.get(url).text)
        assert all(s.attrs.get("src") for s in doc.find_all("script")), url
        assert doc.find_all("style") == [], url
        assert [n.tag for n in doc.iter() if "style" in n.attrs] == [], url


def test_an_unhandled_error_is_a_500_page_with_the_security_headers() -> None:
    app = create_app()

    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("a bug")

    # No `with`: the route needs no database, so the startup check is left out.
    response = TestClient(app, raise_server_exceptions=False).get("/explode")
    assert response.status_code == 500
    assert parse(response.text).find("p", cls="error-message").text == (
        "Something went wrong on our side."
    )
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
