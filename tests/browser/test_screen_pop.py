"""Screen pop in a real browser: a call posted by the PBX bridge pops on the agent's console.

pytest-django's ``live_server`` is WSGI and cannot carry a WebSocket, so these tests run
Daphne itself (the server ``manage.py runserver`` runs) in a thread of the test process,
serving ``escalade.asgi.application`` with the static files. Being in the same process,
it uses the test database whatever it is (SQLite in memory or PostgreSQL) and the
in-memory channel layer the CTI view and the consumers share, exactly as in production
with one process. Twisted's reactor runs once per process, so the server lives for the
whole session.
"""

import json
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from daphne.server import Server
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections
from playwright.sync_api import Browser, Page, expect
from twisted.internet import reactor

from escalade.asgi import application
from escalade.contactcenter.models import AcdState, AgentPresence
from escalade.contactcenter.service import service
from escalade.core.actions import do_create_api_token
from escalade.core.roles import Role
from tests.browser.conftest import open_page, sign_in, snapshot
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: None) -> Iterator[str]:
    """Daphne serving the ASGI application on a free port of 127.0.0.1.

    Its worker threads close their database connections after each request or consumer
    call (no persistent connections), so that none is left open on the test database
    when pytest-django drops it.
    """
    database = connections["default"].settings_dict
    kept_age = database.get("CONN_MAX_AGE", 0)
    database["CONN_MAX_AGE"] = 0
    port = _free_port()
    server = Server(
        ASGIStaticFilesHandler(application),
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
        verbosity=0,
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("Daphne did not start.")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    reactor.callFromThread(server.stop)
    thread.join(timeout=10)
    database["CONN_MAX_AGE"] = kept_age


@pytest.fixture
def asgi_page(chromium: Browser, asgi_server: str) -> Iterator[Page]:
    page, context = open_page(chromium, asgi_server, javascript=True)
    yield page
    context.close()


def post_cti(base_url: str, token: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The PBX bridge's POST, form-encoded, through the server."""
    body = urllib.parse.urlencode(fields, doseq=True).encode()
    request = urllib.request.Request(
        f"{base_url}/api/cti/events",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def test_the_callers_file_pops_on_the_agents_console_without_reloading(
    asgi_page: Page, asgi_server: str, world: World
) -> None:
    page = asgi_page
    supervisor = world.users[Role.SUPERVISOR]
    _, token = do_create_api_token(actor=supervisor, user=supervisor, name="PBX bridge")
    # Given Inès, an internal agent, signed in with her console open
    sign_in(page, "ines.internal")
    expect(page.get_by_role("heading", name="Find a customer")).to_be_visible()
    # (her console's live link is up)
    expect(page.locator("html")).to_have_attribute("data-screen-pop", "connected")
    page.evaluate("window.escaladeNotReloaded = true")
    pop = page.get_by_test_id("screen-pop")
    expect(pop).to_be_hidden()
    # When the PBX reports Marie's call for her
    reply = post_cti(
        asgi_server,
        token,
        {
            "event": "newCall",
            "from": "01 42 68 53 00",
            "to": "+33 1 70 36 00 00",
            "direction": "in",
            "callId": "browser-1",
            "user[]": ["ines.internal"],
        },
    )
    assert reply["caller"]["account"]["name"] == "Dupont Industrie"
    # Then the caller's file pops within seconds, on the same page
    expect(pop).to_be_visible(timeout=5_000)
    expect(pop).to_contain_text("Dupont Industrie")
    expect(pop).to_contain_text("Marie Durand")
    expect(pop.get_by_test_id("pop-coverage")).to_contain_text("Covered by an active contract")
    expect(pop.get_by_test_id("pop-state")).to_contain_text("Ringing")
    assert page.evaluate("window.escaladeNotReloaded") is True
    snapshot(page, "7-screen-pop")
    # When she answers, the pop follows the call
    post_cti(
        asgi_server,
        token,
        {"event": "answer", "callId": "browser-1", "user": "ines.internal", "direction": "in"},
    )
    expect(pop.get_by_test_id("pop-state")).to_contain_text("Connected")
    expect(pop).to_contain_text("Answered by Inès Martin")
    # And the pop's link opens the full customer file
    pop.get_by_test_id("pop-file").click()
    expect(page.get_by_test_id("account-name")).to_have_text("Dupont Industrie")


def test_an_agent_consults_l2_from_the_pop_then_takes_the_caller_back(
    asgi_page: Page, asgi_server: str, world: World
) -> None:
    page = asgi_page
    supervisor = world.users[Role.SUPERVISOR]
    _, token = do_create_api_token(actor=supervisor, user=supervisor, name="PBX bridge")
    paul = world.users[Role.PARTNER_AGENT].agent
    ines = world.users[Role.INTERNAL_AGENT].agent
    # Given Paul (L1) signed in, available, and Inès (L2) logged in to the ACD
    sign_in(page, "paul.partner")
    expect(page.locator("html")).to_have_attribute("data-screen-pop", "connected")
    service.set_agent_state(agent=paul, state=AcdState.AVAILABLE)
    service.set_agent_state(agent=ines, state=AcdState.AVAILABLE)
    # When Marie's call reaches the L1 queue and the ACD gives it to Paul, who answers
    post_cti(
        asgi_server,
        token,
        {
            "event": "newCall",
            "from": "01 42 68 53 00",
            "to": "+33 1 70 36 00 00",
            "direction": "in",
            "callId": "browser-xfer",
            "queue": world.l1_queue.name,
        },
    )
    post_cti(
        asgi_server, token, {"event": "answer", "callId": "browser-xfer", "user": "paul.partner"}
    )
    pop = page.get_by_test_id("screen-pop")
    expect(pop.get_by_test_id("pop-state")).to_contain_text("Connected")
    # Then the pop offers the transfer form; he consults Inès
    form = pop.get_by_test_id("transfer-form")
    expect(form).to_be_visible()
    form.get_by_label("Consult first: talk to the target, then hand over").check()
    form.get_by_label("Transfer to").select_option(label=f"{ines} · Available · Paris")
    form.get_by_test_id("transfer-submit").click()
    consultation = pop.get_by_test_id("consultation")
    expect(consultation).to_contain_text("Ringing Inès Martin; the caller is on hold.")
    snapshot(page, "8-consultation")
    # When he cancels, he has Marie back and may transfer again
    consultation.get_by_test_id("transfer-cancel").click()
    expect(pop.get_by_test_id("call-panel-done")).to_contain_text("You have the caller back.")
    expect(pop.get_by_test_id("transfer-form")).to_be_visible()
    assert AgentPresence.objects.get(agent=ines).state == AcdState.AVAILABLE
