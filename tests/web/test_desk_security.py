"""Every write without valid credentials, with a bad CSRF token, from another site, or
undoing another editor's action is refused and leaves the database unchanged."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.review import accounts
from app.review.actions import Editor, edit
from tests.web.desk_fixtures import csrf_of, desk_csrf, dump, sign_in

E2, E3 = "e200000000000002", "e300000000000003"
DESK_WRITES = [
    (f"/review/events/{E3}/confirm", {}),
    (f"/review/events/{E3}/reject", {}),
    (f"/review/events/{E3}/edit", {"type": "request", "actor": "Germany"}),
    (f"/review/events/{E3}/merge", {"into": E2}),
    (
        "/review/articles/a100000000000001/events",
        {"start": "0", "end": "20", "type": "request", "actor": "Ukraine"},
    ),
    ("/review/actions/1/undo", {}),
]
API_WRITES = [
    (f"/api/events/{E3}/review", {"action": "confirm"}),
    (f"/api/events/{E3}/review", {"action": "reject"}),
    (
        "/api/articles/a100000000000001/events",
        {"start": 0, "end": 20, "fields": {"type": "request", "actor": "Ukraine"}},
    ),
    ("/api/review/actions/1/undo", {}),
]


@pytest.mark.parametrize(("path", "form"), DESK_WRITES)
def test_anonymous_desk_writes_are_401(
    client: TestClient, tokens: dict[str, str], loaded: Engine, path: str, form: dict[str, str]
) -> None:
    before = dump(loaded)
    assert client.post(path, data={**form, "csrf_token": "x"}).status_code == 401
    assert dump(loaded) == before


@pytest.mark.parametrize(("path", "body"), API_WRITES)
@pytest.mark.parametrize(
    "header",
    [None, "Bearer tlt_forged0000000000000000000000000000000000", "Basic YW5hOnB3", "Bearer "],
)
def test_anonymous_and_forged_token_api_writes_are_401(
    client: TestClient,
    tokens: dict[str, str],
    loaded: Engine,
    path: str,
    body: dict[str, object],
    header: str | None,
) -> None:
    before = dump(loaded)
    response = client.post(path, json=body, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="timeline"'
    assert dump(loaded) == before


def test_a_revoked_token_is_401(client: TestClient, tokens: dict[str, str], loaded: Engine) -> None:
    with Session(loaded) as session, session.begin():
        (row, _), *_ = accounts.list_tokens(session, "ana")
        accounts.revoke_token(session, row.id or 0)
    before = dump(loaded)
    response = client.post(
        f"/api/events/{E3}/review",
        json={"action": "reject"},
        headers={"Authorization": f"Bearer {tokens['ana']}"},
    )
    assert response.status_code == 401
    assert dump(loaded) == before


@pytest.mark.parametrize(("path", "form"), DESK_WRITES[:5])
@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_missing_or_wrong_csrf_is_403(
    client: TestClient,
    tokens: dict[str, str],
    loaded: Engine,
    path: str,
    form: dict[str, str],
    token: str | None,
) -> None:
    sign_in(client, "ana")
    before = dump(loaded)
    data = form if token is None else {**form, "csrf_token": token}
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert "security token is missing or wrong" in response.text
    assert dump(loaded) == before


def test_a_form_from_another_site_is_403(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    sign_in(client, "ana")
    token = desk_csrf(client)
    before = dump(loaded)
    response = client.post(
        f"/review/events/{E3}/reject",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert dump(loaded) == before


def test_the_sign_in_form_needs_its_csrf_token(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    client.get("/review/login")
    before = dump(loaded)
    response = client.post(
        "/review/login", data={"name": "ana", "password": "ana's long passphrase"}
    )
    assert response.status_code == 403
    assert "timeline_session" not in response.headers.get("set-cookie", "")
    assert dump(loaded) == before


def test_a_session_id_planted_before_sign_in_is_never_used(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    planted = "attacker-chosen-session-id-0123456789abcdef"
    form = client.get("/review/login")
    client.cookies.set("timeline_session", planted)
    response = client.post(
        "/review/login",
        data={"name": "ana", "password": "ana's long passphrase", "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("timeline_session=")
    )
    issued = cookie.split(";")[0].split("=", 1)[1]
    assert issued and issued != planted
    with Session(loaded) as session:
        assert accounts.session_editor(session, planted) is None
        found = accounts.session_editor(session, issued)
        assert found is not None and found[0].name == "ana"


def test_a_session_cookie_given_to_a_victim_is_ended_at_their_sign_in(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    sign_in(client, "bob")
    bobs = client.cookies.get("timeline_session") or ""
    client.cookies.clear()
    form = client.get("/review/login")
    client.cookies.set("timeline_session", bobs)
    response = client.post(
        "/review/login",
        data={"name": "ana", "password": "ana's long passphrase", "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with Session(loaded) as session:
        assert accounts.session_editor(session, bobs) is None


def test_signing_out_ends_the_session(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    sign_in(client, "ana")
    cookie = client.cookies.get("timeline_session") or ""
    response = client.post(
        "/review/logout", data={"csrf_token": desk_csrf(client)}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/review/login")
    with Session(loaded) as session:
        assert accounts.session_editor(session, cookie) is None


def test_another_editors_undo_is_refused(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    with Session(loaded) as session, session.begin():
        action_id = edit(session, E2, Editor("ana"), {"actor": "France"}).id
    sign_in(client, "bob")
    token = desk_csrf(client)
    before = dump(loaded)
    desk = client.post(f"/review/actions/{action_id}/undo", data={"csrf_token": token})
    assert desk.status_code == 403
    assert "only ana, who made this action, can undo it" in desk.text
    api = client.post(
        f"/api/review/actions/{action_id}/undo",
        headers={"Authorization": f"Bearer {tokens['bob']}"},
    )
    assert (api.status_code, api.json()["detail"]) == (
        403,
        "only ana, who made this action, can undo it",
    )
    assert dump(loaded) == before


def test_failed_sign_ins_are_rate_limited(client: TestClient, tokens: dict[str, str]) -> None:
    form = client.get("/review/login")
    token = csrf_of(form.text)
    for _ in range(5):
        wrong = client.post(
            "/review/login",
            data={"name": "ana", "password": "guess guess guess", "csrf_token": token},
        )
        assert wrong.status_code == 401
    blocked = client.post(
        "/review/login",
        data={"name": "ana", "password": "ana's long passphrase", "csrf_token": token},
    )
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 901
    assert "Too many failed sign-ins: try again in 15 minute(s)." in blocked.text
    assert "timeline_session" not in blocked.headers.get("set-cookie", "")


def test_next_never_leaves_the_desk(client: TestClient, tokens: dict[str, str]) -> None:
    form = client.get("/review/login")
    response = client.post(
        "/review/login",
        data={
            "name": "ana",
            "password": "ana's long passphrase",
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/review"


def test_reading_stays_open_to_anonymous_visitors(
    client: TestClient, tokens: dict[str, str]
) -> None:
    for path in ("/", f"/events/{E2}", "/api/events", f"/api/events/{E2}/history", "/events.csv"):
        assert client.get(path).status_code == 200, path
