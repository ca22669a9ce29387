"""The JSON API: exact shapes, the same filters as the page."""

from fastapi.testclient import TestClient

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))

E1_JSON = {
    "id": E1,
    "url": f"http://testserver/events/{E1}",
    "type": "authorization",
    "actor": {"id": "united-states", "name": "United States"},
    "date": "2024-05-30",
    "date_precision": "day",
    "date_basis": "text",
    "confidence": 0.95,
    "reviewed": False,
    "reviewed_at": None,
    "weapons": [{"id": "atacms", "name": "ATACMS"}, {"id": "himars", "name": "HIMARS"}],
    "places": [{"id": "kharkiv", "name": "Kharkiv"}],
    "summary": "United States allows strikes on Russian soil near Kharkiv with US weapons",
    "mentions": [
        {
            "article_id": "a200000000000002",
            "source": "seeds/a200000000000002.md",
            "outlet": "Example Post",
            "published": "2024-05-30",
            "quote": "The White House quietly approved strikes on Russian soil near Kharkiv "
            "using HIMARS and ATACMS, officials said on Thursday.",
            "start": 0,
            "end": 122,
            "cited_source": None,
            "negated": False,
        },
        {
            "article_id": "a100000000000001",
            "source": "seeds/a100000000000001.md",
            "outlet": "Le Monde",
            "published": "2024-05-31",
            "quote": "Washington a autorisé Kiev à frapper le territoire russe près de Kharkiv "
            "avec des armes américaines, selon Reuters.",
            "start": 21,
            "end": 136,
            "cited_source": "Reuters",
            "negated": False,
        },
    ],
}


def test_event_json_is_exact(client: TestClient) -> None:
    response = client.get(f"/api/events/{E1}")
    assert response.status_code == 200
    assert response.json() == E1_JSON


def test_list_with_filters_and_pagination(client: TestClient) -> None:
    body = client.get("/api/events?weapon=atacms&limit=1&offset=0").json()
    assert body["count"] == 3
    assert [e["id"] for e in body["data"]] == [E1]
    assert body["data"][0] == E1_JSON
    body = client.get("/api/events?weapon=atacms&limit=2&offset=1").json()
    assert (body["count"], [e["id"] for e in body["data"]]) == (3, [E3, E4])
    body = client.get("/api/events?weapon=atacms&offset=10").json()
    assert body == {"data": [], "count": 3}


def test_undated_event_json(client: TestClient) -> None:
    event = client.get(f"/api/events/{E4}").json()
    assert (event["date"], event["date_precision"], event["date_basis"]) == (None, None, "undated")
    assert event["mentions"][0]["published"] is None
    assert event["mentions"][0]["cited_source"] == "Politico"


def test_alias_redirects_in_the_api_too(client: TestClient) -> None:
    response = client.get("/api/events/e1aa00000000aaaa", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        301,
        f"http://testserver/api/events/{E1}",
    )


def test_facets(client: TestClient) -> None:
    body = client.get("/api/facets?actor=russia").json()
    assert body["count"] == 1
    assert body["facets"]["weapon"] == [
        {"id": "atacms", "name": "ATACMS", "count": 1, "selected": False},
        {"id": "storm-shadow", "name": "Storm Shadow", "count": 1, "selected": False},
    ]
    assert body["facets"]["outlet"] == [
        {"id": "kyiv-ledger", "name": "Kyiv Ledger", "count": 1, "selected": False}
    ]
    assert [(o["id"], o["count"], o["selected"]) for o in body["facets"]["actor"]][:2] == [
        ("germany", 1, False),
        ("russia", 1, True),
    ]


