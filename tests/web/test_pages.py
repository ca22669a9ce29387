"""The HTML pages, parsed, with exact values."""

from fastapi.testclient import TestClient

from tests.web.dom import Node, parse

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))


def page(client: TestClient, url: str, **headers: str) -> Node:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return parse(response.text)


def list_rows(doc: Node) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for li in doc.find_all("li", cls="event"):
        rows.append(
            (
                li.find("time").text,
                li.find("span", cls="type").text,
                li.find("span", cls="actor").text,
                li.find("p", cls="summary").find("a").attrs["href"] or "",
                li.find("span", cls="sources").text,
            )
        )
    return rows


def test_timeline_lists_events_grouped_by_month(client: TestClient) -> None:
    doc = page(client, "/")
    assert doc.find("h2", id="results-heading").text == "5 events"
    assert [h.text for h in doc.find_all("h3", cls="month")] == [
        "February 2024",
        "May 2024",
        "September 2024",
        "Undated",
    ]
    assert list_rows(doc) == [
        ("February 2024", "restriction", "Germany", f"/events/{E2}", "1 source"),
        ("16 May 2024", "authorization", "United Kingdom", f"/events/{E5}", "1 source"),
        ("30 May 2024", "authorization", "United States", f"/events/{E1}", "2 sources"),
        ("reported 12 September 2024", "warning", "Russia", f"/events/{E3}", "1 source"),
        ("undated", "request", "Ukraine", f"/events/{E4}", "1 source"),
    ]
    first = doc.find_all("li", cls="event")[2]
    assert first.find("p", cls="details").text == (
        "Weapons: ATACMS, HIMARS Places: Kharkiv 2 sources"
    )


def test_lanes_have_one_lane_per_actor_and_labelled_marker_links(client: TestClient) -> None:
    doc = page(client, "/")
    svg = doc.find("svg", cls="lanes-svg")
    assert [g.attrs["aria-label"] for g in svg.find_all("g", cls="lane")] == [
        "Germany: 1 event",
        "Russia: 1 event",
        "United Kingdom: 1 event",
        "United States: 1 event",
    ]
    markers = svg.find_all("a", cls="marker")
    assert [(m.attrs["href"], m.find("path").attrs["class"]) for m in markers] == [
        (f"/events/{E2}", "m m-restriction"),
        (f"/events/{E3}", "m m-warning"),
        (f"/events/{E5}", "m m-authorization"),
        (f"/events/{E1}", "m m-authorization"),
    ]
    # The <title> child is the link's accessible name (SVG-AAM) and its tooltip.
    assert markers[1].find("title").text == (
        "Russia warns that strikes deep inside Russia would make NATO a party to the war "
        "(Russia, warning, reported 12 September 2024)"
    )
    legend = doc.find("ul", cls="legend")
    assert [li.text for li in legend.find_all("li")] == [
        "authorization",
        "restriction",
        "warning",
        "request",
    ]


def test_filters_are_checkboxes_with_counts_and_a_clear_link(client: TestClient) -> None:
    doc = page(client, "/?weapon=atacms&order=desc")
    box = doc.find("input", id="f-weapon-atacms")
    assert (box.attrs["name"], box.attrs["value"], "checked" in box.attrs) == (
        "weapon",
        "atacms",
        True,
    )
    assert doc.find("label", for_="f-weapon-atacms").text == "ATACMS 3"
    assert doc.find("label", for_="f-actor-russia").text == "Russia 1"
    weapon_set = doc.find("fieldset", id="facet-weapon")
    assert weapon_set.find("a", cls="clear").attrs["href"] == "/?order=desc"
    assert [li.text for li in doc.find("ul", cls="chips").find_all("li")] == [
        "weapon: ATACMS ×",
        "Clear all",
    ]
    assert doc.find("h2", id="results-heading").text == "3 events of 5"
    assert [r[3] for r in list_rows(doc)] == [f"/events/{E3}", f"/events/{E1}", f"/events/{E4}"]
    hidden = [i for i in doc.find_all("input") if i.attrs.get("type") == "hidden"]
    assert [(i.attrs["name"], i.attrs["value"]) for i in hidden] == [("order", "desc")]


def test_confidence_floor_filters_the_timeline_and_shows_in_the_form(client: TestClient) -> None:
    doc = page(client, "/?min_confidence=0.9")
    assert [r[3] for r in list_rows(doc)] == [f"/events/{E1}"]
    assert doc.find("h2", id="results-heading").text == "1 event of 5"
    select = doc.find("select", id="min_confidence")
    chosen = [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs]
    assert chosen == ["0.9"]
    assert [li.text for li in doc.find("ul", cls="chips").find_all("li")] == [
        "confidence ≥ 0.9 ×",
        "Clear all",
    ]
    assert client.get("/?min_confidence=2").status_code == 400


