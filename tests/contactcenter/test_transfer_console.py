"""The call panel of the console: an agent transfers the call from a form, blind or after
consulting, with the caller's incident; the same rules and actions as the REST API."""

import html
import re
from collections.abc import Callable

from django.test import Client

from escalade.contactcenter.models import AcdState, Transfer, TransferState, WaitingContact
from escalade.contactcenter.service import service
from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.telephony.acd import do_consultation_answered
from escalade.telephony.models import Call, CallConnection, State
from tests.contactcenter.conftest import Floor, an_incident


def paul_has_marie_on_the_line(floor: Floor) -> Call:
    floor.available(floor.paul)
    floor.call("pbx-1")
    call = floor.answer("pbx-1", floor.paul)
    floor.later(60)
    return call


def as_paul(floor: Floor) -> Client:
    client = Client()
    client.force_login(floor.paul.user)
    return client


def test_paul_transfers_marie_blind_to_the_l2_queue_with_her_incident(floor: Floor) -> None:
    # Given Paul on Marie's call, her open incident, and Inès (L2) available
    call = paul_has_marie_on_the_line(floor)
    incident = an_incident(floor.world)
    floor.available(floor.ines)
    client = as_paul(floor)
    # When Paul opens the call panel
    page = client.get(f"/calls/{call.pk}/").content.decode()
    # Then the form offers the L2 queue, Inès (logged in) and Marie's incident
    assert 'data-testid="transfer-form"' in page
    assert f'value="queue:{floor.l2.pk}"' in page
    assert f'value="agent:{floor.ines.pk}"' in page
    assert f"{incident.number} · Orbit Server does not start" in page
    assert f'value="agent:{floor.paul.pk}"' not in page  # not himself
    # When he transfers the call, blind, to Paris L2 with the incident
    response = client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "blind", "target": f"queue:{floor.l2.pk}", "incident": incident.pk},
    )
    # Then he is back on his call panel, told so; Inès rings, the call carries the incident
    assert (response.status_code, response["Location"]) == (302, f"/calls/{call.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "Call transferred to Paris L2." in page
    assert floor.ringing("pbx-1") == floor.ines
    call.refresh_from_db()
    assert (call.incident, call.state) == (incident, State.HELD)
    assert floor.state(floor.paul).state == AcdState.WRAP_UP
    assert AuditEntry.objects.filter(action="call_transferred").exists()


def test_a_consultation_is_completed_from_the_panel(floor: Floor) -> None:
    # Given Paul on Marie's call and Inès available
    call = paul_has_marie_on_the_line(floor)
    floor.available(floor.ines)
    client = as_paul(floor)
    # When Paul consults Inès
    response = client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "consultative", "target": f"agent:{floor.ines.pk}", "incident": ""},
    )
    assert response.status_code == 302
    # Then Inès rings, Marie holds, and Paul's panel offers to complete or cancel
    assert floor.ringing("pbx-1") == floor.ines
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Ringing Inès Martin; the caller is on hold." in page
    assert 'data-testid="transfer-complete"' in page
    # When Inès answers the consultation, both agents talk, Marie still holds
    floor.later(5)
    do_consultation_answered(actor=None, call=call, agent=floor.ines)
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    assert floor.state(floor.ines).state == AcdState.ON_CALL
    assert Transfer.objects.get().state == TransferState.CONSULTING
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "You are talking to Inès Martin; the caller is on hold." in page
    # When Paul completes the transfer
    response = client.post(f"/calls/{call.pk}/transfer/complete/")
    assert response.status_code == 302
    # Then Inès has Marie, Paul wraps up
    call.refresh_from_db()
    assert (call.state, call.agent) == (State.CONNECTED, floor.ines)
    assert floor.state(floor.paul).state == AcdState.WRAP_UP
    assert floor.state(floor.ines).state == AcdState.ON_CALL
    paul_leg = CallConnection.objects.get(call=call, agent=floor.paul)
    assert (paul_leg.state, paul_leg.cause) == (State.CLEARED, "forwarded")
    assert Transfer.objects.get().state == TransferState.COMPLETED
    # And when Marie hangs up, Inès wraps up
    floor.hang_up("pbx-1")
    assert floor.state(floor.ines).state == AcdState.WRAP_UP
    assert not WaitingContact.objects.exists()


def test_a_consultation_cancelled_gives_paul_the_caller_back(floor: Floor) -> None:
    call = paul_has_marie_on_the_line(floor)
    floor.available(floor.ines)
    client = as_paul(floor)
    client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "consultative", "target": f"queue:{floor.l2.pk}"},
    )
    assert floor.ringing("pbx-1") == floor.ines
    # When Paul cancels while Inès still rings
    response = client.post(f"/calls/{call.pk}/transfer/cancel/")
    assert response.status_code == 302
    # Then Inès is free again, Paul has Marie back on the line
    assert floor.state(floor.ines).state == AcdState.AVAILABLE
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    call.refresh_from_db()
    assert (call.state, call.agent) == (State.CONNECTED, floor.paul)
    paul_leg = CallConnection.objects.get(call=call, agent=floor.paul)
    assert paul_leg.state == State.CONNECTED
    assert Transfer.objects.get().state == TransferState.CANCELLED
    # And he may transfer again
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert 'data-testid="transfer-form"' in page


