"""The policy state over HTTP, on the hand-written corpus (tests/web/fixtures_data.py).

Decisions there: Germany restricts Taurus (February 2024, month only, no place), the
United Kingdom allows Storm Shadow in Crimea (16 May 2024), the United States allows
ATACMS and HIMARS near Kharkiv (30 May 2024). Russia's warning and Ukraine's undated
request are context.
"""

import datetime as dt
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Event, EventWeapon
from app.web import state
from app.web.state import ChangesOut, StateOut
from tests.web.dom import Node, parse

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))
NS = {"a": "http://www.w3.org/2005/Atom"}
COLUMNS = ["all-supplied-weapons", "atacms", "himars", "storm-shadow", "taurus"]


def page(client: TestClient, url: str, **headers: str) -> Node:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return parse(response.text)


def grid(body: dict) -> dict[str, list[str]]:
    return {row["actor"]["id"]: [cell["status"] for cell in row["cells"]] for row in body["rows"]}


def change_rows(body: dict) -> list[tuple[str, str, str, str, str, list[str]]]:
    """(date, actor, weapon, status before, status after, event ids) of each change."""
    return [
        (
            c["date"],
            c["actor"]["id"],
            c["weapon"]["id"],
            c["before"]["status"],
            c["after"]["status"],
            c["event_ids"],
        )
        for c in body["changes"]
    ]


# --- JSON -------------------------------------------------------------------------------


def test_api_state_cell_is_exact(client: TestClient) -> None:
    body = client.get("/api/state?as_of=2024-06-01&actor=united-states&weapon=atacms").json()
    assert body == {
        "as_of": "2024-06-01",
        "previous_change": "2024-05-30",
        "next_change": None,
        "rows": [
            {
                "actor": {"id": "united-states", "name": "United States"},
                "cells": [
                    {
                        "weapon": {"id": "atacms", "name": "ATACMS"},
                        "status": "authorized",
                        "scope": [
                            {
                                "id": "kharkiv",
                                "name": "Kharkiv",
                                "status": "authorized",
                                "event_ids": [E1],
                            }
                        ],
                        "since": "2024-05-30",
                        "date_precision": "day",
                        "uncertain": False,
                        "event_ids": [E1],
                        "url": "http://testserver/state/cells/united-states/atacms?as_of=2024-06-01",
                    }
                ],
            }
        ],
    }


def test_api_state_has_a_row_per_supplier_and_a_cell_per_column(client: TestClient) -> None:
    body = client.get("/api/state?as_of=2024-06-01").json()
    # Built without validation for speed: the declared schema must still hold.
    assert StateOut.model_validate(body).model_dump(mode="json") == body
    assert [c["weapon"]["id"] for c in body["rows"][0]["cells"]] == COLUMNS
    assert grid(body) == {
        "germany": ["unknown", "unknown", "unknown", "unknown", "restricted"],
        "united-kingdom": ["unknown", "unknown", "unknown", "authorized", "unknown"],
        "united-states": ["unknown", "authorized", "authorized", "unknown", "unknown"],
    }


def test_api_state_month_precise_decision_is_uncertain_inside_its_month(
    client: TestClient,
) -> None:
    body = client.get("/api/state?as_of=2024-02-15&actor=germany&weapon=taurus").json()
    assert [(c["status"], c["uncertain"]) for c in body["rows"][0]["cells"]] == [("unknown", True)]
    body = client.get("/api/state?as_of=2024-03-01&actor=germany&weapon=taurus").json()
    cell = body["rows"][0]["cells"][0]
    assert (cell["status"], cell["since"], cell["date_precision"], cell["uncertain"]) == (
        "restricted",
        "2024-02-29",
        "month",
        False,
    )
    assert cell["scope"] == [
        {
            "id": "place-not-stated",
            "name": "Place not stated",
            "status": "restricted",
            "event_ids": [E2],
        }
    ]