def test_links_keep_the_other_filters(client: TestClient) -> None:
    doc = page(client, "/?weapon=atacms&weapon=taurus&q=moscow")
    chips = doc.find("ul", cls="chips").find_all("a")
    assert [(a.text, a.attrs["href"]) for a in chips] == [
        ("weapon: ATACMS ×", "/?weapon=taurus&q=moscow"),
        ("weapon: Taurus ×", "/?weapon=atacms&q=moscow"),
        ("search: moscow ×", "/?weapon=atacms&weapon=taurus"),
        ("Clear all", "/"),
    ]
    exports = [a.attrs["href"] for a in doc.find("p", cls="exports").find_all("a")]
    assert exports == [
        "/events.csv?weapon=atacms&weapon=taurus&q=moscow",
        "/events.atom?weapon=atacms&weapon=taurus&q=moscow",
        "/api/events?weapon=atacms&weapon=taurus&q=moscow",
    ]
    assert [r[3] for r in list_rows(doc)] == [f"/events/{E2}", f"/events/{E3}"]


def test_htmx_gets_only_the_results_and_the_filter_fields(client: TestClient) -> None:
    response = client.get("/?weapon=taurus", headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.status_code == 200
    assert response.headers["vary"] == "HX-Request, HX-Target"
    assert "<html" not in response.text
    doc = parse(response.text)
    top = [c for c in doc.children if not isinstance(c, str)]
    assert [(n.tag, n.attrs.get("id")) for n in top] == [
        ("section", "results"),
        ("div", "filter-fields"),
    ]
    assert top[1].attrs["hx-swap-oob"] == "true"
    assert [r[3] for r in list_rows(doc)] == [f"/events/{E2}"]
    full = client.get("/?weapon=taurus")
    assert full.headers["vary"] == "HX-Request, HX-Target"
    assert full.text.startswith("<!doctype html>")


def test_history_restore_gets_the_full_page(client: TestClient) -> None:
    response = client.get(
        "/?weapon=taurus",
        headers={
            "HX-Request": "true",
            "HX-Target": "results",
            "HX-History-Restore-Request": "true",
        },
    )
    assert response.text.startswith("<!doctype html>")


def test_the_form_works_without_javascript(client: TestClient) -> None:
    doc = page(client, "/")
    form = doc.find("form", id="filters")
    assert (form.attrs["action"], form.attrs["method"]) == ("/", "get")
    assert (form.attrs["hx-get"], form.attrs["hx-push-url"]) == ("/", "true")
    assert form.find("button").attrs["type"] == "submit"
    for control in form.find_all("input"):
        if control.attrs.get("type") in ("checkbox", "search", None):
            assert doc.find_all("label", for_=control.attrs["id"]), control.attrs


def test_dense_lanes_link_aggregates_to_a_zoomed_view(client: TestClient, monkeypatch) -> None:
    from app.web import queries

    original = queries.lane_data
    monkeypatch.setattr(
        "app.web.pages.queries.lane_data",
        lambda **kw: original(**kw, marker_limit=2),
    )
    doc = page(client, "/?type=authorization&type=restriction&type=warning")
    markers = doc.find("svg", cls="lanes-svg").find_all("a", cls="marker")
    assert [(m.attrs["href"], m.find("title").text) for m in markers] == [
        (
            "/?type=authorization&type=restriction&type=warning&date_from=2024-02&date_to=2024-02",
            "Germany, February 2024: 1 events (1 restriction). Zoom in",
        ),
        (
            "/?type=authorization&type=restriction&type=warning&date_from=2024-09&date_to=2024-09",
            "Russia, September 2024: 1 events (1 warning). Zoom in",
        ),
        (
            "/?type=authorization&type=restriction&type=warning&date_from=2024-05&date_to=2024-05",
            "United Kingdom, May 2024: 1 events (1 authorization). Zoom in",
        ),
        (
            "/?type=authorization&type=restriction&type=warning&date_from=2024-05&date_to=2024-05",
            "United States, May 2024: 1 events (1 authorization). Zoom in",
        ),
    ]


def test_pagination_links(client: TestClient, monkeypatch) -> None:
    monkeypatch.setattr("app.web.pages.PER_PAGE", 2)
    doc = page(client, "/?page=2&order=desc")
    pager = doc.find("nav", cls="pager")
    assert pager.text == "← Previous Page 2 of 3 Next →"
    assert [a.attrs["href"] for a in pager.find_all("a")] == [
        "/?order=desc&page=1",
        "/?order=desc&page=3",
    ]
    assert [r[3] for r in list_rows(doc)] == [f"/events/{E5}", f"/events/{E2}"]


def test_empty_database_explains_how_to_ingest(empty_client: TestClient) -> None:
    doc = page(empty_client, "/")
    assert doc.find("h2", id="results-heading").text == "No events yet"
    assert doc.find("div", cls="empty").find("code").text == "timeline ingest seeds/"
    assert doc.find_all("svg", cls="lanes-svg") == []


def test_event_page(client: TestClient) -> None:
    doc = page(client, f"/events/{E1}")
    assert doc.find("h1").text == (
        "United States allows strikes on Russian soil near Kharkiv with US weapons"
    )
    facts = doc.find("dl", cls="facts")
    terms = [dt.text for dt in facts.find_all("dt")]
    values = [dd.text for dd in facts.find_all("dd")]
    assert dict(zip(terms, values, strict=True)) == {
        "What": "authorization",
        "Who": "United States",
        "When": "30 May 2024 (known to the day; dated by the article text)",
        "Weapons": "ATACMS, HIMARS",
        "Places": "Kharkiv",
        "Confidence": "0.95 (machine reading: how surely the words, the actor and the date "
        "were read, and how many articles agree)",
        "Reviewed": "Not yet: machine-read (an editor has not checked it; review it)",
        "Permalink": "Copy link",
    }
    assert doc.find("input", id="permalink").attrs["value"] == f"http://testserver/events/{E1}"
    sources = doc.find_all("li", cls="source")
    assert [s.find("mark").text for s in sources] == ["approved", "a autorisé"]
    assert sources[1].find("blockquote").text == (
        "Washington a autorisé Kiev à frapper le territoire russe près de Kharkiv avec des "
        "armes américaines, selon Reuters."
    )
    assert sources[1].find("p", cls="cite").text == "Le Monde via Reuters, published 31 May 2024."
    assert [(a.text, a.attrs["href"]) for a in sources[1].find("p", cls="links").find_all("a")] == [
        ("The article, evidence highlighted", "/articles/a100000000000001#m-21"),
        ("Original", "https://lemonde.example/frappes"),
    ]
    related = doc.find("section", cls="related")
    assert [a.attrs["href"] for a in related.find_all("a")] == [f"/events/{E3}"]


def test_event_page_has_link_preview_meta(client: TestClient) -> None:
    doc = page(client, f"/events/{E3}")
    metas = {
        (m.attrs.get("property") or m.attrs.get("name")): m.attrs["content"]
        for m in doc.find_all("meta")
        if m.attrs.get("property") or m.attrs.get("name") not in (None, "viewport", "htmx-config")
    }
    title = "Russia warns that strikes deep inside Russia would make NATO a party to the war"
    description = "Russia, warning, reported 12 September 2024. 1 source."
    assert metas == {
        "description": description,
        "og:type": "article",
        "og:site_name": "Weapons-use policy timeline",
        "og:title": title,
        "og:description": description,
        "og:url": f"http://testserver/events/{E3}",
        "twitter:card": "summary",
        "twitter:title": title,
        "twitter:description": description,
    }


def test_unsafe_original_urls_are_not_linked(client: TestClient) -> None:
    doc = page(client, f"/events/{E3}")
    hrefs = [a.attrs.get("href") or "" for a in doc.find_all("a")]
    assert not [h for h in hrefs if h.startswith("javascript:")]
    assert "cite" not in doc.find("blockquote").attrs


def test_merged_event_id_redirects_permanently(client: TestClient) -> None:
    response = client.get("/events/e1aa00000000aaaa", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        301,
        f"http://testserver/events/{E1}",
    )


def test_unknown_event_and_article_are_404_pages(client: TestClient) -> None:
    for url, message in [
        ("/events/ffffffffffffffff", "No event has the id 'ffffffffffffffff'."),
        ("/articles/0000000000000000", "No article has the id '0000000000000000'."),
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert parse(response.text).find("p", cls="error-message").text == message


def test_article_page_highlights_and_links_each_evidence_sentence(client: TestClient) -> None:
    doc = page(client, "/articles/a100000000000001")
    assert doc.find("h1").text == "Washington change de cap sur les frappes"
    marks = doc.find("div", cls="article-text").find_all("mark")
    assert [(m.attrs["id"], m.text, m.find("a").attrs["href"]) for m in marks] == [
        (
            "m-21",
            "Washington a autorisé Kiev à frapper le territoire russe près de Kharkiv avec "
            "des armes américaines, selon Reuters.",
            f"/events/{E1}",
        )
    ]
    facts = {
        dt.text: dd.text
        for dt, dd in zip(
            doc.find("dl", cls="facts").find_all("dt"),
            doc.find("dl", cls="facts").find_all("dd"),
            strict=True,
        )
    }
    assert facts == {
        "Outlet": "Le Monde",
        "Published": "31 May 2024",
        "Original": "https://lemonde.example/frappes",
        "Ingested from": "seeds/a100000000000001.md",
        "Evidence": "1 sentence highlighted below, each linked to its event",
    }
    assert doc.find("dd").find("a").attrs["href"] == "/?outlet=le-monde"
