"""The review desk over HTTP: sign-in, the queue, actions and what the public sees."""

import csv
import io
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.models import Event, EventAlias, Mention
from app.review import accounts
from tests.web.desk_fixtures import PASSWORDS, csrf_of, desk_csrf, sign_in
from tests.web.dom import parse
from tests.web.races import Hold, get

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))


def post_edit(client: TestClient, event_id: str, **fields: str) -> Response:
    """Open the event's review page as the signed-in editor and save its edit form."""
    page = client.get(f"/review/events/{event_id}")
    form = {"csrf_token": csrf_of(page.text), "type": "restriction", **fields}
    return client.post(f"/review/events/{event_id}/edit", data=form, follow_redirects=False)


def test_the_desk_asks_anonymous_visitors_to_sign_in(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.get("/review?page=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/review/login?next=/review?page=1"


def test_signing_in_sets_a_protected_session_cookie(
    client: TestClient, tokens: dict[str, str]
) -> None:
    form = client.get("/review/login")
    response = client.post(
        "/review/login",
        data={
            "name": "ana",
            "password": "ana's long passphrase",
            "csrf_token": csrf_of(form.text),
            "next": "/review?page=1",
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/review?page=1")
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("timeline_session=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "secure" not in attributes  # plain HTTP here
    assert "Path=/review" in cookie and "SameSite=lax" in cookie


def test_the_cookie_is_secure_over_https(
    loaded: Engine, tokens: dict[str, str], site_settings: None
) -> None:
    from tests.web.conftest import _client

    for client in _client():
        client.base_url = "https://testserver"  # type: ignore[assignment]
        form = client.get("/review/login")
        response = client.post(
            "/review/login",
            data={
                "name": "ana",
                "password": "ana's long passphrase",
                "csrf_token": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("timeline_session=")
        )
        assert "; secure" in cookie.lower()


def test_a_wrong_password_is_told_plainly(client: TestClient, tokens: dict[str, str]) -> None:
    form = client.get("/review/login")
    response = client.post(
        "/review/login",
        data={"name": "ana", "password": "not it at all", "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 401
    assert (
        parse(response.text).find("p", cls="error-message").text == "Wrong editor name or password."
    )
    assert "timeline_session" not in response.headers.get("set-cookie", "")


def test_the_queue_puts_doubtful_recent_events_first(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    page = client.get("/review")
    assert page.headers["cache-control"] == "no-store"
    doc = parse(page.text)
    assert doc.find("p", cls="lede").text.startswith("5 events not reviewed yet")
    items = [li.attrs["data-event"] for li in doc.find_all("li", cls="queue-item")]
    # E4 is unscored and undated, E1 is sure and told twice but oldest relative to E3.
    assert items == [E4, E3, E5, E2, E1]
    first = doc.find("li", cls="queue-item")
    assert first.find("mark").text == "demande l'autorisation"
    assert first.find("p", cls="reasons").text == "No reasons recorded."


def test_confirming_from_the_queue_marks_the_event_reviewed(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    token = desk_csrf(client)
    response = client.post(
        f"/review/events/{E3}/confirm",
        data={"csrf_token": token, "next": "/review"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/review")
    event = client.get(f"/api/events/{E3}").json()
    assert event["reviewed"] is True and event["reviewed_at"] is not None
    items = [
        li.attrs["data-event"]
        for li in parse(client.get("/review").text).find_all("li", cls="queue-item")
    ]
    assert items == [E4, E5, E2, E1]


def test_htmx_confirm_then_undo_swaps_the_item(client: TestClient, tokens: dict[str, str]) -> None:
    sign_in(client, "ana")
    token = desk_csrf(client)
    hx = {"HX-Request": "true"}
    done = client.post(f"/review/events/{E3}/confirm", data={"csrf_token": token}, headers=hx)
    assert done.status_code == 200
    item = parse(done.text).find("li", cls="queue-item")
    assert item.attrs["id"] == f"q-{E3}"
    assert item.find("p").text.startswith("Confirmed:")
    undo_url = item.find("form").attrs["hx-post"]
    back = client.post(undo_url or "", data={"csrf_token": token}, headers=hx)
    assert back.status_code == 200
    assert parse(back.text).find("li", cls="queue-item").find("button").text == "Confirm c"
    assert client.get(f"/api/events/{E3}").json()["reviewed"] is False


def test_editing_from_the_form_corrects_the_fields(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    response = post_edit(
        client, E2, actor="Germany", date="2024-02-20", date_basis="text",
        weapons="Taurus, Storm Shadow", places="", summary="",
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/review/events/{E2}?saved=")
    event = client.get(f"/api/events/{E2}").json()
    assert (event["date"], event["date_precision"], event["reviewed"]) == (
        "2024-02-20",
        "day",
        True,
    )
    assert [w["name"] for w in event["weapons"]] == ["Storm Shadow", "Taurus"]
    assert event["summary"] == "Germany restricts use of Storm Shadow and Taurus"


def test_a_bad_edit_shows_the_message_and_keeps_what_was_typed(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    response = post_edit(client, E2, actor="Narnia", date="2024-02")
    assert response.status_code == 422
    doc = parse(response.text)
    assert doc.find("p", cls="error-message").text.startswith("unknown actor 'Narnia'")
    assert doc.by_id("f-actor").attrs["value"] == "Narnia"
    assert client.get(f"/api/events/{E2}").json()["reviewed"] is False


def test_a_rejected_event_leaves_every_public_view(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    response = client.post(
        f"/review/events/{E3}/reject",
        data={"csrf_token": desk_csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    gone = client.get(f"/events/{E3}")
    assert gone.status_code == 410
    assert (
        parse(gone.text)
        .find("p", cls="error-message")
        .text.startswith(f"The event {E3} was rejected by an editor on ")
    )
    api = client.get(f"/api/events/{E3}")
    assert api.status_code == 410 and api.json()["detail"].endswith(
        f"it is not a policy event. Its review history: /api/events/{E3}/history"
    )
    assert E3 not in [e["id"] for e in client.get("/api/events?limit=50").json()["data"]]
    assert client.get("/api/events").json()["count"] == 4
    rows = list(csv.DictReader(io.StringIO(client.get("/events.csv").text)))
    assert E3 not in [r["id"] for r in rows]
    feed = ET.fromstring(client.get("/events.atom").content)
    assert not any(E3 in (e.text or "") for e in feed.iter("{http://www.w3.org/2005/Atom}id"))
    facets = client.get("/api/facets").json()["facets"]
    assert "warning" not in [o["id"] for o in facets["type"] if o["count"]]
    article = client.get("/api/articles/a300000000000003").json()
    assert article["mentions"] == []
    assert client.get(f"/api/events/{E3}/history").json()["actions"][0]["action"] == "reject"


def test_reviewed_filter_everywhere(client: TestClient, tokens: dict[str, str]) -> None:
    sign_in(client, "ana")
    client.post(f"/review/events/{E5}/confirm", data={"csrf_token": desk_csrf(client)})
    assert [e["id"] for e in client.get("/api/events?reviewed=true").json()["data"]] == [E5]
    assert client.get("/api/events?reviewed=false").json()["count"] == 4
    rows = list(csv.DictReader(io.StringIO(client.get("/events.csv?reviewed=true").text)))
    assert [(r["id"], r["reviewed"]) for r in rows] == [(E5, "true")]
    feed = ET.fromstring(client.get("/events.atom?reviewed=true").content)
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 1
    page = parse(client.get("/?reviewed=true").text)
    assert page.by_id("results-heading").text == "1 event of 5"
    assert page.find("span", cls="badge-reviewed").text == "reviewed"
    assert (
        client.get("/api/events?reviewed=maybe").json()["detail"]
        == "reviewed must be true or false, not 'maybe'"
    )


def test_merge_and_detach_from_the_event_page(
    client: TestClient, tokens: dict[str, str], loaded: Engine
) -> None:
    sign_in(client, "ana")
    token = desk_csrf(client)
    merged = client.post(
        f"/review/events/{E5}/merge", data={"csrf_token": token, "into": E1}, follow_redirects=False
    )
    assert (merged.status_code, merged.headers["location"]) == (303, f"/review/events/{E1}")
    assert (
        client.get(f"/events/{E5}", follow_redirects=False)
        .headers["location"]
        .endswith(f"/events/{E1}")
    )
    with Session(loaded) as session:
        key = session.exec(
            select(Mention.key).where(Mention.article_id == "a600000000000006")
        ).one()
    detached = client.post(
        f"/review/events/{E1}/detach",
        data={"csrf_token": token, "mention": key},
        follow_redirects=False,
    )
    assert detached.status_code == 303
    with Session(loaded) as session:
        new_id = session.exec(select(Mention.event_id).where(Mention.key == key)).one()
        assert new_id != E1 and session.get(Event, new_id) is not None
        assert session.get(EventAlias, E5) is not None


def test_adding_a_missed_event_from_the_article_page(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    page = client.get("/review/articles/a100000000000001")
    doc = parse(page.text)
    assert doc.by_id("article-text").text.startswith("Politique étrangère.")
    text = client.get("/api/articles/a100000000000001").json()["text"]
    start = text.index("Le débat")
    form = {
        "csrf_token": csrf_of(page.text), "start": str(start), "end": str(len(text)), "trigger": "débat",
        "type": "request", "actor": "Germany", "date": "2024-05", "weapons": "", "places": "", "summary": "",
    }  # fmt: skip
    response = client.post(
        "/review/articles/a100000000000001/events", data=form, follow_redirects=False
    )
    assert response.status_code == 303
    event_id = response.headers["location"].split("/")[-1].split("?")[0]
    event = client.get(f"/api/events/{event_id}").json()
    assert (event["type"], event["actor"]["name"], event["date"], event["reviewed"]) == (
        "request", "Germany", "2024-05-01", True,
    )  # fmt: skip
    assert event["mentions"][0]["quote"] == "Le débat continue à Berlin."


def test_the_public_event_page_shows_the_history(
    client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(client, "ana")
    post_edit(client, E2, actor="France", date="2024-02", weapons="Taurus", places="", summary="")
    doc = parse(client.get(f"/events/{E2}").text)
    entry = doc.find("ol", cls="history-log").find("li")
    assert "ana edited" in entry.find("p").text
    assert [li.text for li in entry.find_all("li")] == [
        "status: unreviewed → confirmed",
        "actor: Germany → France",
        "summary: Germany refuses Taurus missiles that could reach Moscow → France restricts use of Taurus",
    ]
    assert doc.find("strong", cls="badge-reviewed").text == "Reviewed by a person"


def test_a_sign_in_does_not_hold_up_the_public_pages(
    client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's routes run in threads: while a password is checked (argon2, slow on
    purpose), the event loop goes on answering visitors."""
    assert client.get(f"/events/{E1}").status_code == 200  # now cached
    hold = Hold(monkeypatch, accounts, "authenticate")

    async def sign_in_slowly(http: httpx.AsyncClient) -> httpx.Response:
        form = await http.get("/review/login")
        data = {"name": "ana", "password": PASSWORDS["ana"], "csrf_token": csrf_of(form.text)}
        return await http.post("/review/login", data=data)

    order = hold.finishing_order(sign_in_slowly, get(f"/events/{E1}"))
    assert order == [("other", 200), ("held", 303)]
