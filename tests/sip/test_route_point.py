"""End to end: a customer's phone, Kamailio, Escalade and two agents' phones on loopback.

Real Kamailio (``deploy/kamailio/kamailio.cfg``) and real sipp phones; Escalade served
over HTTP from the event loop of the agents' console sockets (see ``harness``). The agents
log in to the ACD with their phones' extensions. Marie Durand calls the L1 support
number: Kamailio asks Escalade, which records the call and offers it to the ACD, which
rings Paul (Callwave L1), whose console pops Dupont Industrie's file; Paul's phone
answers (dialog start), Paul links the call to Marie's incident, and his phone transfers
the call to the L2 number (REFER through Kamailio): the ACD rings Inès (Paris L2), whose
console pops the call with the incident, and Escalade answers the Refer-To with the
call's data in a User-to-User header. Marie's phone calls L2 with it (a second dialog,
which joins the same call); Inès's phone answers; Paul's phone hangs up (the call goes
on); Marie hangs up with Inès (the call ends).
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from escalade.asgi import application
from escalade.contactcenter.models import AgentPresence
from escalade.contactcenter.service import service
from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.incidents.models import EntryKind, TimelineEntry
from escalade.network.models import Queue
from escalade.telephony import sip
from escalade.telephony.models import Call, Cause, State
from escalade.telephony.sip import SOURCE, decode_uui
from tests.factories import World
from tests.sip.conftest import EXTENSIONS, L1_NUMBER, L2_NUMBER, MARIE, LogIn
from tests.sip.harness import AsgiHttpServer, HarnessError, Kamailio, Sipp, tail
from tests.telephony.test_calls import an_incident
from tests.telephony.test_screen_pop import console_socket

pytestmark = pytest.mark.django_db(transaction=True)

POP = 10  # seconds a console may take to receive a pop
PHONES = 25  # seconds the whole SIP exchange may take


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """The scenario's event loop in a thread of its own (see tests/telephony)."""

    def in_thread() -> None:
        try:
            async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(in_thread).result()


async def next_pop(console: WebsocketCommunicator, who: str, state: str) -> dict[str, Any]:
    """The next screen pop of this console showing the call in ``state``."""
    deadline = time.monotonic() + POP
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            pop: dict[str, Any] = await console.receive_json_from(
                timeout=max(0.1, deadline - time.monotonic())
            )
        except TimeoutError:
            break
        seen.append(str(pop.get("call", {}).get("state")))
        if pop.get("call", {}).get("state") == state:
            return pop
    raise AssertionError(f"{who}'s console got no {state} pop in {POP} s (got: {seen or 'none'})")


class Lab:
    """Escalade over HTTP, Kamailio and the phones of one test; consoles of its agents."""

    def __init__(
        self, workdir: Path, token: str, consoles: dict[str, WebsocketCommunicator]
    ) -> None:
        self.workdir = workdir
        self.token = token
        self.server = AsgiHttpServer(application)
        self.kamailio = Kamailio(workdir=workdir, escalade_url="", token=token)
        self.consoles = consoles
        self.phones: list[Sipp] = []

    async def __aenter__(self) -> "Lab":
        await self.server.start()
        self.kamailio.escalade_url = self.server.url
        for name, console in self.consoles.items():
            assert (await console.connect())[0], f"{name}'s console was refused"
        self.kamailio.start()
        return self

    async def __aexit__(self, kind: Any, error: Any, trace: Any) -> None:
        for sipp in self.phones:
            sipp.stop()
        self.kamailio.stop()
        await self.server.stop()
        for console in self.consoles.values():
            # A console whose wait timed out was stopped by channels' communicator.
            with contextlib.suppress(BaseException):
                await console.disconnect()
        if error is not None and not isinstance(error, HarnessError):
            # Say what the phones and the proxy saw.
            logs = "\n".join([*(p.report() for p in self.phones), tail(self.kamailio.log, 60)])
            raise AssertionError(f"{error}\n{logs}") from error

    def phone(self, name: str, scenario: str, **kwargs: Any) -> Sipp:
        sipp = Sipp(
            name=name,
            scenario=scenario,
            proxy=self.kamailio.address,
            workdir=self.workdir,
            **kwargs,
        )
        self.phones.append(sipp)
        return sipp

    async def agent_phone(self, user: User, scenario: str, **kwargs: Any) -> Sipp:
        """An agent's phone, registered with the proxy under the agent's extension."""
        extension = EXTENSIONS[user.username]
        sipp = self.phone(user.username, scenario, service=extension, **kwargs)
        registration = self.phone(f"{user.username}-register", "register.xml", service=extension)
        registration.port = sipp.allocate_port()
        await sync_to_async(registration.run, thread_sensitive=False)()
        return sipp

    async def pop(self, name: str, state: str) -> dict[str, Any]:
        return await next_pop(self.consoles[name], name, state)

    async def finish(self, *phones: Sipp) -> None:
        for sipp in phones:
            await sipp.wait_async(PHONES)


