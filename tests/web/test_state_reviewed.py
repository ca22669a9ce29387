"""`reviewed` on the policy-state pages and API: the state of confirmed decisions only,
of unreviewed ones only, or of every event; cached apart and carried along in links.

On the hand-written corpus (tests/web/fixtures_data.py), an editor confirms E1 (the
United States allow ATACMS and HIMARS near Kharkiv, 30 May 2024), and a later
restriction of ATACMS there (10 June 2024) stays unreviewed: on 1 July 2024 the cell
reads authorized from reviewed decisions, restricted from all of them.
"""

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import Event, EventPlace, EventWeapon
from app.review import actions
from app.web import state
from tests.web.dom import Node, parse
from tests.web.test_state import change_rows

E1, E2, E5 = "e100000000000001", "e200000000000002", "e500000000000005"
LATER = "e610000000000061"
NS = {"a": "http://www.w3.org/2005/Atom"}
BAD = "reviewed must be true or false, not 'maybe'"


@pytest.fixture
def split(loaded: Engine) -> Engine:
    with Session(loaded) as session, session.begin():
        actions.confirm(session, E1, actions.Editor("ana"))
    with Session(loaded) as session:
        session.add(
            Event(
                id=LATER,
                type="restriction",
                actor_id="united-states",
                date=dt.date(2024, 6, 10),
                date_precision="day",
                date_basis="text",
                summary="The United States bar ATACMS strikes near Kharkiv again (our test)",
            )
        )
        session.flush()
        session.add(EventWeapon(event_id=LATER, weapon_id="atacms"))
        session.add(EventPlace(event_id=LATER, place_id="kharkiv"))
        session.commit()
    return loaded


def page(client: TestClient, url: str) -> Node:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return parse(response.text)


def grid(client: TestClient, url: str) -> dict[str, dict[str, str]]:
    body = client.get(url).json()
    return {
        row["actor"]["id"]: {cell["weapon"]["id"]: cell["status"] for cell in row["cells"]}
        for row in body["rows"]
    }


def timeline_href(doc: Node) -> str | None:
    return doc.find("p", cls="timeline-link").find("a").attrs["href"]


def matrix_cell(doc: Node, actor: str, column: int) -> str:
    return doc.find("tr", id=f"row-{actor}").find_all("td")[column].find("span", cls="st").text


# --- what the state counts -----------------------------------------------------------------


def test_the_matrix_reads_authorized_from_reviewed_decisions_and_restricted_from_all(
    client: TestClient, split: Engine
) -> None:
    url = "/state?as_of=2024-07-01&actor=united-states&weapon=atacms"
    assert matrix_cell(page(client, url + "&reviewed=true"), "united-states", 0) == "authorized"
    assert matrix_cell(page(client, url), "united-states", 0) == "restricted"


def test_api_state_of_each_variant_is_exact(client: TestClient, split: Engine) -> None:
    url = "/api/state?as_of=2024-07-01"
    assert grid(client, url + "&reviewed=true") == {
        "united-states": {"all-supplied-weapons": "unknown", "atacms": "authorized",
                          "himars": "authorized"},
    }  # fmt: skip
    assert grid(client, url + "&reviewed=false") == {
        "germany": {"all-supplied-weapons": "unknown", "atacms": "unknown",
                    "storm-shadow": "unknown", "taurus": "restricted"},
        "united-kingdom": {"all-supplied-weapons": "unknown", "atacms": "unknown",
                           "storm-shadow": "authorized", "taurus": "unknown"},
        "united-states": {"all-supplied-weapons": "unknown", "atacms": "restricted",
                          "storm-shadow": "unknown", "taurus": "unknown"},
    }  # fmt: skip
    assert grid(client, url)["united-states"] == {
        "all-supplied-weapons": "unknown", "atacms": "restricted", "himars": "authorized",
        "storm-shadow": "unknown", "taurus": "unknown",
    }  # fmt: skip


def test_api_state_cell_names_its_reviewed_decision_and_links_with_the_filter(
    client: TestClient, split: Engine
) -> None:
    body = client.get(
        "/api/state?as_of=2024-07-01&actor=united-states&weapon=atacms&reviewed=true"
    ).json()
    cell = body["rows"][0]["cells"][0]
    assert (cell["status"], cell["since"], cell["event_ids"]) == ("authorized", "2024-05-30", [E1])
    assert cell["url"] == (
        "http://testserver/state/cells/united-states/atacms?as_of=2024-07-01&reviewed=true"
    )
    assert (body["previous_change"], body["next_change"]) == ("2024-05-30", None)


