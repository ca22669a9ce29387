"""The review desk's JSON API for scripts (bearer tokens)."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.web.desk_fixtures import dump

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_confirm_over_json(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        f"/api/events/{E2}/review", json={"action": "confirm"}, headers=bearer(tokens["ana"])
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["action"], body["editor"], body["event_id"], body["review_status"]) == (
        "confirm",
        "ana",
        E2,
        "confirmed",
    )
    assert body["event"]["reviewed"] is True


def test_edit_over_json(client: TestClient, tokens: dict[str, str]) -> None:
    fields = {
        "actor": "france",
        "date": "2024-02-20",
        "places": ["Crimée"],
        "summary": "Paris says no",
    }
    response = client.post(
        f"/api/events/{E2}/review",
        json={"action": "edit", "fields": fields},
        headers=bearer(tokens["ana"]),
    )
    assert response.status_code == 200, response.text
    event = response.json()["event"]
    assert (event["actor"]["id"], event["date"], [p["id"] for p in event["places"]], event["summary"]) == (
        "france", "2024-02-20", ["crimea"], "Paris says no",
    )  # fmt: skip


def test_validation_errors_are_422_with_a_message(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    before = dump(loaded)
    cases = [
        (
            {"action": "edit", "fields": {"type": "threat"}},
            "type must be one of authorization, restriction, warning, request, not 'threat'",
        ),
        (
            {"action": "approve"},
            "action must be one of confirm, reject, edit, merge, detach, not 'approve'",
        ),
        ({"fields": {}}, "action: Field required"),
        ({"action": "merge"}, "into is required for this action"),
    ]
    for body, message in cases:
        response = client.post(f"/api/events/{E2}/review", json=body, headers=bearer(tokens["ana"]))
        assert (response.status_code, response.json()["detail"]) == (422, message)
    broken = client.post(
        f"/api/events/{E2}/review", content=b"{nope", headers=bearer(tokens["ana"])
    )
    assert (broken.status_code, broken.json()["detail"]) == (422, "the body must be JSON")
    assert dump(loaded) == before


def test_reject_then_undo_over_json(client: TestClient, tokens: dict[str, str]) -> None:
    rejected = client.post(
        f"/api/events/{E3}/review", json={"action": "reject"}, headers=bearer(tokens["ana"])
    ).json()
    assert (rejected["review_status"], rejected["event"]) == ("rejected", None)
    assert client.get(f"/api/events/{E3}").status_code == 410
    undone = client.post(
        f"/api/review/actions/{rejected['action_id']}/undo", headers=bearer(tokens["ana"])
    )
    assert undone.status_code == 200
    assert (undone.json()["undoes"], undone.json()["review_status"]) == (
        rejected["action_id"],
        "unreviewed",
    )
    assert client.get(f"/api/events/{E3}").status_code == 200


def test_an_old_id_answers_308_to_the_event(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/events/e1aa00000000aaaa/review",
        json={"action": "confirm"},
        headers=bearer(tokens["ana"]),
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (
        308,
        f"http://testserver/api/events/{E1}/review",
    )


def test_add_over_json(client: TestClient, tokens: dict[str, str]) -> None:
    body = {"start": 0, "end": 20, "fields": {"type": "request", "actor": "Ukraine"}}
    response = client.post(
        "/api/articles/a100000000000001/events", json=body, headers=bearer(tokens["bob"])
    )
    assert response.status_code == 201, response.text
    assert response.json()["event"]["mentions"][0]["quote"] == "Politique étrangère."


def test_history_over_json(client: TestClient, tokens: dict[str, str]) -> None:
    client.post(
        f"/api/events/{E2}/review",
        json={"action": "edit", "fields": {"actor": "France"}},
        headers=bearer(tokens["ana"]),
    )
    history = client.get(f"/api/events/{E2}/history").json()
    assert history["event_id"] == E2
    (entry,) = history["actions"]
    assert (entry["action"], entry["editor"], entry["undoes"], entry["undone_by"]) == (
        "edit",
        "ana",
        None,
        None,
    )
    assert entry["events"][0]["changes"] == [
        {"field": "status", "before": "unreviewed", "after": "confirmed"},
        {"field": "actor", "before": "Germany", "after": "France"},
        {
            "field": "summary",
            "before": "Germany refuses Taurus missiles that could reach Moscow",
            "after": "France restricts use of Taurus",
        },
    ]
    assert client.get("/api/events/0000000000000000/history").status_code == 404