def test_a_call_is_routed_answered_and_transferred_with_its_incident(
    sip_binaries: dict[str, str],
    world: World,
    proxy_token: str,
    numbers: dict[str, str],
    log_in: LogIn,
    tmp_path: Path,
) -> None:
    incident = an_incident(world)
    assert incident.number is not None
    paul = world.users[Role.PARTNER_AGENT]  # Callwave L1, Lille
    ines = world.users[Role.INTERNAL_AGENT]  # Paris L2
    log_in(paul)
    log_in(ines)
    paul_api = Client()
    paul_api.force_login(paul)
    consoles = {"Paul": console_socket(paul), "Inès": console_socket(ines)}
    started = time.monotonic()

    async def scenario() -> None:
        async with Lab(tmp_path, proxy_token, consoles) as lab:
            # Paul's phone transfers to the L2 number 3 s after answering; Inès's answers
            paul_phone = await lab.agent_phone(
                paul, "agent_transfers.xml", keys={"target": L2_NUMBER}, pause_ms=3000
            )
            ines_phone = await lab.agent_phone(ines, "agent_answers.xml")
            paul_phone.start()
            ines_phone.start()
            # When Marie calls the L1 number
            marie = lab.phone(
                "marie",
                "caller_transferred.xml",
                service=L1_NUMBER,
                keys={"caller": MARIE, "caller_name": "Marie Durand"},
                pause_ms=1000,
            )
            marie.start()

            # Then the ACD rings Paul, whose console pops Dupont Industrie's file
            ringing = await lab.pop("Paul", "alerting")
            assert "Dupont Industrie" in ringing["html"]
            assert "Marie Durand" in ringing["html"]
            call_id = ringing["call"]["id"]
            # And shows him connected once his phone answers
            await lab.pop("Paul", "connected")
            # Paul links the call to Marie's incident (before his phone transfers it)
            linked = await sync_to_async(paul_api.post)(
                f"/api/calls/{call_id}/incident",
                {"incident": incident.pk},
                content_type="application/json",
            )
            assert linked.status_code == 200, linked.content
            assert not paul_phone.finished(), "Paul's phone transferred before the incident"

            # When his phone transfers the call, the caller holds and the ACD rings Inès,
            # whose console opens the call with the incident it carries
            await lab.pop("Paul", "held")
            # (her pop shows her own leg: ringing, while the caller holds)
            transferred = await lab.pop("Inès", "alerting")
            assert transferred["call"]["id"] == call_id
            assert incident.number in transferred["html"]
            assert "this call" in transferred["html"]
            assert "Dupont Industrie" in transferred["html"]
            # Marie's phone follows the REFER; Inès's phone answers
            await lab.pop("Inès", "connected")
            # And Marie hangs up at the end of her talk with Inès
            await lab.pop("Inès", "cleared")
            await lab.finish(marie, paul_phone, ines_phone)

    run(scenario)
    elapsed = time.monotonic() - started

    call = Call.objects.get(source=SOURCE)
    # One call: Paul answered, linked the incident and transferred it; Inès took it over
    assert call.queue == world.l1_queue
    assert call.account == world.dupont
    assert call.contact == world.marie
    assert call.incident == incident
    assert call.agent is not None
    assert call.agent.user == ines
    assert call.state == State.CLEARED
    assert call.cause == Cause.NORMAL_CLEARING
    legs = {
        leg.agent.user.username: leg
        for leg in call.connections.filter(party="agent").select_related("agent__user")
        if leg.agent is not None
    }
    assert legs["paul.partner"].cause == Cause.FORWARDED
    assert legs["paul.partner"].connected_at is not None
    assert legs["ines.internal"].connected_at is not None
    kinds = [event.kind for event in call.events.all()]
    assert kinds[:4] == ["offered", "alerting", "answered", "incident"]
    assert kinds[-1] == "ended"
    # The second dialog joined the call, carrying the attached data
    joined = call.events.get(key__startswith=f"route:xfer///{call.external_id}").payload
    assert decode_uui(joined["user_to_user"]).call == call.pk
    assert decode_uui(joined["user_to_user"]).incident == incident.number
    assert joined["user_to_user"].endswith(";encoding=hex")
    assert call.events.get(kind="answered", key__contains="xfer///").payload["agent"] == (
        "ines.internal"
    )
    assert AuditEntry.objects.filter(action="call_transferred").count() == 1
    # The call is on the incident's timeline
    assert TimelineEntry.objects.filter(incident=incident, kind=EntryKind.CALL).count() == 1
    assert elapsed < 60, f"The SIP scenario took {elapsed:.1f} s"


