"""Transfers: a call handed on to a queue, an agent or a site, voice and incident together."""

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from escalade.contactcenter.models import (
    AcdState,
    ContactState,
    Transfer,
    TransferState,
    WaitingContact,
)
from escalade.core.roles import Role
from escalade.telephony.models import CallConnection, State
from tests.contactcenter.conftest import Floor, an_incident
from tests.telephony.test_screen_pop import WAIT, console_socket, run

Api = Callable[..., tuple[int, Any]]


def the_call_id() -> int:
    call_id = WaitingContact.objects.get().call_id
    assert call_id is not None
    return call_id


def paul_has_marie_on_the_line(floor: Floor) -> None:
    floor.available(floor.paul)
    floor.call("pbx-1")
    floor.answer("pbx-1", floor.paul)
    floor.later(90)


def test_a_blind_transfer_to_l2_takes_the_incident_to_the_next_agent(
    floor: Floor, api_as: Api
) -> None:
    # Given Paul (L1) on Marie's call about an open incident, and Inès (L2) available
    paul_has_marie_on_the_line(floor)
    incident = an_incident(floor.world)
    floor.available(floor.ines)
    call_id = the_call_id()
    # When Paul transfers the call to the Paris L2 queue with the incident
    status, body = api_as(
        floor.paul.user,
        "POST",
        f"/calls/{call_id}/transfer",
        {"queue": floor.l2.pk, "incident": incident.pk},
    )
    assert status == 200, body
    assert (body["consultative"], body["incident_id"]) == (False, incident.pk)
    # Then the call carries the incident, holds for Inès, whose line rings
    call = floor.ringing("pbx-1")
    assert call == floor.ines
    row = WaitingContact.objects.get()
    assert row.call is not None
    assert (row.call.incident, row.call.state, row.queue) == (incident, State.HELD, floor.l2)
    # And Paul is released at once: his leg is forwarded, he wraps up
    assert floor.state(floor.paul).state == AcdState.WRAP_UP
    paul_leg = CallConnection.objects.get(call=row.call, agent=floor.paul)
    assert (paul_leg.state, paul_leg.cause) == (State.CLEARED, "forwarded")
    # When Inès answers, she has the caller; the first answer's time is kept
    answered_at = row.call.answered_at
    call_now = floor.answer("pbx-1", floor.ines)
    assert (call_now.state, call_now.agent, call_now.answered_at) == (
        State.CONNECTED,
        floor.ines,
        answered_at,
    )
    assert floor.state(floor.ines).state == AcdState.ON_CALL
    transfer = Transfer.objects.get()
    assert (transfer.state, transfer.answered_by) == (TransferState.COMPLETED, floor.ines)
    # And when Marie hangs up, Inès wraps up
    floor.hang_up("pbx-1")
    assert floor.state(floor.ines).state == AcdState.WRAP_UP
    assert not WaitingContact.objects.exists()


def test_a_consultative_transfer_keeps_the_first_agent_until_the_target_answers(
    floor: Floor, api_as: Api
) -> None:
    # Given Paul on Marie's call, Inès available
    paul_has_marie_on_the_line(floor)
    floor.available(floor.ines)
    call_id = the_call_id()
    # When Paul consults Inès by name
    status, body = api_as(
        floor.paul.user,
        "POST",
        f"/calls/{call_id}/transfer",
        {"agent": "ines.internal", "consultative": True},
    )
    assert status == 200, body
    # Then Inès rings while Paul stays on the call (the caller on hold)
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    assert floor.state(floor.ines).state == AcdState.RESERVED
    paul_leg = CallConnection.objects.get(call_id=call_id, agent=floor.paul)
    assert paul_leg.state == State.HELD
    # When Inès answers, Paul's part ends and he wraps up
    floor.later(10)
    floor.answer("pbx-1", floor.ines)
    assert floor.state(floor.paul).state == AcdState.WRAP_UP
    assert floor.state(floor.ines).state == AcdState.ON_CALL
    paul_leg.refresh_from_db()
    assert (paul_leg.state, paul_leg.cause) == (State.CLEARED, "forwarded")
    (row,) = WaitingContact.objects.all()
    assert (row.state, row.agent, row.key.startswith("transfer:")) == (
        ContactState.CONNECTED,
        floor.ines,
        True,
    )
    assert Transfer.objects.get().state == TransferState.COMPLETED
    # And the call ends with Inès wrapping up
    floor.hang_up("pbx-1")
    assert floor.state(floor.ines).state == AcdState.WRAP_UP