def test_api_changes_lists_each_changed_cell_with_its_decision(client: TestClient) -> None:
    body = client.get("/api/state/changes?from=2024-02&to=2024-05-30").json()
    assert (body["from"], body["to"], body["truncated"]) == ("2024-02-01", "2024-05-30", False)
    assert change_rows(body) == [
        ("2024-02-29", "germany", "taurus", "unknown", "restricted", [E2]),
        ("2024-05-16", "united-kingdom", "storm-shadow", "unknown", "authorized", [E5]),
        ("2024-05-30", "united-states", "atacms", "unknown", "authorized", [E1]),
        ("2024-05-30", "united-states", "himars", "unknown", "authorized", [E1]),
    ]
    assert ChangesOut.model_validate(body).model_dump(mode="json", by_alias=True) == body
    assert body["changes"][0]["date_precision"] == "month"
    assert body["changes"][1]["after"]["scope"] == [
        {"id": "crimea", "name": "Crimea", "status": "authorized", "event_ids": [E5]}
    ]


def test_api_changes_filter_by_actor_and_weapon(client: TestClient) -> None:
    body = client.get("/api/state/changes?from=2024-01-01&to=2024-12-31&weapon=himars").json()
    assert [(c["date"], c["actor"]["id"]) for c in body["changes"]] == [
        ("2024-05-30", "united-states")
    ]


def test_bad_dates_are_400_with_a_message(client: TestClient) -> None:
    cases = [
        ("/api/state?as_of=2024-02-30", "as_of is not a real date: '2024-02-30'"),
        (
            "/api/state?as_of=yesterday",
            "as_of must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not 'yesterday'",
        ),
        (
            "/api/state/changes?from=2024-06-01&to=2024-05-01",
            "from (2024-06-01) is after to (2024-05-01)",
        ),
        (
            "/api/state/changes?to=2024-13",
            "to must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not '2024-13'",
        ),
        ("/api/state/changes?to=2023-02-29", "to is not a real date: '2023-02-29'"),
        ("/api/state?actor=%3Cb%3E", "actor must be an id such as 'united-states', not '<b>'"),
        (
            "/api/state?as_of=0001-01-01",
            "as_of must be a day between 1900 and 2999, not '0001-01-01'",
        ),
        ("/api/state/changes?from=9999", "from must be a day between 1900 and 2999, not '9999'"),
        ("/api/state/changes?from=2999-12", "from (2999-12) is after to (today)"),
    ]
    for url, message in cases:
        response = client.get(url)
        assert (response.status_code, response.json()) == (400, {"detail": message, "status": 400})


