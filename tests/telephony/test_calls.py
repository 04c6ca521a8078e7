"""Call actions beyond the Generic CTI events, and the call log API."""

import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from escalade.core.roles import Role
from escalade.incidents.models import EntryKind, Incident, TimelineEntry
from escalade.network.models import Agent
from escalade.telephony.actions import (
    CallStateError,
    do_attach_incident,
    do_call_alerting,
    do_call_answered,
    do_call_ended,
    do_call_held,
    do_call_offered,
    do_call_retrieved,
)
from escalade.telephony.models import Call, Cause, Direction, Party, State
from tests.factories import World
from tests.telephony.conftest import HOTLINE, MARIE_AS_DIALLED

pytestmark = pytest.mark.django_db


def agent(world: World, role: Role) -> Agent:
    return Agent.objects.get(user=world.users[role])


def marie_calls(world: World, **extra: Any) -> Call:
    return do_call_offered(
        actor=world.users[Role.SUPERVISOR],
        source="sim",
        external_id=extra.pop("external_id", "sim-1"),
        direction=Direction.IN,
        from_number=MARIE_AS_DIALLED,
        to_number=HOTLINE,
        **extra,
    ).call


def an_incident(world: World, account: Any = None) -> Incident:
    account = account or world.dupont
    return Incident.objects.create(
        number=f"INC-{Incident.objects.count() + 1}",
        title="Orbit Server does not start",
        account=account,
        contact=world.marie if account == world.dupont else None,
        severity=2,
        channel="phone",
        queue=world.l1_queue,
        tier=world.tiers["L1"],
    )


def test_the_router_rings_the_next_agent_when_the_first_does_not_answer(world: World) -> None:
    # Given a call waiting in a queue, then ringing Inès (a route request's answer)
    call = marie_calls(world, queue=world.l1_queue)
    assert call.state == State.OFFERED
    do_call_alerting(actor=None, call=call, agents=[agent(world, Role.INTERNAL_AGENT)])
    # When the router gives up on Inès and rings Sophie instead
    result = do_call_alerting(
        actor=None, call=call, agents=[agent(world, Role.SUPERVISOR)], replace=True
    )
    # Then Inès's leg is cleared for no answer and Sophie's rings
    legs = {
        username: (state, cause)
        for username, state, cause in result.call.connections.filter(party=Party.AGENT).values_list(
            "agent__user__username", "state", "cause"
        )
    }
    assert legs == {
        "ines.internal": (State.CLEARED, Cause.NO_ANSWER),
        "sophie.supervisor": (State.ALERTING, ""),
    }
    assert result.call.agent == agent(world, Role.SUPERVISOR)


def test_hold_and_retrieve_follow_the_transition_table(world: World) -> None:
    ines = agent(world, Role.INTERNAL_AGENT)
    call = marie_calls(world, alert=[ines])
    # A ringing call cannot be held
    with pytest.raises(CallStateError):
        do_call_held(actor=None, call=call)
    do_call_answered(actor=None, call=call, agent=ines)
    assert do_call_held(actor=None, call=call).call.state == State.HELD
    leg = call.connections.get(party=Party.AGENT)
    assert (leg.state, leg.held_at is not None) == (State.HELD, True)
    assert do_call_retrieved(actor=None, call=call).call.state == State.CONNECTED
    # A repeated event (same key) changes nothing
    first = do_call_held(actor=None, call=call, key="hold-1")
    again = do_call_held(actor=None, call=call, key="hold-1")
    assert (first.duplicate, again.duplicate) == (False, True)
    ended = do_call_ended(actor=None, call=call)
    assert ended.call.state == State.CLEARED
    with pytest.raises(CallStateError):
        do_call_retrieved(actor=None, call=call)


def test_a_call_linked_to_an_incident_ends_on_the_incidents_timeline(world: World) -> None:
    # Given Marie's call answered by Inès, about an open incident of Dupont
    ines = agent(world, Role.INTERNAL_AGENT)
    call = marie_calls(world, alert=[ines])
    do_call_answered(actor=None, call=call, agent=ines)
    incident = an_incident(world)
    # When Inès links the call to the incident, then the call ends
    do_attach_incident(actor=world.users[Role.INTERNAL_AGENT], call=call, incident=incident)
    do_call_ended(actor=None, call=call)
    # Then the call's entry is on the incident's timeline (and so on Dupont's)
    entry = TimelineEntry.objects.get(kind=EntryKind.CALL)
    assert (entry.incident, entry.account) == (incident, world.dupont)


