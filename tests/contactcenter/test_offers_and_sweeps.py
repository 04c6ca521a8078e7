"""What an agent's console hears when a ringing offer stops, callbacks left dialling by a
dead process, and routing edited in the admin reaching every process at once."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from escalade.contactcenter.dialer import SimulatedDialer
from escalade.contactcenter.models import (
    AcdState,
    CallbackStatus,
    ContactState,
    QueueRouting,
    RoutingVersion,
    WaitingContact,
)
from escalade.contactcenter.service import AcdService, service
from escalade.contactcenter.worker import CallbackSweeper
from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.network.models import Skill
from tests.contactcenter.conftest import Floor
from tests.telephony.test_screen_pop import WAIT, console_socket, run


class ProcessKilled(BaseException):
    """The worker process dies (kill -9) while the dialer places a call."""


async def next_pop(socket: Any, state: str) -> dict[str, Any]:
    """The first pop received in this state (earlier updates are skipped)."""
    while True:
        pop: dict[str, Any] = await socket.receive_json_from(timeout=WAIT)
        if pop["call"]["state"] == state:
            return pop


# --- (a) the rung agent's console hears that the offer stopped ----------------------------


@pytest.mark.django_db(transaction=True)
def test_a_ring_timeout_clears_the_pop_of_the_agent_who_did_not_answer(floor: Floor) -> None:
    # Given Marie's call ringing Paul, whose console is open
    floor.available(floor.paul)
    paul = console_socket(floor.paul.user)

    async def scenario() -> None:
        assert (await paul.connect())[0]
        await sync_to_async(floor.call)("pbx-1")
        assert (await next_pop(paul, "alerting"))["call"]["number"]
        # When he lets it ring past the queue's ring timeout (20 s)
        await sync_to_async(floor.later)(21)
        # Then his console is told: the offer ended, no answer (the call waits on)
        pop = await next_pop(paul, "cleared")
        assert "No answer" in pop["html"]
        await paul.disconnect()

    run(scenario)
    assert floor.state(floor.paul).reason == "no_answer"
    assert WaitingContact.objects.get().state == ContactState.WAITING


@pytest.mark.django_db(transaction=True)
def test_the_agent_rung_hears_when_another_agent_took_the_call(floor: Floor) -> None:
    # Given Marie's call ringing Paul (the ACD's choice), Léa beside him
    floor.available(floor.paul)
    paul = console_socket(floor.paul.user)

    async def scenario() -> None:
        assert (await paul.connect())[0]
        await sync_to_async(floor.call)("pbx-1")
        await next_pop(paul, "alerting")
        # When Léa picks the call up at the PBX
        await sync_to_async(floor.answer)("pbx-1", floor.lea)
        # Then Paul's pop ends: answered by another agent
        pop = await next_pop(paul, "cleared")
        assert "Answered by another agent" in pop["html"]
        await paul.disconnect()

    run(scenario)
    assert floor.state(floor.paul).state == AcdState.AVAILABLE


# --- (e) a transfer target rings, whatever the caller's hold ------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_transfer_target_sees_the_call_ringing_not_on_hold(floor: Floor) -> None:
    floor.available(floor.paul)
    floor.call("pbx-1")
    call = floor.answer("pbx-1", floor.paul)
    floor.available(floor.ines)
    ines = console_socket(floor.ines.user)
    client = Client()
    client.force_login(floor.paul.user)

    async def scenario() -> None:
        assert (await ines.connect())[0]
        await sync_to_async(client.post)(
            f"/calls/{call.pk}/transfer/", {"mode": "blind", "target": f"queue:{floor.l2.pk}"}
        )
        pop = await ines.receive_json_from(timeout=WAIT)
        assert pop["call"]["state"] == "alerting"
        assert "Ringing" in pop["html"]
        assert "On hold" not in pop["html"]
        await ines.disconnect()

    run(scenario)


# --- (b) callbacks left dialling by a process that died -----------------------------------


def test_a_callback_left_dialling_by_a_dead_worker_goes_back_in_line_at_its_place(
    floor: Floor, dialer: SimulatedDialer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Marie's callback requested, then a caller behind her
    callback = service.request_callback(queue=floor.l1, number="+33142685300")
    floor.later(30)
    floor.call("pbx-2", number="+33 1 40 00 00 02")
    # When Paul is reserved for it and the worker dies while the dialer places the call
    floor.available(floor.paul)

    def killed(**kwargs: Any) -> str:
        raise ProcessKilled

    monkeypatch.setattr(dialer, "place_call", killed)
    with pytest.raises(ProcessKilled):
        floor.later(1)
    monkeypatch.undo()
    callback.refresh_from_db()
    assert (callback.status, callback.dial_reference) == (CallbackStatus.DIALING, "")
    # Then a minute later it is still dialling: the dialer may be slow
    assert CallbackSweeper().run_once(timezone.now() + timedelta(seconds=60)) == 0
    # But once the dial timeout (120 s) passed, the sweeper puts it back in line
    floor.clock.shift(121)
    assert CallbackSweeper().run_once(timezone.now()) == 1
    callback.refresh_from_db()
    assert (callback.status, callback.agent) == (CallbackStatus.REQUESTED, None)
    row = WaitingContact.objects.get(callback=callback)
    assert row.arrival == callback.original_arrival  # its place kept
    assert AuditEntry.objects.filter(action="acd_callback_requeued").exists()
    # And when Paul is free again, the callback comes before the later caller
    floor.later(31)
    callback.refresh_from_db()
    assert callback.status in (CallbackStatus.RESERVED, CallbackStatus.DIALING)
    assert callback.agent == floor.paul
    assert floor.ringing("pbx-2") is None


def test_a_callback_the_dialer_placed_keeps_dialling(floor: Floor, dialer: SimulatedDialer) -> None:
    callback = service.request_callback(queue=floor.l1, number="+33142685300")
    floor.available(floor.paul)
    floor.later(1)
    floor.clock.shift(600)  # a long call
    assert CallbackSweeper().run_once(timezone.now()) == 0
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DIALING


# --- (c) routing edited in the admin reaches every process --------------------------------


def test_editing_a_queues_routing_in_the_admin_rebuilds_every_router(
    floor: Floor, admin_user: User
) -> None:
    # Given another process (its own router) that decided recently
    floor.routing(floor.l1, strategy="longest_idle")
    other = AcdService()
    floor.available(floor.paul)
    other.expected_wait(floor.l1)
    rebuilds = other.rebuilds
    version = RoutingVersion.objects.get().version
    # When an administrator changes the queue's strategy in the Django admin
    routing = QueueRouting.objects.get(queue=floor.l1)
    client = Client()
    client.force_login(admin_user)
    form = client.get(f"/admin/contactcenter/queuerouting/{routing.pk}/change/")
    assert form.status_code == 200
    data = {
        key: value
        for key, value in form.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update({"queue": floor.l1.pk, "strategy": "fewest_calls", "overflow": "[]"})
    response = client.post(f"/admin/contactcenter/queuerouting/{routing.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Then the routing version moved: the other process rebuilds at once
    assert RoutingVersion.objects.get().version > version
    other.expected_wait(floor.l1)
    assert other.rebuilds == rebuilds + 1
    assert AuditEntry.objects.filter(action="acd_routing_changed").exists()


def test_deleting_a_queues_routing_in_the_admin_bumps_the_version(
    floor: Floor, admin_user: User
) -> None:
    floor.routing(floor.l1, strategy="round_robin")
    routing = QueueRouting.objects.get(queue=floor.l1)
    version = RoutingVersion.objects.get().version
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        f"/admin/contactcenter/queuerouting/{routing.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert RoutingVersion.objects.get().version > version


# --- registry edits reach every router ----------------------------------------------------


def test_a_queue_needing_a_new_skill_in_the_registry_rebuilds_every_router(
    floor: Floor,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given another process whose router was built a moment ago
    other = AcdService()
    floor.available(floor.paul)
    other.expected_wait(floor.l1)
    rebuilds = other.rebuilds
    version = RoutingVersion.objects.get().version
    # When an administrator makes the L1 queue require a skill, through the registry API
    nova = Skill.objects.get(code="NOVA")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(Role.ADMINISTRATOR).patch(
            f"/api/network/queues/{floor.l1.pk}",
            {"required_skills": [floor.orbit.pk, nova.pk]},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    # Then the version moved, and the other process rebuilds at its next decision
    assert RoutingVersion.objects.get().version > version
    other.expected_wait(floor.l1)
    assert other.rebuilds == rebuilds + 1