def test_article_json(client: TestClient) -> None:
    body = client.get("/api/articles/a400000000000004").json()
    assert body == {
        "id": "a400000000000004",
        "url": "http://testserver/articles/a400000000000004",
        "source": "seeds/a400000000000004.md",
        "original_url": None,
        "title": "Kiev insiste",
        "outlet": "Meguetan Infos",
        "outlet_id": "meguetan-infos",
        "language": "fr",
        "published": None,
        "published_precision": None,
        "text": "Kiev demande l'autorisation de frapper la Crimée avec des ATACMS, selon Politico.",
        "mentions": [
            {
                "event_id": E4,
                "event_url": f"http://testserver/events/{E4}",
                "quote": "Kiev demande l'autorisation de frapper la Crimée avec des ATACMS, "
                "selon Politico.",
                "start": 0,
                "end": 81,
                "trigger_start": 5,
                "trigger_end": 27,
                "cited_source": "Politico",
                "negated": False,
            }
        ],
    }


def test_openapi_documents_the_filters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert sorted(spec["paths"]) == [
        "/api/articles/{article_id}",
        "/api/articles/{article_id}/events",
        "/api/events",
        "/api/events/{event_id}",
        "/api/events/{event_id}/history",
        "/api/events/{event_id}/review",
        "/api/facets",
        "/api/review/actions/{action_id}/undo",
        "/api/state",
        "/api/state/changes",
    ]
    params = [p["name"] for p in spec["paths"]["/api/events"]["get"]["parameters"]]
    assert params == [
        "limit", "offset",
        "type", "actor", "weapon", "place", "outlet", "date_from", "date_to", "q", "order",
        "min_confidence", "reviewed",
    ]  # fmt: skip


def test_openapi_declares_the_answers_the_api_gives(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    answers = {path: sorted(ops["get"]["responses"]) for path, ops in paths.items() if "get" in ops}
    assert answers == {
        "/api/articles/{article_id}": ["200", "404"],
        "/api/events": ["200", "400"],
        "/api/events/{event_id}": ["200", "301", "404"],
        "/api/events/{event_id}/history": ["200", "404"],
        "/api/facets": ["200", "400"],
        "/api/state": ["200", "400"],
        "/api/state/changes": ["200", "400"],
    }
    error = paths["/api/events"]["get"]["responses"]["400"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_openapi_declares_the_formats_of_the_filters(client: TestClient) -> None:
    params = client.get("/openapi.json").json()["paths"]["/api/events"]["get"]["parameters"]
    schemas = {p["name"]: p["schema"] for p in params}
    assert schemas["actor"]["items"] == {
        "type": "string",
        "pattern": "^(?:[a-z0-9][a-z0-9-]{0,79})?$",
    }
    assert schemas["actor"]["maxItems"] == 50
    assert schemas["type"]["items"]["enum"] == [
        "",
        "authorization",
        "restriction",
        "warning",
        "request",
    ]
    assert schemas["date_to"]["pattern"] == (
        "^ *(?:([1-9][0-9]{3})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01]))?)?)? *$"
    )
    assert (schemas["q"]["maxLength"], schemas["order"]["enum"]) == (200, ["", "asc", "desc"])
    assert schemas["min_confidence"]["pattern"] == r"^ *(?:0(?:\.[0-9]+)?|1(?:\.0+)?|\.[0-9]+)? *$"


def test_docs_page_loads_swagger_from_local_files(client: TestClient) -> None:
    html = client.get("/docs").text
    assert 'src="/static/swagger-ui-5.35.0/swagger-ui-bundle.js"' in html
    assert "cdn" not in html


def test_min_confidence_keeps_only_events_at_least_that_sure(client: TestClient) -> None:
    body = client.get("/api/events", params={"min_confidence": "0.8"}).json()
    assert [e["id"] for e in body["data"]] == [E2, E1]
    assert [e["confidence"] for e in body["data"]] == [0.81, 0.95]
    # An event never scored (an old database) has no confidence and no floor admits it.
    everything = client.get("/api/events", params={"min_confidence": "0"}).json()
    assert everything["count"] == 4
    facets = client.get("/api/facets", params={"min_confidence": "0.7"}).json()
    assert facets["count"] == 3


def test_min_confidence_out_of_range_is_a_400(client: TestClient) -> None:
    for value in ("1.5", "-0.1", "high"):
        response = client.get("/api/events", params={"min_confidence": value})
        assert response.status_code == 400
        assert "min_confidence" in response.json()["detail"]