def test_a_phone_that_does_not_answer_passes_the_call_to_the_next_agent(
    sip_binaries: dict[str, str],
    world: World,
    proxy_token: str,
    numbers: dict[str, str],
    l2_queue: Queue,
    log_in: LogIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sip, "WAIT_SECONDS", 1)
    # A long ring timeout: the busy phone must pass the call on without waiting for it.
    service.configure_queue(queue=l2_queue, changes={"ring_timeout_seconds": 120})
    ines = world.users[Role.INTERNAL_AGENT]
    sophie = world.users[Role.SUPERVISOR]
    log_in(ines)
    consoles = {"Inès": console_socket(ines), "Sophie": console_socket(sophie)}

    async def scenario() -> None:
        async with Lab(tmp_path, proxy_token, consoles) as lab:
            # Given Inès's phone busy (486); Sophie not logged in yet
            ines_phone = await lab.agent_phone(ines, "agent_busy.xml")
            sophie_phone = await lab.agent_phone(sophie, "agent_answers.xml")
            ines_phone.start()
            sophie_phone.start()
            # When Marie calls the L2 number, the ACD rings Inès, whose phone is busy
            marie = lab.phone(
                "marie",
                "caller_hangs_up.xml",
                service=L2_NUMBER,
                keys={"caller": MARIE, "caller_name": "Marie Durand"},
                pause_ms=500,
            )
            marie.start()
            await lab.pop("Inès", "alerting")
            # And Sophie logs in meanwhile
            await sync_to_async(log_in)(sophie)
            # Then, at once (no ring timeout), the ACD rings Sophie, who answers
            assert "Dupont Industrie" in (await lab.pop("Sophie", "alerting"))["html"]
            await lab.pop("Sophie", "connected")
            await lab.pop("Sophie", "cleared")
            await lab.finish(marie, ines_phone, sophie_phone)

    run(scenario)

    call = Call.objects.get(source=SOURCE)
    assert call.agent is not None
    assert call.agent.user == sophie
    assert call.state == State.CLEARED
    assert call.cause == Cause.NORMAL_CLEARING
    legs = {
        leg.agent.user.username: leg
        for leg in call.connections.filter(party="agent").select_related("agent__user")
        if leg.agent is not None
    }
    assert legs["ines.internal"].cause == Cause.NO_ANSWER
    assert legs["sophie.supervisor"].connected_at is not None
    assert AgentPresence.objects.get(agent__user=ines).reason == "no_answer"


def test_a_caller_waits_while_nobody_is_available_then_gets_the_first_agent_who_is(
    sip_binaries: dict[str, str],
    world: World,
    proxy_token: str,
    numbers: dict[str, str],
    log_in: LogIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sip, "WAIT_SECONDS", 1)
    paul = world.users[Role.PARTNER_AGENT]  # the only L1 agent, not logged in yet
    consoles = {"Paul": console_socket(paul)}

    async def scenario() -> None:
        async with Lab(tmp_path, proxy_token, consoles) as lab:
            paul_phone = await lab.agent_phone(paul, "agent_answers.xml")
            paul_phone.start()
            # When Marie calls the L1 number, she is told to wait (182 Queued)
            marie = lab.phone(
                "marie",
                "caller_hangs_up.xml",
                service=L1_NUMBER,
                keys={"caller": MARIE, "caller_name": "Marie Durand"},
                pause_ms=300,
            )
            marie.start()
            await until("Marie's call to wait in the queue", lambda: waiting(marie))
            # And when Paul logs in, the ACD rings him; Kamailio's next ask finds his phone
            await sync_to_async(log_in)(paul)
            assert "Dupont Industrie" in (await lab.pop("Paul", "alerting"))["html"]
            await lab.pop("Paul", "connected")
            await lab.pop("Paul", "cleared")
            await lab.finish(marie, paul_phone)

    run(scenario)

    call = Call.objects.get(source=SOURCE)
    assert call.state == State.CLEARED
    assert call.wait_seconds is not None
    assert call.wait_seconds >= 1
    assert call.agent is not None
    assert call.agent.user == paul


def waiting(marie: Sipp) -> bool:
    """Marie's phone got 182 Queued, and her call waits in Escalade."""
    messages = marie.workdir / f"{marie.name}.messages"
    queued = messages.exists() and "SIP/2.0 182 Queued" in messages.read_text(errors="replace")
    return queued and Call.objects.filter(source=SOURCE, state=State.OFFERED).exists()


async def until(what: str, check: Callable[[], bool], timeout: float = POP) -> None:
    deadline = time.monotonic() + timeout
    while not await sync_to_async(check)():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")
        await asyncio.sleep(0.05)
