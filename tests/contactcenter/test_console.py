"""The agent-state control of the console's top bar: a plain form, in the agent's language."""

from collections.abc import Callable

from django.test import Client

from escalade.contactcenter.models import AcdState
from escalade.core.roles import Role
from tests.contactcenter.conftest import Floor


def test_the_top_bar_shows_the_agents_state_and_changes_it_without_javascript(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    # Given Inès on the customer search page: she is logged out of the ACD
    page = client.get("/customers/").content.decode()
    assert 'data-testid="agent-state"' in page
    assert 'data-state="logged_out"' in page
    assert "Not ready · Lunch" in page
    # When she picks "Available" and sends the form
    response = client.post("/acd/state/", {"choice": "available", "next": "/customers/"})
    # Then she is back on her page, available, told so
    assert (response.status_code, response["Location"]) == (302, "/customers/")
    assert floor.state(floor.ines).state == AcdState.AVAILABLE
    page = client.get("/customers/").content.decode()
    assert 'data-state="available"' in page
    assert "You are now: Available." in page


def test_the_control_shows_the_wrap_up_time_left(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    floor.available(floor.paul)
    floor.call("pbx-1")
    floor.answer("pbx-1", floor.paul)
    client = client_as(Role.PARTNER_AGENT)
    page = client.get("/acd/state/?fragment=1").content.decode()
    assert "On call" in page
    assert 'data-testid="agent-state-form"' not in page  # nothing to choose on a call
    floor.hang_up("pbx-1")
    floor.later(12)
    page = client.get("/acd/state/?fragment=1").content.decode()
    assert "Wrap-up" in page
    assert "18 s left" in page


def test_a_refused_change_says_why_with_a_4xx(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    floor.available(floor.paul)
    floor.call("pbx-1")
    client = client_as(Role.PARTNER_AGENT)
    response = client.post("/acd/state/", {"choice": "logged_out"})
    assert response.status_code == 409
    assert "answer it first" in response.content.decode()
    response = client.post("/acd/state/", {"choice": "dancing"})
    assert response.status_code == 422


def test_the_control_speaks_french(floor: Floor, client_as: Callable[[Role], Client]) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    client.cookies["django_language"] = "fr"
    page = client.get("/acd/state/").content.decode()
    assert "Déconnecté" in page
    assert "Non disponible · Déjeuner" in page


def test_customers_have_no_state_control(floor: Floor, client_as: Callable[[Role], Client]) -> None:
    client = client_as(Role.CUSTOMER)
    assert client.get("/acd/state/").status_code == 403


def test_refreshing_the_control_applies_what_time_brought(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    # Given Paul wrapping up after a call, and Marie waiting meanwhile
    floor.available(floor.paul)
    floor.call("pbx-1", number="+33 1 40 00 00 02")
    floor.answer("pbx-1", floor.paul)
    floor.hang_up("pbx-1")
    floor.call("pbx-2")
    # When his wrap-up is over and his console asks for the control (no worker ran)
    floor.clock.shift(31)
    page = client_as(Role.PARTNER_AGENT).get("/acd/state/?fragment=1").content.decode()
    # Then the web process routed Marie's call to him: the control says it rings
    assert floor.ringing("pbx-2") == floor.paul
    assert 'data-state="reserved"' in page
    assert 'data-poll-seconds="5"' in page  # one process, in-memory channel layer