def test_the_state_api_is_in_the_openapi_description(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    matrix = spec["paths"]["/api/state"]["get"]
    assert [p["name"] for p in matrix["parameters"]] == ["actor", "weapon", "reviewed", "as_of"]
    assert matrix["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StateOut"
    }
    changes = spec["paths"]["/api/state/changes"]["get"]
    assert [p["name"] for p in changes["parameters"]] == [
        "actor", "weapon", "reviewed", "from", "to",
    ]  # fmt: skip
    cell = spec["components"]["schemas"]["CellOut"]["properties"]
    assert cell["status"]["enum"] == ["authorized", "restricted", "mixed", "unknown"]


# --- the matrix page ----------------------------------------------------------------------


def cells(doc: Node) -> dict[str, list[str]]:
    table = doc.find("table", cls="matrix")
    return {
        tr.attrs["id"] or "": [td.find("span", cls="st").text for td in tr.find_all("td")]
        for tr in table.find("tbody").find_all("tr")
    }


def test_matrix_page_shows_status_words_and_links_each_cell(client: TestClient) -> None:
    doc = page(client, "/state?as_of=2024-06-01")
    assert doc.find("h2", id="results-heading").text == "As of 1 June 2024"
    table = doc.find("table", cls="matrix")
    assert [th.text for th in table.find("thead").find_all("th")] == [
        "Supplier", "All supplied weapons", "ATACMS", "HIMARS", "Storm Shadow", "Taurus",
    ]  # fmt: skip
    assert cells(doc) == {
        "row-germany": ["unknown", "unknown", "unknown", "unknown", "restricted"],
        "row-united-kingdom": ["unknown", "unknown", "unknown", "authorized", "unknown"],
        "row-united-states": ["unknown", "authorized", "authorized", "unknown", "unknown"],
    }
    td = doc.find("tr", id="row-united-kingdom").find_all("td")[3]
    assert td.classes == {"cell", "cell-authorized"}
    link = td.find("a")
    assert link.attrs["href"] == "/state/cells/united-kingdom/storm-shadow?as_of=2024-06-01"
    assert link.attrs["aria-label"] == (
        "United Kingdom, Storm Shadow: authorized (authorized in Crimea). Details"
    )
    assert link.find("svg").classes == {"st-icon", "st-authorized"}
    assert link.find("span", cls="since").text == "since 16 May 2024"


def test_a_cell_that_changed_on_the_day_is_marked(client: TestClient) -> None:
    doc = page(client, "/state?as_of=2024-05-30&actor=united-states")
    td = doc.find("tr", id="row-united-states").find_all("td")[1]
    assert "changed" in td.classes
    assert [f.text for f in td.find_all("span", cls="flag")] == ["changed this day"]


def test_prev_and_next_buttons_jump_between_changes_without_javascript(
    client: TestClient,
) -> None:
    doc = page(client, "/state?as_of=2024-05-20&weapon=storm-shadow&weapon=atacms")
    prev, nxt = doc.find("a", cls="prev"), doc.find("a", cls="next")
    assert prev.text == "← Previous change: 16 May 2024"
    assert prev.attrs["href"] == "/state?weapon=storm-shadow&weapon=atacms&as_of=2024-05-16"
    assert nxt.text == "Next change: 30 May 2024 →"
    assert nxt.attrs["href"] == "/state?weapon=storm-shadow&weapon=atacms&as_of=2024-05-30"
    assert (nxt.attrs["hx-get"], nxt.attrs["hx-push-url"]) == (nxt.attrs["href"], "true")
    steps = page(client, nxt.attrs["href"] or "").find("nav", cls="steps")
    assert steps.find("a", cls="prev").text == "← Previous change: 16 May 2024"
    assert steps.find("span", cls="none").text == "No later change"


def test_htmx_swaps_only_the_matrix_and_the_form_fields(client: TestClient) -> None:
    response = client.get(
        "/state?as_of=2024-06-01", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    doc = parse(response.text)
    fields = doc.find("div", id="state-fields")
    assert fields.attrs["hx-swap-oob"] == "true"
    # The date control is not swapped: typing in it is never interrupted.
    assert doc.find_all("input", id="as_of") == []
    assert response.headers["vary"] == "HX-Request, HX-Target"


def test_the_form_uses_the_timeline_parameters(client: TestClient) -> None:
    doc = page(client, "/state?as_of=2024-06-01&actor=germany")
    form = doc.find("form", id="state-form")
    assert (form.attrs["action"], form.attrs["hx-get"], form.attrs["hx-push-url"]) == (
        "/state",
        "/state",
        "true",
    )
    checked = [
        i.attrs["value"] for i in form.find_all("input", type="checkbox") if "checked" in i.attrs
    ]
    assert checked == ["germany"]
    assert [c.attrs["name"] for c in form.find_all("input", type="checkbox")][:1] == ["actor"]
    assert list(cells(doc)) == ["row-germany"]


def test_without_a_date_the_page_shows_today(client: TestClient) -> None:
    doc = page(client, "/state")
    today = dt.datetime.now(dt.UTC).date()
    assert doc.find("input", id="as_of").attrs["value"] == today.isoformat()
    assert doc.find("h2", id="results-heading").text.endswith("(today)")


def test_a_bad_date_on_the_page_is_a_400_with_the_message(client: TestClient) -> None:
    response = client.get("/state?as_of=2024-02-30")
    assert response.status_code == 400
    assert parse(response.text).find("p", cls="error-message").text == (
        "as_of is not a real date: '2024-02-30'"
    )


def test_an_actor_filter_shows_its_step_chart(client: TestClient) -> None:
    doc = page(client, "/state?as_of=2024-06-01&actor=united-states")
    chart = doc.find("figure", cls="step-chart")
    assert chart.find("h3").text == "United States: status over time"
    lanes = chart.find_all("g", cls="chart-lane")
    assert [g.attrs["aria-label"] for g in lanes] == ["ATACMS", "HIMARS"]
    step = lanes[0].find("a", cls="step")
    assert step.attrs["href"] == "/state/cells/united-states/atacms?as_of=2024-05-30"
    assert step.find("title").text == (
        "ATACMS: authorized from 30 May 2024 (authorized in Kharkiv)"
    )
    assert step.find("rect").classes == {"step-bar", "s-authorized"}


def test_an_actor_without_a_row_is_explained(client: TestClient) -> None:
    doc = page(client, "/state?as_of=2024-06-01&actor=russia")
    assert doc.find_all("table", cls="matrix") == []
    assert doc.find("p", cls="note").text.startswith("Russia has no row:")


# --- the cell detail ----------------------------------------------------------------------


def test_cell_detail_shows_deciding_events_with_their_quotes(client: TestClient) -> None:
    doc = page(client, "/state/cells/united-states/atacms?as_of=2024-10-01")
    assert doc.find("h1").text == "United States · ATACMS: authorized"
    deciding = doc.find("section", **{"aria-labelledby": "deciding-heading"})
    assert deciding.find("h3").text == "Authorized in Kharkiv"
    item = deciding.find("li", cls="state-event")
    assert item.find("p", cls="summary").find("a").attrs["href"] == f"/events/{E1}"
    assert [m.text for m in item.find_all("mark")] == ["approved", "a autorisé"]
    context = doc.find("section", cls="context")
    warnings = [li.find("a").attrs["href"] for li in context.find_all("li", cls="state-event")]
    assert warnings == [f"/events/{E3}"]


def test_cell_detail_lists_pending_decisions_and_history(client: TestClient) -> None:
    doc = page(client, "/state/cells/germany/taurus?as_of=2024-02-10")
    pending = doc.find("section", **{"aria-labelledby": "pending-heading"})
    assert [
        a.attrs["href"] for a in pending.find_all("a") if "/events/" in (a.attrs["href"] or "")
    ] == [f"/events/{E2}"]
    rows = doc.find("table", cls="history").find("tbody").find_all("tr")
    assert [[td.text for td in tr.find_all("td")] for tr in rows] == [
        ["February 2024", "restricted", "restricted with no place stated"]
    ]


def test_cell_detail_of_an_unknown_cell_is_404(client: TestClient) -> None:
    response = client.get("/state/cells/russia/atacms?as_of=2024-06-01")
    assert response.status_code == 404
    assert parse(response.text).find("p", cls="error-message").text == (
        "No supplying actor has the id 'russia'."
    )
    assert client.get("/state/cells/germany/nothing").status_code == 404


# --- changes page and feed ------------------------------------------------------------


def test_changes_page_lists_changes_with_their_decisions(client: TestClient) -> None:
    doc = page(client, "/state/changes?from=2024-05-01&to=2024-05-31")
    assert doc.find("h2", id="results-heading").text == "3 changes from 1 May 2024 to 31 May 2024"
    items = doc.find_all("li", cls="change")
    assert [li.find("a", cls="cell-link").text for li in items] == [
        "United Kingdom · Storm Shadow",
        "United States · ATACMS",
        "United States · HIMARS",
    ]
    assert items[0].find("p", cls="transition").text == (
        "unknown → authorized: authorized in Crimea"
    )
    assert items[0].find("p", cls="details").find("a").attrs["href"] == f"/events/{E5}"


def test_an_empty_period_points_to_the_latest_change(client: TestClient) -> None:
    doc = page(client, "/state/changes?from=2024-07-01&to=2024-07-31")
    assert doc.find("p", cls="empty").text == (
        "No cell changed in these days. The latest change before 31 July 2024 is on 30 May 2024."
    )


def test_changes_feed_newest_first(client: TestClient) -> None:
    response = client.get("/state/changes.atom?to=2024-12-31")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.findtext("a:title", namespaces=NS) == "Weapons-use policy changes"
    assert feed.findtext("a:updated", namespaces=NS) == "2024-10-01T12:00:00Z"
    entries = feed.findall("a:entry", NS)
    assert [e.findtext("a:title", namespaces=NS) for e in entries] == [
        "United States · ATACMS: unknown → authorized",
        "United States · HIMARS: unknown → authorized",
        "United Kingdom · Storm Shadow: unknown → authorized",
        "Germany · Taurus: unknown → restricted",
    ]
    assert entries[3].findtext("a:id", namespaces=NS) == (
        "http://testserver/state/cells/germany/taurus?as_of=2024-02-29"
    )
    assert entries[3].findtext("a:summary", namespaces=NS) == (
        "February 2024: restricted with no place stated. "
        f"Decided by: http://testserver/events/{E2}."
    )


# --- hooks into the timeline and the event page ------------------------------------------


def test_each_lane_links_to_its_row_of_the_state(client: TestClient) -> None:
    doc = page(client, "/")
    links = doc.find("svg", cls="lanes-svg").find_all("a", cls="lane-link")
    assert [a.attrs["href"] for a in links] == [
        "/state?actor=germany",
        "/state?actor=russia",
        "/state?actor=united-kingdom",
        "/state?actor=united-states",
    ]


def test_the_event_page_says_which_cells_it_changed(client: TestClient) -> None:
    doc = page(client, f"/events/{E1}")
    section = doc.find("section", cls="policy")
    assert [li.text for li in section.find("ul", cls="changed-cells").find_all("li")] == [
        "United States · ATACMS: unknown → authorized (authorized in Kharkiv)",
        "United States · HIMARS: unknown → authorized (authorized in Kharkiv)",
    ]
    assert section.find("ul", cls="changed-cells").find("a").attrs["href"] == (
        "/state/cells/united-states/atacms?as_of=2024-05-30"
    )


def test_the_event_page_of_a_warning_says_it_changes_nothing(client: TestClient) -> None:
    section = page(client, f"/events/{E3}").find("section", cls="policy")
    assert section.find("p").text == (
        "Requests and warnings do not change the policy state; they show as context in its cells."
    )


def test_state_pages_have_no_inline_scripts_or_styles(client: TestClient) -> None:
    for url in (
        "/state?as_of=2024-06-01&actor=united-states",
        "/state/cells/united-states/atacms?as_of=2024-06-01",
        "/state/changes?from=2024-01-01&to=2024-12-31",
    ):
        doc = page(client, url)
        assert all(s.attrs.get("src") for s in doc.find_all("script")), url
        assert doc.find_all("style") == [], url
        assert [n.tag for n in doc.iter() if "style" in n.attrs] == [], url


def test_an_empty_database_says_how_to_fill_it(empty_client: TestClient) -> None:
    doc = page(empty_client, "/state?as_of=2024-06-01")
    assert doc.find("p", cls="empty").text == (
        "No authorization or restriction is in the database yet: ingest articles with "
        "timeline ingest."
    )
    body = empty_client.get("/api/state?as_of=2024-06-01").json()
    assert body == {"as_of": "2024-06-01", "rows": [], "previous_change": None, "next_change": None}


def add_event(db: Session, event_id: str, type: str, actor: str, date: dt.date | None) -> None:
    db.add(
        Event(
            id=event_id,
            type=type,
            actor_id=actor,
            date=date,
            date_precision="day" if date else None,
            date_basis="text" if date else "undated",
            summary=f"{actor} {type} of our own test",
        )
    )
    db.commit()


def test_the_event_page_of_an_undated_decision_and_of_a_non_supplier(
    client: TestClient, db: Session
) -> None:
    add_event(db, "e600000000000006", "restriction", "germany", None)
    add_event(db, "e700000000000007", "restriction", "ukraine", dt.date(2024, 6, 3))
    undated = page(client, "/events/e600000000000006").find("section", cls="policy")
    assert undated.find("p").text == (
        "Undated: this decision cannot place a change in time, so the policy state leaves "
        "it out (the cells it concerns list it)."
    )
    detail = page(client, "/state/cells/germany/taurus?as_of=2024-06-01")
    section = detail.find("section", **{"aria-labelledby": "undated-heading"})
    assert [a.attrs["href"] for a in section.find_all("a")] == ["/events/e600000000000006"]
    kyiv = page(client, "/events/e700000000000007").find("section", cls="policy")
    assert kyiv.find("p").text == (
        "Ukraine does not supply the weapons: its decisions get no row in the policy state."
    )


def test_the_event_page_of_a_decision_that_confirms_the_state(
    client: TestClient, db: Session
) -> None:
    add_event(db, "e800000000000008", "restriction", "germany", dt.date(2024, 7, 1))
    db.add(EventWeapon(event_id="e800000000000008", weapon_id="taurus"))
    db.commit()
    section = page(client, "/events/e800000000000008").find("section", cls="policy")
    assert section.find("p").text == ("This decision changed no cell on 1 July 2024.")
    assert section.find_all("p")[1].text == "It decides these, which already said the same:"
    assert [li.text for li in section.find("ul", cls="confirmed-cells").find_all("li")] == [
        "Germany · Taurus: restricted (restricted with no place stated)"
    ]


def test_the_index_follows_the_data_and_keeps_only_the_latest(db: Session) -> None:
    first = state.state_index(db)
    assert state.state_index(db) is first
    add_event(db, "e900000000000009", "authorization", "germany", dt.date(2024, 8, 1))
    second = state.state_index(db)
    assert second is not first
    assert "e900000000000009" in second.events
    assert state._indexes is not None and state._indexes[1] == {None: second}