def test_api_changes_of_each_variant(client: TestClient, split: Engine) -> None:
    def changes(query: str) -> list[tuple[str, str, str, str, str, list[str]]]:
        return change_rows(client.get(f"/api/state/changes?from=2024-05&to=2024-06{query}").json())

    assert changes("&reviewed=false") == [
        ("2024-05-16", "united-kingdom", "storm-shadow", "unknown", "authorized", [E5]),
        ("2024-06-10", "united-states", "atacms", "unknown", "restricted", [LATER]),
    ]
    assert changes("&reviewed=true") == [
        ("2024-05-30", "united-states", "atacms", "unknown", "authorized", [E1]),
        ("2024-05-30", "united-states", "himars", "unknown", "authorized", [E1]),
    ]
    assert changes("")[-1] == (
        "2024-06-10", "united-states", "atacms", "authorized", "restricted", [LATER],
    )  # fmt: skip


def test_api_changes_link_each_cell_with_the_filter(client: TestClient, split: Engine) -> None:
    body = client.get("/api/state/changes?from=2024-05&to=2024-06&reviewed=false").json()
    assert [c["url"] for c in body["changes"]] == [
        "http://testserver/state/cells/united-kingdom/storm-shadow?as_of=2024-05-16&reviewed=false",
        "http://testserver/state/cells/united-states/atacms?as_of=2024-06-10&reviewed=false",
    ]