def test_linking_an_ended_call_from_an_unknown_number_identifies_the_caller(
    world: World,
) -> None:
    # Given a call from a number nobody has, already over
    call = do_call_offered(
        actor=None,
        source="sim",
        external_id="sim-unknown",
        direction=Direction.IN,
        from_number="02 99 00 00 01",
        to_number=HOTLINE,
    ).call
    do_call_ended(actor=None, call=call, cause=Cause.CANCEL)
    assert not TimelineEntry.objects.exists()
    # When the agent links it to Dupont's incident
    linked = do_attach_incident(actor=None, call=call, incident=an_incident(world))
    # Then the call belongs to Dupont and Marie, and the incident's timeline tells of it
    assert (linked.account, linked.contact) == (world.dupont, world.marie)
    entry = TimelineEntry.objects.get(kind=EntryKind.CALL)
    assert entry.incident is not None
    assert "Missed call from Marie Durand" in entry.body


def test_a_call_cannot_be_linked_to_another_customers_incident(world: World) -> None:
    call = marie_calls(world)
    with pytest.raises(ValidationError):
        do_attach_incident(actor=None, call=call, incident=an_incident(world, world.lumiere))


def test_an_outbound_call_is_about_the_called_customer(world: World) -> None:
    ines = agent(world, Role.INTERNAL_AGENT)
    with time_machine.travel("2026-03-03 10:00:00+00:00", tick=False) as clock:
        call = do_call_offered(
            actor=None,
            source="sim",
            external_id="out-1",
            direction=Direction.OUT,
            from_number="+33 1 70 36 00 10",
            to_number=MARIE_AS_DIALLED,
            alert=[ines],
        ).call
        assert (call.account, call.to_e164, call.state) == (
            world.dupont,
            "+33142685300",
            "alerting",
        )
        clock.shift(20)
        do_call_answered(actor=None, call=call, agent=None)
        clock.shift(60)
        do_call_ended(actor=None, call=call)
    call.refresh_from_db()
    assert call.agent == ines
    assert call.talk_seconds == 60
    assert TimelineEntry.objects.get().body.startswith("Call to Marie Durand")


# --- The call log API -----------------------------------------------------------------


@pytest.fixture
def api(client_as: Callable[[Role], Client]) -> Callable[..., Any]:
    def call(role: Role, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        response = client_as(role).generic(
            method,
            "/api" + path,
            "{}" if payload is None else json.dumps(payload),
            content_type="application/json",
        )
        return response.status_code, response.json() if response.content else None

    return call


def test_agents_read_the_call_log_with_connections_and_events(
    world: World, api: Callable[..., Any]
) -> None:
    call = marie_calls(world, alert=[agent(world, Role.INTERNAL_AGENT)])
    status, page = api(Role.INTERNAL_AGENT, "GET", f"/calls?account_id={world.dupont.pk}")
    assert status == 200
    assert [c["call_id"] for c in page["items"]] == ["sim-1"]
    assert page["items"][0]["contact_name"] == "Marie Durand"
    status, detail = api(Role.INTERNAL_AGENT, "GET", f"/calls/{call.pk}")
    assert status == 200
    assert [c["party"] for c in detail["connections"]] == ["customer", "agent"]
    assert [e["kind"] for e in detail["events"]] == ["offered"]


def test_a_partner_does_not_see_calls_of_premier_accounts(
    world: World, api: Callable[..., Any]
) -> None:
    premier = do_call_offered(
        actor=None,
        source="sim",
        external_id="sim-claire",
        direction=Direction.IN,
        from_number="+33612345678",
        to_number=HOTLINE,
    ).call
    assert premier.account == world.lumiere
    dupont = marie_calls(world)
    status, page = api(Role.PARTNER_AGENT, "GET", "/calls")
    assert status == 200
    assert [c["id"] for c in page["items"]] == [dupont.pk]
    assert api(Role.PARTNER_AGENT, "GET", f"/calls/{premier.pk}")[0] == 404
    assert api(Role.CUSTOMER, "GET", "/calls")[0] == 403


def test_an_agent_links_a_call_to_an_incident_through_the_api(
    world: World, api: Callable[..., Any]
) -> None:
    call = marie_calls(world)
    incident = an_incident(world)
    status, body = api(
        Role.INTERNAL_AGENT, "POST", f"/calls/{call.pk}/incident", {"incident": incident.pk}
    )
    assert status == 200, body
    assert body["incident_id"] == incident.pk
    other = an_incident(world, world.lumiere)
    status, body = api(
        Role.INTERNAL_AGENT, "POST", f"/calls/{call.pk}/incident", {"incident": other.pk}
    )
    assert status == 422
    assert "another customer" in body["detail"]


def test_the_admin_shows_calls_read_only(world: World) -> None:
    call = marie_calls(world, alert=[agent(world, Role.INTERNAL_AGENT)])
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", password="x" * 12))
    assert admin.get("/admin/telephony/call/").status_code == 200
    page = admin.get(f"/admin/telephony/call/{call.pk}/change/")
    assert page.status_code == 200
    assert b"sim-1" in page.content
    assert admin.get("/admin/telephony/call/add/").status_code == 403
