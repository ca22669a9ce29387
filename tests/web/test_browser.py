"""Real-browser tests: Playwright drives /usr/bin/chromium against uvicorn on loopback.

They fail (never skip) when Chromium is missing: CI installs it.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.review import actions
from tests.web.browsing import shot
from tests.web.live import serve

pytestmark = pytest.mark.browser

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))


@pytest.fixture
def base_url(loaded: Engine, database_url: str) -> Iterator[str]:
    with serve(database_url) as base:
        yield base


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], "\n".join(errors)


def event_links(page: Page) -> list[str]:
    return page.locator(".event .summary a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )


def test_filter_by_weapon_reload_and_back(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator("#results-heading")).to_have_text("5 events")
    shot(page, "timeline")

    # Ticking a weapon filters through htmx: only the results swap, the URL follows.
    page.get_by_label(re.compile(r"^Taurus")).check()
    expect(page).to_have_url(base_url + "/?weapon=taurus")
    expect(page.locator("#results-heading")).to_have_text("1 event of 5")
    assert event_links(page) == [f"/events/{E2}"]
    filtered_url = page.url
    assert "weapon=taurus" in filtered_url
    shot(page, "timeline-filtered")

    # Reloading the pushed URL shows the same view, from the server.
    page.reload()
    expect(page.locator("#results-heading")).to_have_text("1 event of 5")
    expect(page.get_by_label(re.compile(r"^Taurus"))).to_be_checked()
    assert event_links(page) == [f"/events/{E2}"]

    # Adding a second weapon ORs within the filter.
    page.get_by_label(re.compile(r"^HIMARS")).check()
    expect(page.locator("#results-heading")).to_have_text("2 events of 5")
    assert event_links(page) == [f"/events/{E2}", f"/events/{E1}"]

    # Back returns to the previous view, and again to the unfiltered one.
    page.go_back()
    expect(page).to_have_url(filtered_url)
    expect(page.locator("#results-heading")).to_have_text("1 event of 5")
    page.go_back()
    expect(page).to_have_url(base_url + "/")
    expect(page.locator("#results-heading")).to_have_text("5 events")


def test_clear_filter_link_and_sort_switch(page: Page, base_url: str) -> None:
    page.goto(base_url + "/?weapon=atacms")
    expect(page.locator("#results-heading")).to_have_text("3 events of 5")
    page.get_by_role("link", name="newest first").click()
    expect(page).to_have_url(re.compile(r"order=desc"))
    assert event_links(page) == [f"/events/{E3}", f"/events/{E1}", f"/events/{E4}"]
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator("#results-heading")).to_have_text("5 events")
    expect(page).to_have_url(base_url + "/")


def test_search_from_the_form(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Search summaries and quotes").fill("crimee")
    page.get_by_label("Search summaries and quotes").press("Enter")
    expect(page.locator("#results-heading")).to_have_text("1 event of 5")
    expect(page).to_have_url(base_url + "/?q=crimee")
    assert event_links(page) == [f"/events/{E4}"]


def test_open_an_event_from_a_lane_marker_and_follow_the_permalink(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + "/")
    marker = page.locator(f"svg.lanes-svg a[href='/events/{E3}']")
    expect(marker).to_have_accessible_name(
        "Russia warns that strikes deep inside Russia would make NATO a party to the war "
        "(Russia, warning, reported 12 September 2024)",
    )
    marker.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/events/{E3}")
    expect(page.locator("h1")).to_have_text(
        "Russia warns that strikes deep inside Russia would make NATO a party to the war"
    )
    expect(page.locator(".source mark")).to_have_text("warned")
    shot(page, "event")

    permalink = page.locator("#permalink").input_value()
    assert permalink == f"{base_url}/events/{E3}"
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()

    # A merged event's old id still works.
    page.goto(f"{base_url}/events/e1aa00000000aaaa")
    expect(page).to_have_url(f"{base_url}/events/{E1}")
    page.get_by_role("link", name="The article, evidence highlighted").first.click()
    expect(page).to_have_url(re.compile(r"/articles/a200000000000002#m-0$"))
    expect(page.locator(".article-text mark a")).to_have_attribute("href", f"/events/{E1}")
    shot(page, "article")


def test_phone_width_and_error_page(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base_url + "/?weapon=storm-shadow")
    expect(page.locator("#results-heading")).to_have_text("2 events of 5")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "timeline-phone")
    response = page.goto(base_url + "/?date_from=2023-02-29")
    assert response is not None and response.status == 400
    expect(page.locator(".error-message")).to_have_text(
        "date_from is not a real date: '2023-02-29'"
    )
    context.close()


def test_api_docs_render_offline_under_the_csp(page: Page, base_url: str) -> None:
    page.goto(base_url + "/docs")
    expect(page.locator("#swagger-ui .opblock-summary-path").first).to_have_text("/api/events")
    shot(page, "docs")


def test_policy_state_date_control_next_change_and_a_cell(page: Page, base_url: str) -> None:
    page.goto(base_url + "/state?as_of=2024-06-01")
    us_atacms = page.locator("#row-united-states td").nth(1)
    expect(us_atacms.locator(".st")).to_have_text("authorized")

    # Moving the date control swaps the matrix through htmx and pushes the URL.
    page.get_by_label("As of", exact=True).fill("2024-05-20")
    expect(page).to_have_url(base_url + "/state?as_of=2024-05-20")
    expect(page.locator("#results-heading")).to_have_text("As of 20 May 2024")
    expect(us_atacms.locator(".st")).to_have_text("unknown")
    shot(page, "state")

    # "Next change" jumps to the day the United States decided.
    page.get_by_role("link", name="Next change: 30 May 2024 →").click()
    expect(page).to_have_url(base_url + "/state?as_of=2024-05-30")
    expect(page.get_by_label("As of", exact=True)).to_have_value("2024-05-30")
    expect(us_atacms.locator(".st")).to_have_text("authorized")
    expect(us_atacms.locator(".flag")).to_have_text("changed this day")

    # The cell opens its detail: the deciding event with its quotes.
    us_atacms.get_by_role("link").click()
    expect(page).to_have_url(base_url + "/state/cells/united-states/atacms?as_of=2024-05-30")
    expect(page.locator("h1")).to_have_text("United States · ATACMS: authorized")
    expect(page.locator("#deciding-heading + h3")).to_have_text("Authorized in Kharkiv")
    expect(page.locator(".state-event mark")).to_have_text(["approved", "a autorisé"])
    shot(page, "state-cell")

    page.go_back()
    expect(page).to_have_url(base_url + "/state?as_of=2024-05-30")
    expect(us_atacms.locator(".st")).to_have_text("authorized")


def test_policy_state_reviewed_select_recomputes_the_matrix(
    page: Page, base_url: str, loaded: Engine
) -> None:
    # An editor confirms E1, the United States' only decision; the others stay unreviewed.
    with Session(loaded) as session, session.begin():
        actions.confirm(session, E1, actions.Editor("ana"))
    page.goto(base_url + "/state?as_of=2024-06-01")
    rows = page.locator("#results table.matrix tbody tr")
    expect(rows).to_have_count(3)

    page.get_by_label("Reviewed by a person").select_option("true")
    expect(page).to_have_url(base_url + "/state?as_of=2024-06-01&reviewed=true")
    expect(rows).to_have_count(1)
    expect(page.locator("#row-united-states td").nth(1).locator(".st")).to_have_text("authorized")
    expect(page.locator("#results .chip")).to_have_text("reviewed only ×")
    shot(page, "state-reviewed")

    page.get_by_label("Reviewed by a person").select_option("false")
    expect(page).to_have_url(base_url + "/state?as_of=2024-06-01&reviewed=false")
    expect(rows).to_have_count(2)
    expect(page.locator("#row-united-states")).to_have_count(0)

    # The chip removes the filter and the swapped form follows.
    page.get_by_role("link", name="Remove the reviewed filter").click()
    expect(page).to_have_url(base_url + "/state?as_of=2024-06-01")
    expect(rows).to_have_count(3)
    expect(page.get_by_label("Reviewed by a person")).to_have_value("")
