"""Simulated traffic played inside the web process, started and stopped by a supervisor."""

from collections.abc import Callable, Iterator

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.telephony.models import Call, State
from escalade.telephony.simulator import SOURCE, Settings, SimulatorError, traffic
from tests.contactcenter.conftest import Floor
from tests.telephony.test_screen_pop import WAIT, console_socket, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_run_left() -> Iterator[None]:
    yield
    traffic.stop()


def test_a_run_in_the_background_rings_the_queues_agents_and_ends_its_calls(
    floor: Floor,
) -> None:
    # When a run starts for Callwave's L1 queue, logging in one agent, as fast as possible
    status = traffic.start(
        Settings(rate=20, minutes=2, talk=30, seed=3, queue=floor.l1.name, agents=1), speed=0
    )
    assert status.running
    # Then a second run is refused while it plays
    with pytest.raises(SimulatorError):
        traffic.start(Settings(queue=floor.l1.name), speed=0)
    # And once it is over, Paul answered calls and every call ended
    done = traffic.wait(timeout=120)
    assert not done.running, done
    assert done.outcome is not None
    assert done.outcome.by_agent.get("paul.partner", 0) > 0
    calls = Call.objects.filter(source=SOURCE)
    assert calls.count() == len(done.outcome.call_ids) > 0
    assert not calls.exclude(state=State.CLEARED).exists()


def test_a_supervisor_starts_and_stops_simulated_traffic_from_the_console(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    client = client_as(Role.SUPERVISOR)
    page = client.get("/simulator/").content.decode()
    assert 'data-testid="traffic-form"' in page
    # A bad rate is refused in the form, nothing starts
    response = client.post(
        "/simulator/", {"rate": "0", "minutes": "5", "talk": "120", "agents": "0", "speed": "1"}
    )
    assert response.status_code == 422
    assert 'data-testid="field-error"' in response.content.decode()
    assert not traffic.status().running
    # When she starts traffic on the L1 queue with one agent logged in
    response = client.post(
        "/simulator/",
        {
            "queue": floor.l1.pk,
            "rate": "6",
            "minutes": "5",
            "talk": "120",
            "agents": "1",
            "speed": "1",
        },
    )
    assert response.status_code == 302
    page = client.get("/simulator/").content.decode()
    assert 'data-testid="traffic-running"' in page
    assert "FR L1 Callwave" in page
    assert AuditEntry.objects.filter(action="simulated_traffic_started").exists()
    # When she stops it, the page says what was played and offers the form again
    response = client.post("/simulator/stop/", follow=True)
    page = response.content.decode()
    assert "Simulated traffic stopped" in page
    assert 'data-testid="traffic-form"' in page
    assert not Call.objects.filter(source=SOURCE).exclude(state=State.CLEARED).exists()


def test_only_supervisors_and_administrators_may_play_traffic(
    floor: Floor, client_as: Callable[[Role], Client]
) -> None:
    assert client_as(Role.INTERNAL_AGENT).get("/simulator/").status_code == 403
    assert client_as(Role.PARTNER_AGENT).post("/simulator/stop/").status_code == 403
    assert client_as(Role.ADMINISTRATOR).get("/simulator/").status_code == 200


def test_simulated_calls_pop_on_the_consoles_of_the_web_process(floor: Floor) -> None:
    """The embedded default: in-memory channel layer, one process for pages and sockets."""
    paul = console_socket(floor.paul.user)

    async def scenario() -> None:
        # Given Paul's console open on the web process
        connected, _ = await paul.connect()
        assert connected
        # When a supervisor starts traffic from a page this process serves (a view runs
        # in a thread of its own, as under the ASGI server)
        await sync_to_async(traffic.start)(
            Settings(rate=30, minutes=1, talk=20, seed=5, queue=floor.l1.name, agents=1),
            speed=0,
        )
        # Then the first simulated caller pops on his console
        pop = await paul.receive_json_from(timeout=WAIT * 6)
        assert pop["type"] == "screen_pop"
        assert pop["call"]["state"] in {"alerting", "connected"}
        await sync_to_async(traffic.stop)()
        await paul.disconnect()

    run(scenario)
