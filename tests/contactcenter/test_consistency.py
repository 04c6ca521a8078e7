"""Several processes, one truth: the router in memory is rebuilt whenever another process
decided, and a rebuilt router decides as the lost one would have."""

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection, connections, transaction

from escalade.contactcenter.models import (
    AcdState,
    AgentPresence,
    ContactState,
    RoutingVersion,
    WaitingContact,
)
from escalade.contactcenter.service import AcdService, service
from escalade.network.models import Agent
from escalade.telephony.actions import do_call_offered
from escalade.telephony.models import Call, Direction
from tests.contactcenter.conftest import HOTLINE, Floor

T = TypeVar("T")


class Rollback(Exception):
    pass


def a_call(floor: Floor, call_id: str) -> Call:
    """A call reported to telephony only: the test offers it to the ACD itself."""
    return do_call_offered(
        actor=None,
        source="cti",
        external_id=call_id,
        direction=Direction.IN,
        from_number="+33142685300",
        to_number=HOTLINE,
        queue=floor.l1,
    ).call


def undone(action: Callable[[], T]) -> T:
    """Do it in a transaction that is then rolled back; return what it returned."""
    results: list[T] = []
    try:
        with transaction.atomic():
            results.append(action())
            raise Rollback
    except Rollback:
        return results[0]
    raise AssertionError("not rolled back")


def decided_agent(acd: AcdService, floor: Floor, call: Call) -> Agent | None:
    offer = acd.offer_call(call=call, queue=floor.l1)
    return offer.agent


def test_a_router_rebuilt_from_the_tables_takes_the_same_decision(floor: Floor) -> None:
    # Given a round-robin queue where Paul took the last call, Léa and Paul available
    floor.routing(floor.l1, strategy="round_robin", wrap_up_seconds=0)
    first, second = sorted((floor.paul, floor.lea), key=lambda agent: agent.pk)
    floor.available(first)
    floor.call("pbx-1")
    floor.answer("pbx-1", first)
    floor.later(10)
    floor.hang_up("pbx-1")
    floor.available(second)
    floor.later(5)
    call = a_call(floor, "pbx-2")
    # When this process decides with the router it has in memory (then we undo it)
    live = undone(lambda: decided_agent(service, floor, call))
    # And another process, which never saw any of it, builds its router from the tables
    service.forget()
    other = AcdService()
    rebuilt = decided_agent(other, floor, call)
    # Then both choose the same agent: the next in turn, not the lowest id
    assert live == rebuilt == second
    assert other.rebuilds == 1


def test_a_process_sees_what_another_process_decided(floor: Floor) -> None:
    # Given this process saw Paul log in and go on a break
    floor.available(floor.paul)
    service.set_agent_state(agent=floor.paul, state="not_ready", reason="break")
    rebuilds = service.rebuilds
    # When another process logs Léa in (it bumps the routing version)
    other = AcdService()
    version = RoutingVersion.objects.get().version
    other.set_agent_state(agent=floor.lea, state="available")
    assert RoutingVersion.objects.get().version == version + 1
    # Then this process, offered a call, rebuilds its router and gives the call to Léa
    assert decided_agent(service, floor, a_call(floor, "pbx-1")) == floor.lea
    assert service.rebuilds == rebuilds + 1


def test_a_process_reuses_its_router_while_nobody_else_decides(floor: Floor) -> None:
    floor.available(floor.paul)
    rebuilds = service.rebuilds
    floor.available(floor.lea)
    decided_agent(service, floor, a_call(floor, "pbx-1"))
    assert service.rebuilds == rebuilds


def test_a_decision_rolled_back_is_not_trusted(floor: Floor) -> None:
    # Given Paul available
    floor.available(floor.paul)
    # When a decision makes him not ready, but its transaction is rolled back
    undone(lambda: service.set_agent_state(agent=floor.paul, state="not_ready", reason="lunch"))
    assert AgentPresence.objects.get(agent=floor.paul).state == AcdState.AVAILABLE
    # Then the next decision follows the tables, not the router that saw the change
    assert decided_agent(service, floor, a_call(floor, "pbx-1")) == floor.paul


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent PostgreSQL connections"
)
def test_calls_offered_at_once_by_two_processes_never_give_an_agent_two_calls(
    floor: Floor,
) -> None:
    # Given Paul and Léa available, and six calls reported at once
    floor.available(floor.paul, floor.lea)
    calls = [a_call(floor, f"pbx-{n}") for n in range(6)]
    version = RoutingVersion.objects.get().version
    processes = [AcdService(), AcdService()]
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def offer(n: int, call: Call) -> None:
        try:
            start.wait(timeout=10)
            processes[n % 2].offer_call(call=call, queue=floor.l1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # When two processes, three threads each, offer them to the queue at the same moment
    threads = [threading.Thread(target=offer, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # Then each agent rings for exactly one call and the four others wait
    ringing = list(
        WaitingContact.objects.filter(state=ContactState.RINGING).values_list("agent_id", flat=True)
    )
    assert sorted(ringing) == sorted([floor.paul.pk, floor.lea.pk])
    assert WaitingContact.objects.filter(state=ContactState.WAITING).count() == 4
    for agent in (floor.paul, floor.lea):
        presence = AgentPresence.objects.get(agent=agent)
        assert presence.state == AcdState.RESERVED
        assert presence.contact is not None
        assert presence.contact.agent_id == agent.pk
    # And every decision was serialised: one version each
    assert RoutingVersion.objects.get().version == version + 6
