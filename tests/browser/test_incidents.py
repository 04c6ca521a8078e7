"""Incidents in a real browser: from the customer file to intake, diagnosis and escalation,
then the next tier picking the case up with its whole file."""

import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import open_page, sign_in, snapshot
from tests.factories import World
from tests.incidents.conftest import Routes, next_tuesday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tuesday_morning() -> Iterator[None]:
    """A working Tuesday, 10:00 in Paris, with the clock ticking (the server's clock only)."""
    with time_machine.travel(next_tuesday(10), tick=True):
        yield


def test_an_agent_opens_diagnoses_and_escalates_then_l2_sees_the_file(
    page: Page,
    chromium: Browser,
    live_server: LiveServer,
    world: World,
    routes: Routes,
    tuesday_morning: None,
) -> None:
    # Given Inès, an internal agent, on Dupont Industrie's file
    sign_in(page, "ines.internal")
    box = page.get_by_test_id("search-box")
    box.fill("Dupont Industrie")
    box.press("Enter")
    page.get_by_test_id("results").get_by_role("link", name="Dupont Industrie").click()
    expect(page.get_by_test_id("account-name")).to_have_text("Dupont Industrie")
    # When she opens a new incident for Marie Durand's call
    page.get_by_role("link", name="New incident").click()
    expect(page.get_by_role("heading", name="New incident")).to_be_visible()
    expect(page.get_by_label("First name")).to_be_hidden()  # only for a new caller
    page.get_by_label("Contact").select_option(label="Marie Durand")
    expect(page.get_by_label("Product (PID)")).to_have_value(str(world.dupont_licence.pk))
    page.get_by_label("Severity").select_option("2")
    page.get_by_label("Channel").select_option("phone")
    page.get_by_label("Title").fill("Orbit server does not start after upgrade")
    page.get_by_label("Description").fill("Service fails with error 1067 since 7.2.")
    page.get_by_label("Identity verified").check()
    page.get_by_label("Method").fill("Security question")
    snapshot(page, "incident-1-intake")
    page.get_by_role("button", name="Open the incident").click()
    # Then she is on the incident's page, its first-response clock counting down
    expect(page.get_by_test_id("message")).to_contain_text("opened")
    expect(page.get_by_test_id("incident-title")).to_have_text(
        "Orbit server does not start after upgrade"
    )
    expect(page.get_by_test_id("incident-queue")).to_have_text("FR L1 Callwave · L1")
    countdown = page.get_by_test_id("clock").first.locator("time.countdown")
    expect(countdown).to_contain_text("left")
    snapshot(page, "incident-2-page")
    # When she records what she checked
    diagnostic = page.get_by_test_id("action-diagnostic")
    diagnostic.get_by_label("What was checked or tried").fill("Restarted with logging on")
    diagnostic.get_by_label("Outcome").fill("Error 1067 again")
    diagnostic.get_by_role("button", name="Record the step").click()
    expect(page.get_by_test_id("message")).to_have_text("Diagnostic step recorded.")
    expect(page.get_by_test_id("timeline")).to_contain_text("Outcome: Error 1067 again")
    # And escalates the case
    escalate = page.get_by_test_id("action-escalate")
    escalate.locator("summary").click()
    escalate.get_by_label("Reason").fill("Needs a specialist")
    escalate.get_by_role("button", name="Escalate").click()
    expect(page.get_by_test_id("message")).to_have_text("Moved to Paris L2 (L2).")
    expect(page.get_by_test_id("escalation-path")).to_contain_text("Paris L2")
    snapshot(page, "incident-3-escalated")

    # Then Sophie, supervisor at L2, finds it in the Paris L2 queue, with the step done at L1
    l2, context = open_page(chromium, live_server.url, javascript=True)
    try:
        sign_in(l2, "sophie.supervisor")
        l2.get_by_test_id("nav-queue").click()
        l2.get_by_label("Queue").select_option(label="Paris L2 · L2 · Paris")
        rows = l2.get_by_test_id("case-row")
        expect(rows).to_have_count(1)
        snapshot(l2, "incident-4-queue")
        rows.get_by_role("link", name="INC-").click()
        timeline = l2.get_by_test_id("timeline")
        expect(timeline).to_contain_text("Restarted with logging on")
        expect(timeline).to_contain_text("Needs a specialist")
        expect(l2.get_by_test_id("action-take")).to_be_visible()
        # And the page speaks French when she switches
        l2.get_by_test_id("language-switcher").get_by_role("button", name="Français").click()
        expect(l2.get_by_role("heading", name="Chronologie")).to_be_visible()
        snapshot(l2, "incident-5-l2-fr")
    finally:
        context.close()


def test_intake_works_without_javascript_for_a_new_caller(
    page_without_js: Page, world: World, routes: Routes, tuesday_morning: None
) -> None:
    page = page_without_js
    # Given Paul of Callwave on the intake form, JavaScript off
    sign_in(page, "paul.partner")
    page.goto(f"/incidents/new/?account={world.dupont.pk}")
    # When a caller not on file rings and he records them with the case
    page.get_by_label("Contact").select_option("new")
    page.get_by_label("First name").fill("Luc")
    page.get_by_label("Last name").fill("Girard")
    page.get_by_label("Title").fill("Cannot log in to the console")
    page.get_by_label("Severity").select_option("3")
    page.get_by_role("button", name="Open the incident").click()
    # Then the case is open for Luc Girard, in Callwave's queue
    expect(page.get_by_test_id("incident-title")).to_have_text("Cannot log in to the console")
    expect(page.locator(".facts")).to_contain_text("Luc Girard")
    countdown = page.get_by_test_id("clock").first.locator("time.countdown")
    expect(countdown).to_have_text(re.compile(r"^(6 h|5 h 59 min) left$"))
