"""Screen pop over WebSocket: the console of the agent a call rings pops the caller's file.

The sockets are real ASGI connections to ``escalade.asgi.application`` (session cookie,
origin check, auth middleware, consumer, in-memory channel layer). The CTI events are
posted from a thread of the same event loop, as Daphne runs a Django view, so the
message reaches the consumers once the action's transaction has committed. Each
scenario runs in a thread of its own, which opens its own database connection: the
tests are transactional, so the data they set up is committed and visible to it.
"""

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from escalade.asgi import application
from escalade.core.roles import Role
from tests.factories import World
from tests.telephony.conftest import HOTLINE, MARIE_AS_DIALLED, CtiPoster

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5  # seconds a socket may take to receive the pop


def console_socket(user: User | None, *, language: str = "") -> WebsocketCommunicator:
    """A console's WebSocket, with the browser's session cookie when signed in."""
    cookies = []
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    if language:
        cookies.append(f"{settings.LANGUAGE_COOKIE_NAME}={language}")
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    return WebsocketCommunicator(application, "/ws/console/", headers=headers)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run the scenario's event loop from a thread of its own.

    Not the test's thread: once the browser tests have started Playwright, the main
    thread has an event loop of its own, where ``async_to_sync`` may not run.
    """

    def in_thread() -> None:
        try:
            async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(in_thread).result()


def newcall_fields(call_id: str = "pbx-1001", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event": "newCall",
        "from_": MARIE_AS_DIALLED,
        "to": HOTLINE,
        "direction": "in",
        "callId": call_id,
        "user": ["ines.internal"],
    }
    fields.update(extra)
    return fields


def test_the_agents_console_pops_the_callers_file_then_follows_the_call(
    world: World, cti: CtiPoster
) -> None:
    ines = console_socket(world.users[Role.INTERNAL_AGENT])

    async def scenario() -> None:
        # Given Inès with her console open
        connected, _ = await ines.connect()
        assert connected
        # When the PBX rings her with Marie's call
        reply = await sync_to_async(cti)(**newcall_fields())
        assert reply.status == 200
        # Then her console receives Dupont Industrie's file before she answers
        pop = await ines.receive_json_from(timeout=WAIT)
        assert pop["type"] == "screen_pop"
        assert pop["call"]["state"] == "alerting"
        assert pop["call"]["call_id"] == "pbx-1001"
        assert "Dupont Industrie" in pop["html"]
        assert "Marie Durand" in pop["html"]
        assert "Covered by an active contract" in pop["html"]
        assert f"/customers/{world.dupont.pk}/" in pop["html"]
        assert f"/incidents/new/?account={world.dupont.pk}" in pop["html"]
        # When she answers
        await sync_to_async(cti)(event="answer", callId="pbx-1001", user="ines.internal")
        # Then the pop is updated: connected
        update = await ines.receive_json_from(timeout=WAIT)
        assert update["call"]["state"] == "connected"
        assert "Dupont Industrie" in update["html"]
        # And when Marie hangs up, it shows the call has ended
        await sync_to_async(cti)(event="hangup", callId="pbx-1001", cause="normalClearing")
        ended = await ines.receive_json_from(timeout=WAIT)
        assert ended["call"]["state"] == "cleared"
        assert "Normal clearing" in ended["html"]
        await ines.disconnect()

    run(scenario)


def test_another_agents_console_receives_nothing(world: World, cti: CtiPoster) -> None:
    ines = console_socket(world.users[Role.INTERNAL_AGENT])
    sophie = console_socket(world.users[Role.SUPERVISOR])

    async def scenario() -> None:
        # Given Inès and Sophie, both with their console open
        assert (await ines.connect())[0]
        assert (await sophie.connect())[0]
        # When a call rings Inès only
        await sync_to_async(cti)(**newcall_fields())
        # Then Inès's console pops it and Sophie's stays quiet
        assert "Dupont Industrie" in (await ines.receive_json_from(timeout=WAIT))["html"]
        assert await sophie.receive_nothing(timeout=0.5)
        await ines.disconnect()
        await sophie.disconnect()

    run(scenario)


def test_an_unknown_number_pops_a_search_box_with_the_number(world: World, cti: CtiPoster) -> None:
    ines = console_socket(world.users[Role.INTERNAL_AGENT])

    async def scenario() -> None:
        assert (await ines.connect())[0]
        await sync_to_async(cti)(**newcall_fields(call_id="pbx-2", from_="02 99 00 00 01"))
        pop = await ines.receive_json_from(timeout=WAIT)
        assert 'data-testid="pop-search"' in pop["html"]
        assert 'value="02 99 00 00 01"' in pop["html"]
        assert "Dupont" not in pop["html"]
        await ines.disconnect()

    run(scenario)


def test_the_pop_speaks_the_agents_language(world: World, cti: CtiPoster) -> None:
    ines = console_socket(world.users[Role.INTERNAL_AGENT], language="fr")

    async def scenario() -> None:
        assert (await ines.connect())[0]
        await sync_to_async(cti)(**newcall_fields())
        pop = await ines.receive_json_from(timeout=WAIT)
        assert "Incidents ouverts" in pop["html"]
        assert "Appel entrant" in pop["html"]
        await ines.disconnect()

    run(scenario)


def test_a_partner_agent_is_not_shown_a_premier_callers_file(world: World, cti: CtiPoster) -> None:
    paul = console_socket(world.users[Role.PARTNER_AGENT])

    async def scenario() -> None:
        # Given Paul of the partner Callwave, rung (wrongly) with Claire of Banque Lumière
        assert (await paul.connect())[0]
        await sync_to_async(cti)(
            **newcall_fields(call_id="pbx-3", from_="06 12 34 56 78", user=["paul.partner"])
        )
        # Then his pop shows the number to search, never the premier account's file
        pop = await paul.receive_json_from(timeout=WAIT)
        assert "Lumière" not in pop["html"]
        assert "Claire" not in pop["html"]
        assert 'data-testid="pop-search"' in pop["html"]
        await paul.disconnect()

    run(scenario)


@pytest.mark.parametrize("who", ["anonymous", "customer", "superuser without agent"])
def test_sockets_of_anyone_but_agents_are_refused(world: World, who: str) -> None:
    user = {
        "anonymous": None,
        "customer": world.customer_user,
        "superuser without agent": User.objects.create_superuser("root", password="x" * 12),
    }[who]
    socket = console_socket(user)

    async def scenario() -> None:
        connected, _ = await socket.connect()
        assert not connected

    run(scenario)


def test_a_socket_from_another_site_is_refused(world: World) -> None:
    socket = WebsocketCommunicator(
        application, "/ws/console/", headers=[(b"origin", b"https://evil.example")]
    )

    async def scenario() -> None:
        connected, _ = await socket.connect()
        assert not connected

    run(scenario)