def test_a_transfer_to_a_site_goes_to_its_queue(floor: Floor, api_as: Api) -> None:
    paul_has_marie_on_the_line(floor)
    floor.available(floor.sophie)
    call_id = the_call_id()
    status, body = api_as(
        floor.paul.user, "POST", f"/calls/{call_id}/transfer", {"site": floor.world.paris.pk}
    )
    assert status == 200, body
    assert body["to_queue_id"] == floor.l2.pk
    assert floor.ringing("pbx-1") == floor.sophie


def test_a_caller_who_hangs_up_during_a_consultation_ends_both_parts(
    floor: Floor, api_as: Api
) -> None:
    paul_has_marie_on_the_line(floor)
    floor.available(floor.ines)
    call_id = the_call_id()
    api_as(
        floor.paul.user,
        "POST",
        f"/calls/{call_id}/transfer",
        {"queue": floor.l2.pk, "consultative": True},
    )
    floor.hang_up("pbx-1")
    assert floor.state(floor.paul).state == AcdState.WRAP_UP
    assert floor.state(floor.ines).state == AcdState.AVAILABLE
    assert Transfer.objects.get().state == TransferState.FAILED
    assert not WaitingContact.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"queue": 1, "site": 1}, 422),  # two targets
        ({}, 422),  # none
        ({"agent": "nobody"}, 404),
        ({"agent": "lea.l1"}, 409),  # logged out
        ({"agent": "paul.partner"}, 422),  # the call is already his
        ({"queue": 999999}, 404),
    ],
)
def test_a_bad_transfer_is_refused_with_a_reason(
    floor: Floor, api_as: Api, body: dict[str, Any], status: int
) -> None:
    paul_has_marie_on_the_line(floor)
    call_id = the_call_id()
    got, reply = api_as(floor.paul.user, "POST", f"/calls/{call_id}/transfer", body)
    assert got == status, reply
    assert reply["detail"]
    # And nothing changed
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    assert not Transfer.objects.exists()


def test_only_the_agent_on_the_call_or_a_supervisor_may_transfer_it(
    floor: Floor, api_as: Api
) -> None:
    paul_has_marie_on_the_line(floor)
    call_id = the_call_id()
    status, _ = api_as(Role.INTERNAL_AGENT, "POST", f"/calls/{call_id}/transfer", {"queue": 1})
    assert status == 403
    status, body = api_as(
        Role.SUPERVISOR, "POST", f"/calls/{call_id}/transfer", {"queue": floor.l2.pk}
    )
    assert status == 200, body


def test_a_waiting_call_cannot_be_transferred(floor: Floor, api_as: Api) -> None:
    call = floor.call("pbx-1")
    status, body = api_as(
        Role.SUPERVISOR, "POST", f"/calls/{call.pk}/transfer", {"queue": floor.l2.pk}
    )
    assert status == 409
    assert "in progress" in body["detail"]


@pytest.mark.django_db(transaction=True)
def test_the_l2_agents_screen_pop_shows_the_transferred_incident(floor: Floor, api_as: Api) -> None:
    # Given Paul on Marie's call about an incident, and Inès (L2) with her console open
    paul_has_marie_on_the_line(floor)
    incident = an_incident(floor.world)
    floor.available(floor.ines)
    call_id = the_call_id()
    ines = console_socket(floor.ines.user)

    async def scenario() -> None:
        assert (await ines.connect())[0]
        # When Paul transfers the call to L2 with the incident
        status, _ = await sync_to_async(api_as)(
            floor.paul.user,
            "POST",
            f"/calls/{call_id}/transfer",
            {"queue": floor.l2.pk, "incident": incident.pk},
        )
        assert status == 200
        # Then Inès's console pops Dupont's file with the incident, marked as this call's
        pop = await ines.receive_json_from(timeout=WAIT)
        assert pop["type"] == "screen_pop"
        assert pop["call"]["id"] == call_id
        assert "Dupont Industrie" in pop["html"]
        assert incident.number in pop["html"]
        assert "this call" in pop["html"]
        await ines.disconnect()

    run(scenario)
