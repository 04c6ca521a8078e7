"""The console in a real browser: the agent's journeys from sign-in to the customer file."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_finds_a_caller_by_phone_and_opens_the_file(page: Page, world: World) -> None:
    # Given Inès, an internal agent, signed in through the login form
    sign_in(page, "ines.internal")
    expect(page.get_by_role("heading", name="Find a customer")).to_be_visible()
    snapshot(page, "1-search")
    # When she types the caller's number as said on the phone and presses Enter
    box = page.get_by_test_id("search-box")
    box.fill("01 42 68 53 00")
    box.press("Enter")
    results = page.get_by_test_id("results")
    expect(results).to_contain_text("Marie Durand")
    snapshot(page, "2-results")
    # And opens the result
    results.get_by_role("link", name="Dupont Industrie").click()
    # Then she sees Dupont Industrie's file: covered, its contract and the allowance left
    expect(page.get_by_test_id("account-name")).to_have_text("Dupont Industrie")
    expect(page.get_by_test_id("coverage")).to_contain_text("Covered by an active contract")
    expect(page.get_by_test_id("contracts")).to_contain_text("C-1001")
    allowance = page.get_by_test_id("allowance")
    expect(allowance).to_contain_text("Major incidents")
    expect(allowance).to_contain_text("2 of 2 left")
    expect(page.get_by_test_id("contacts")).to_contain_text("+33 1 42 68 53 00")
    snapshot(page, "3-file")
    # And "/" takes her back to a search box for the next caller
    page.keyboard.press("/")
    expect(page.get_by_role("search").get_by_role("searchbox")).to_be_focused()


def test_an_agent_switches_the_console_to_french(page: Page, world: World) -> None:
    # Given Inès on Dupont Industrie's file, in English
    sign_in(page, "ines.internal")
    page.goto(f"/customers/{world.dupont.pk}/")
    expect(page.get_by_role("heading", name="Open incidents")).to_be_visible()
    # When she picks French in the language switcher
    page.get_by_test_id("language-switcher").get_by_role("button", name="Français").click()
    # Then the same page speaks French, and stays in French on the next page
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Incidents ouverts")).to_be_visible()
    expect(page.get_by_test_id("allowance")).to_contain_text("reste 2 sur 2")
    expect(page.get_by_test_id("account-name")).to_have_text("Dupont Industrie")
    snapshot(page, "4-file-fr")
    page.get_by_role("link", name="Clients", exact=True).first.click()
    expect(page.get_by_role("heading", name="Rechercher un client")).to_be_visible()


def test_a_partner_agent_does_not_find_a_premier_account(
    page_without_js: Page, world: World
) -> None:
    page = page_without_js
    # Given Paul, an agent of the partner Callwave, in a browser with JavaScript off
    sign_in(page, "paul.partner")
    # When he searches for the premier account Banque Lumière
    box = page.get_by_test_id("search-box")
    box.fill("Lumière")
    box.press("Enter")
    # Then the console finds nothing, and says so
    expect(page.get_by_test_id("no-results")).to_contain_text("No customer matches")
    expect(page.get_by_test_id("results")).to_have_count(0)
    snapshot(page, "5-partner-none")
    # And the account's file, reached by its address, is a friendly "not found" page
    response = page.goto(f"/customers/{world.lumiere.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_test_id("not-found")).to_be_visible()
    snapshot(page, "6-partner-404")