def test_a_consultation_cancelled_after_talking_lets_the_target_wrap_up(floor: Floor) -> None:
    call = paul_has_marie_on_the_line(floor)
    floor.available(floor.ines)
    client = as_paul(floor)
    client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "consultative", "target": f"agent:{floor.ines.pk}"},
    )
    do_consultation_answered(actor=None, call=call, agent=floor.ines)
    client.post(f"/calls/{call.pk}/transfer/cancel/")
    assert floor.state(floor.ines).state == AcdState.WRAP_UP
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    ines_leg = CallConnection.objects.get(call=call, agent=floor.ines)
    assert ines_leg.state == State.CLEARED
    # When Marie then hangs up, Paul wraps up: the call was his all along
    floor.hang_up("pbx-1")
    assert floor.state(floor.paul).state == AcdState.WRAP_UP


def test_a_bad_transfer_shows_the_error_in_the_form_and_keeps_the_choices(floor: Floor) -> None:
    call = paul_has_marie_on_the_line(floor)
    incident = an_incident(floor.world)
    client = as_paul(floor)
    # Nothing chosen: the form says what is missing, with a 422, keeping "consult first"
    response = client.post(f"/calls/{call.pk}/transfer/", {"mode": "consultative"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page
    assert re.search(r'<input[^>]*value="consultative"[^>]*checked', page)
    # Léa logged in then out: the ACD refuses her, the form says why, nothing changed
    floor.available(floor.lea)
    service.set_agent_state(agent=floor.lea, state=AcdState.LOGGED_OUT)
    response = client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "blind", "target": f"agent:{floor.lea.pk}", "incident": incident.pk},
    )
    assert response.status_code == 422  # no longer among the agents logged in
    assert "Select a valid choice." in response.content.decode()
    # A transfer the ACD refuses (a consultation already rings Inès): the reason is in the
    # form, the incident still chosen, and nothing more happened
    floor.available(floor.ines)
    client.post(
        f"/calls/{call.pk}/transfer/", {"mode": "consultative", "target": f"agent:{floor.ines.pk}"}
    )
    response = client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "blind", "target": f"queue:{floor.l2.pk}", "incident": incident.pk},
    )
    assert response.status_code == 409, response.content.decode()
    page = response.content.decode()
    assert "This call is already being transferred." in page
    assert re.search(rf'<option value="{incident.pk}" selected>', page)
    assert Transfer.objects.count() == 1
    assert floor.ringing("pbx-1") == floor.ines


def test_only_the_agent_on_the_call_or_a_supervisor_may_transfer(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    call = paul_has_marie_on_the_line(floor)
    ines = client_as(Role.INTERNAL_AGENT)
    page = ines.get(f"/calls/{call.pk}/").content.decode()
    assert 'data-testid="transfer-form"' not in page
    response = ines.post(
        f"/calls/{call.pk}/transfer/", {"mode": "blind", "target": f"queue:{floor.l2.pk}"}
    )
    assert response.status_code == 403
    assert not Transfer.objects.exists()
    assert client_as(Role.CUSTOMER).get(f"/calls/{call.pk}/").status_code == 403
    supervisor = client_as(Role.SUPERVISOR)
    response = supervisor.post(
        f"/calls/{call.pk}/transfer/", {"mode": "blind", "target": f"queue:{floor.l2.pk}"}
    )
    assert response.status_code == 302


def test_the_panel_fragment_answers_a_transfer_in_place(floor: Floor) -> None:
    """What the pop's script does: post with fragment=1, get the panel back."""
    call = paul_has_marie_on_the_line(floor)
    floor.available(floor.ines)
    client = as_paul(floor)
    fragment = client.get(f"/calls/{call.pk}/?fragment=1").content.decode()
    assert fragment.startswith('<div class="call-panel"')
    response = client.post(
        f"/calls/{call.pk}/transfer/",
        {"mode": "consultative", "target": f"agent:{floor.ines.pk}", "fragment": "1"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Consulting Inès Martin: the caller is on hold." in page
    assert 'data-testid="consultation"' in page


def test_the_panel_speaks_french(floor: Floor) -> None:
    call = paul_has_marie_on_the_line(floor)
    client = as_paul(floor)
    client.cookies["django_language"] = "fr"
    page = html.unescape(client.get(f"/calls/{call.pk}/").content.decode())
    assert "Transférer l'appel" in page
    assert "Consulter d'abord" in page


def test_the_top_bar_links_to_the_call_panel_during_a_call(floor: Floor) -> None:
    call = paul_has_marie_on_the_line(floor)
    page = as_paul(floor).get("/acd/state/?fragment=1").content.decode()
    assert f'href="/calls/{call.pk}/"' in page
