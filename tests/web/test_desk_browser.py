"""The review desk in a real browser: Playwright drives /usr/bin/chromium against uvicorn."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from tests.web.browsing import shot
from tests.web.live import serve

pytestmark = pytest.mark.browser
E2, E3, E4 = "e200000000000002", "e300000000000003", "e400000000000004"


@pytest.fixture
def base_url(tokens: dict[str, str], loaded: Engine, database_url: str) -> Iterator[str]:
    with serve(database_url) as base:
        yield base


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    # A refused request (a 4xx the test provokes) is no script error.
    assert [e for e in errors if "status of 4" not in e] == []


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/review")
    expect(page).to_have_url(re.compile(r"/review/login\?next=/review$"))
    page.get_by_label("Editor name").fill("ana")
    page.get_by_label("Password").fill("ana's long passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/review")
    expect(page.locator("h1")).to_have_text("Review queue")


def test_sign_in_confirm_with_the_keyboard_and_undo(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    items = page.locator(".queue-item")
    expect(items).to_have_count(5)
    expect(items.first).to_have_attribute("data-event", E4)
    shot(page, "review-queue")
    page.keyboard.press("j")  # the second item: E3
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("c")
    expect(page.locator(f"#q-{E3} [role=status]")).to_contain_text("Confirmed:")
    expect(page.locator(f"#q-{E3}")).to_be_focused()
    page.keyboard.press("u")
    expect(page.locator(f"#q-{E3} button[data-key=c]")).to_be_visible()
    page.goto(base_url + f"/events/{E3}")
    expect(page.locator("dd.reviewed")).to_contain_text("Not yet: machine-read")
    expect(page.locator(".history-log > li")).to_have_count(2)


def test_edit_with_the_keyboard_then_undo(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    page.locator(f"#q-{E2}").focus()
    page.keyboard.press("e")
    expect(page).to_have_url(base_url + f"/review/events/{E2}")
    page.keyboard.press("e")
    expect(page.locator("#f-type")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#f-actor")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("France")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("2024-02-20")
    page.keyboard.press("Enter")
    expect(page.locator(".saved")).to_have_text(re.compile(r"Saved \(action #\d+\)\."))
    expect(page.locator("h1")).to_have_text("France restricts use of Taurus")
    expect(page.locator("#review-status")).to_contain_text("Reviewed: confirmed")
    expect(page.locator(".history-log .changes-list li")).to_contain_text(
        [
            "status: unreviewed → confirmed",
            "actor: Germany → France",
            "date: 2024-02-01 → 2024-02-20",
        ]
    )
    shot(page, "review-event")
    page.keyboard.press("u")
    expect(page.locator("#review-status")).to_contain_text("Not reviewed yet")
    # Derived again from the fields (the fixture's own summary was hand-written).
    expect(page.locator("h1")).to_have_text("Germany restricts use of Taurus")
    expect(page.locator("#f-actor")).to_have_value("Germany")
    expect(page.locator("#f-date")).to_have_value("2024-02")
    page.goto(base_url + f"/events/{E2}")
    expect(page.locator("dd").filter(has=page.get_by_role("link", name="France"))).to_have_count(0)


def test_add_an_event_from_a_selected_sentence(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    page.goto(base_url + "/review/articles/a100000000000001")
    sentence = "Le débat continue à Berlin."
    # Select the sentence with the mouse's equivalent: a DOM range, then mouseup.
    page.evaluate(
        """sentence => {
            const box = document.getElementById('article-text');
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(sentence);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + sentence.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    box.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                    return;
                }
            }
            throw new Error('sentence not found');
        }""",
        sentence,
    )
    expect(page.locator("#selection-preview")).to_have_text(sentence)
    text_length = len(
        "Politique étrangère.\nWashington a autorisé Kiev à frapper le territoire russe près de Kharkiv avec des armes américaines, selon Reuters.\n"
    )
    expect(page.locator("#f-start")).to_have_value(str(text_length))
    expect(page.locator("#f-end")).to_have_value(str(text_length + len(sentence)))
    page.get_by_label("Trigger words").fill("débat")
    page.locator("#a-type").select_option("request")
    page.locator("#a-actor").fill("Germany")
    page.locator("#a-date").fill("2024-05")
    page.get_by_role("button", name="Add the event").click()
    expect(page).to_have_url(re.compile(r"/review/events/[0-9a-f]{16}\?saved=\d+$"))
    expect(page.locator("h1")).to_have_text("Germany calls for lifting limits on strikes")
    expect(page.locator(".evidence mark")).to_have_text("débat")
    shot(page, "review-added")