def test_a_bad_reviewed_value_is_a_400_with_the_message_on_every_state_route(
    client: TestClient,
) -> None:
    for url in ("/api/state?reviewed=maybe", "/api/state/changes?reviewed=maybe"):
        response = client.get(url)
        assert (response.status_code, response.json()) == (400, {"detail": BAD, "status": 400})
    for url in (
        "/state?reviewed=maybe",
        "/state/cells/united-states/atacms?reviewed=maybe",
        "/state/changes?reviewed=maybe",
        "/state/changes.atom?reviewed=maybe",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert parse(response.text).find("p", cls="error-message").text == BAD, url


def test_the_state_api_documents_reviewed_as_the_events_api_does(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()["paths"]

    def reviewed(path: str) -> dict[str, object]:
        return next(p for p in spec[path]["get"]["parameters"] if p["name"] == "reviewed")

    expected = reviewed("/api/events")
    assert expected["description"] == (
        "true: only events a person reviewed; false: only machine-read ones"
    )
    assert reviewed("/api/state") == expected
    assert reviewed("/api/state/changes") == expected


# --- the cache ---------------------------------------------------------------------------


def test_each_variant_has_its_own_index_slot_built_once_and_dropped_with_the_data(
    split: Engine,
) -> None:
    with Session(split) as db:
        confirmed = state.state_index(db, True)
        assert state.state_index(db, True) is confirmed
        assert sorted(confirmed.events) == [E1]
        unreviewed, every = state.state_index(db, False), state.state_index(db)
        assert unreviewed.events.keys() == {E2, "e300000000000003", "e400000000000004", E5, LATER}
        assert len(every.events) == 6
        assert state._indexes is not None
        assert state._indexes[1] == {True: confirmed, False: unreviewed, None: every}
        db.add(Event(id="e620000000000062", type="warning", actor_id="russia", summary="ours"))
        db.commit()
        fresh = state.state_index(db)
        # A new data version keeps no index of the old one, whatever its variant.
        assert state._indexes[1] == {None: fresh}
        assert "e620000000000062" in fresh.events


def test_responses_of_the_variants_never_mix(client: TestClient, split: Engine) -> None:
    url = "/api/state?as_of=2024-07-01&actor=united-states&weapon=himars"
    for _ in range(2):  # the second round is served from the caches
        assert [
            grid(client, url + query)
            for query in ("&reviewed=true", "", "&reviewed=false", "&reviewed=")
        ] == [
            {"united-states": {"himars": "authorized"}},
            {"united-states": {"himars": "authorized"}},
            {"united-states": {}},  # nobody left HIMARS unreviewed: no such column
            {"united-states": {"himars": "authorized"}},
        ]
    doc = page(client, "/state?as_of=2024-07-01&actor=united-states&reviewed=false")
    assert (
        doc.find("figure", cls="step-chart").find_all("g", cls="chart-lane")[0].attrs["aria-label"]
        == "ATACMS"
    )
    assert [
        g.attrs["aria-label"]
        for g in page(client, "/state?as_of=2024-07-01&actor=united-states")
        .find("figure", cls="step-chart")
        .find_all("g", cls="chart-lane")
    ] == ["ATACMS", "HIMARS"]


# --- the pages and their links -----------------------------------------------------------


def test_matrix_links_carry_the_filter(client: TestClient, split: Engine) -> None:
    doc = page(client, "/state?as_of=2024-06-01&actor=united-states&reviewed=true")
    row = doc.find("tr", id="row-united-states")
    assert row.find("th").find("a").attrs["href"] == (
        "/state?as_of=2024-06-01&reviewed=true&actor=united-states"
    )
    assert row.find_all("td")[1].find("a").attrs["href"] == (
        "/state/cells/united-states/atacms?as_of=2024-06-01&reviewed=true"
    )
    assert doc.find("a", cls="prev").attrs["href"] == (
        "/state?actor=united-states&reviewed=true&as_of=2024-05-30"
    )
    # The unreviewed restriction of 10 June is no change of the reviewed state.
    assert doc.find("nav", cls="steps").find("span", cls="none").text == "No later change"
    exports = {a.text: a.attrs["href"] for a in doc.find("p", cls="exports").find_all("a")}
    assert exports == {
        "JSON": "/api/state?as_of=2024-06-01&actor=united-states&reviewed=true",
        "the 30 days up to this date": (
            "/state/changes?actor=united-states&reviewed=true&to=2024-06-01"
        ),
        "Atom feed of policy changes": "/state/changes.atom?actor=united-states&reviewed=true",
    }
    assert doc.find("link", type="application/atom+xml").attrs["href"] == (
        "/state/changes.atom?actor=united-states&reviewed=true"
    )
    step = doc.find("figure", cls="step-chart").find("a", cls="step")
    assert step.attrs["href"] == "/state/cells/united-states/atacms?as_of=2024-05-30&reviewed=true"


def test_the_matrix_form_has_the_timelines_reviewed_select_and_a_chip(
    client: TestClient, split: Engine
) -> None:
    doc = page(client, "/state?as_of=2024-06-01&reviewed=true")
    form = doc.find("form", id="state-form")
    select = form.find("select", name="reviewed")
    assert form.find("label", for_=select.attrs["id"] or "").text == "Reviewed by a person"
    assert [
        (o.attrs["value"], o.text, "selected" in o.attrs) for o in select.find_all("option")
    ] == [
        ("", "any event", False),
        ("true", "reviewed only", True),
        ("false", "machine-read only", False),
    ]
    clear = doc.find("div", id="state-fields").find("a", cls="clear")
    assert (clear.text, clear.attrs["href"]) == ("Clear", "/state?as_of=2024-06-01")
    chip = doc.find("ul", cls="chips").find("a", cls="chip")
    assert (chip.text, chip.attrs["href"]) == ("reviewed only ×", "/state?as_of=2024-06-01")
    # The rows offered stay those of every event, so no checked box is lost.
    assert [i.attrs["value"] for i in form.find_all("input", name="actor")] == [
        "germany", "united-kingdom", "united-states",
    ]  # fmt: skip
    assert list(cell.attrs["id"] for cell in doc.find("tbody").find_all("tr")) == [
        "row-united-states"
    ]


def test_a_supplier_without_reviewed_decisions_is_explained(
    client: TestClient, split: Engine
) -> None:
    doc = page(client, "/state?as_of=2024-07-01&actor=germany&reviewed=true")
    assert doc.find("p", cls="note").text == (
        "Germany has no row: only suppliers that authorize or restrict get one, here in "
        "decisions a person confirmed (Ukraine's and Russia's statements show as context "
        "in the cells)."
    )
    empty = doc.find("p", cls="empty")
    assert empty.text == (
        "No row or column matches these filters. Show them all. Count every decision, not "
        "only those a person confirmed."
    )
    assert [a.attrs["href"] for a in empty.find_all("a")] == [
        "/state?as_of=2024-07-01&reviewed=true",
        "/state?as_of=2024-07-01&actor=germany",
    ]


def test_cell_page_counts_reviewed_decisions_and_its_links_keep_the_filter(
    client: TestClient, split: Engine
) -> None:
    doc = page(client, "/state/cells/united-states/atacms?as_of=2024-07-01&reviewed=true")
    assert doc.find("h1").text == "United States · ATACMS: authorized"
    assert doc.find("p", cls="crumbs").find("a").attrs["href"] == (
        "/state?as_of=2024-07-01&reviewed=true#row-united-states"
    )
    counted = doc.find("dd", cls="counted")
    assert counted.text == "Only the decisions a person confirmed. Count every decision"
    assert counted.find("a").attrs["href"] == "/state/cells/united-states/atacms?as_of=2024-07-01"
    timeline = doc.find("p", cls="timeline-link").find("a")
    assert (timeline.text, timeline.attrs["href"]) == (
        "every event of United States naming ATACMS (reviewed only)",
        "/?actor=united-states&weapon=atacms&reviewed=true",
    )
    history = doc.find("table", cls="history").find("tbody").find_all("tr")
    assert [[td.text for td in tr.find_all("td")] for tr in history] == [
        ["30 May 2024", "authorized", "authorized in Kharkiv"]
    ]
    assert history[0].find("a").attrs["href"] == (
        "/state/cells/united-states/atacms?as_of=2024-05-30&reviewed=true"
    )


def test_cell_page_without_the_filter_shows_the_unreviewed_restriction_in_force(
    client: TestClient, split: Engine
) -> None:
    doc = page(client, "/state/cells/united-states/atacms?as_of=2024-07-01")
    assert doc.find("h1").text == "United States · ATACMS: restricted"
    assert doc.find_all("dd", cls="counted") == []
    superseded = doc.find("section", **{"aria-labelledby": "superseded-heading"})
    assert [a.attrs["href"] for a in superseded.find_all("a")] == [f"/events/{E1}"]
    assert timeline_href(doc) == "/?actor=united-states&weapon=atacms"


def test_a_cell_with_no_reviewed_decision_is_unknown_not_missing(
    client: TestClient, split: Engine
) -> None:
    doc = page(client, "/state/cells/germany/all-supplied-weapons?as_of=2024-07-01&reviewed=true")
    assert doc.find("h1").text == "Germany · All supplied weapons: unknown"
    # No event names "all supplied weapons": the timeline shows all of Germany's.
    assert timeline_href(doc) == "/?actor=germany&reviewed=true"
    response = client.get("/state/cells/russia/atacms?reviewed=true")
    assert response.status_code == 404


def test_changes_page_links_carry_the_filter(client: TestClient, split: Engine) -> None:
    doc = page(client, "/state/changes?from=2024-05-01&to=2024-06-30&reviewed=false")
    assert doc.find("h2", id="results-heading").text == "2 changes from 1 May 2024 to 30 June 2024"
    item = doc.find_all("li", cls="change")[1]
    assert item.find("a", cls="cell-link").attrs["href"] == (
        "/state/cells/united-states/atacms?as_of=2024-06-10&reviewed=false"
    )
    assert item.find("p", cls="details").find_all("a")[-1].attrs["href"] == (
        "/state?as_of=2024-06-10&reviewed=false#row-united-states"
    )
    chip = doc.find("ul", cls="chips").find("a", cls="chip")
    assert (chip.text, chip.attrs["href"]) == (
        "machine-read only ×",
        "/state/changes?from=2024-05-01&to=2024-06-30",
    )
    selected = [
        o.attrs["value"]
        for o in doc.find("form").find("select", name="reviewed").find_all("option")
        if "selected" in o.attrs
    ]
    assert selected == ["false"]
    assert doc.find("link", type="application/atom+xml").attrs["href"] == (
        "/state/changes.atom?reviewed=false"
    )


def test_changes_feed_of_reviewed_decisions(client: TestClient, split: Engine) -> None:
    feed = ET.fromstring(client.get("/state/changes.atom?to=2024-12-31&reviewed=true").content)
    assert feed.findtext("a:title", namespaces=NS) == "Weapons-use policy changes, reviewed only"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert links == {
        "alternate": "http://testserver/state/changes?to=2024-12-31&reviewed=true",
        "self": "http://testserver/state/changes.atom?to=2024-12-31&reviewed=true",
    }
    entries = feed.findall("a:entry", NS)
    assert [(e.findtext("a:title", namespaces=NS), e.findtext("a:id", namespaces=NS)) for e in entries] == [
        ("United States · ATACMS: unknown → authorized",
         "http://testserver/state/cells/united-states/atacms?as_of=2024-05-30&reviewed=true"),
        ("United States · HIMARS: unknown → authorized",
         "http://testserver/state/cells/united-states/himars?as_of=2024-05-30&reviewed=true"),
    ]  # fmt: skip
