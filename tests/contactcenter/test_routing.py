"""Calls offered to a queue find an agent: skills, strategy, priority, waiting, wrap-up,
no answer, abandon, overflow."""

from escalade.contactcenter.models import (
    AcdState,
    ContactState,
    EventKind,
    NotReadyReason,
    RoutingEvent,
    WaitingContact,
)
from escalade.contactcenter.service import service
from escalade.telephony.models import CallConnection, Party, State
from tests.contactcenter.conftest import CLAIRE_AS_DIALLED, Floor


def test_a_call_rings_an_available_agent_who_has_the_skills(floor: Floor) -> None:
    # Given Hugo (Nova only) available first, then Léa (Orbit)
    floor.available(floor.hugo)
    floor.later(5)
    floor.available(floor.lea)
    # When Marie calls the Orbit queue
    call = floor.call("pbx-1")
    # Then it rings Léa, the only one with the Orbit skill, though Hugo waits longer
    assert call.state == State.ALERTING
    assert call.agent == floor.lea
    assert floor.state(floor.lea).state == AcdState.RESERVED
    assert floor.state(floor.hugo).state == AcdState.AVAILABLE
    leg = CallConnection.objects.get(call=call, party=Party.AGENT)
    assert (leg.agent, leg.state) == (floor.lea, State.ALERTING)
    kinds = list(RoutingEvent.objects.filter(call=call).values_list("kind", flat=True))
    assert kinds == [EventKind.OFFERED, EventKind.ASSIGNED]


def test_the_longest_idle_agent_takes_the_call(floor: Floor) -> None:
    # Given Léa available, then Paul ten seconds later
    floor.available(floor.lea)
    floor.later(10)
    floor.available(floor.paul)
    # When a call comes, then it goes to Léa, idle the longest
    assert floor.call("pbx-1").agent == floor.lea


def test_round_robin_takes_turns_whoever_is_idle_the_longest(floor: Floor) -> None:
    # Given the queue in round robin and Paul, then Léa, available
    floor.routing(floor.l1, strategy="round_robin")
    floor.available(floor.lea)
    floor.later(10)
    floor.available(floor.paul)
    # When two calls come, then they go in turn from the lowest id: Paul, then Léa
    first = floor.call("pbx-1").agent
    second = floor.call("pbx-2").agent
    assert {first, second} == {floor.paul, floor.lea}
    assert first == min((floor.paul, floor.lea), key=lambda agent: agent.pk)


def test_fewest_calls_goes_to_the_agent_who_answered_least_today(floor: Floor) -> None:
    floor.routing(floor.l1, strategy="fewest_calls", wrap_up_seconds=0)
    # Given Paul who answered one call today, and Léa who answered none (idle less long)
    floor.available(floor.paul)
    floor.call("pbx-1")
    floor.answer("pbx-1", floor.paul)
    floor.hang_up("pbx-1")
    floor.later(5)
    floor.available(floor.lea)
    floor.later(5)
    assert floor.state(floor.paul).calls_handled == 1
    # When the next call comes, then Léa takes it
    assert floor.call("pbx-2").agent == floor.lea


def test_a_premier_caller_is_answered_before_those_who_called_earlier(floor: Floor) -> None:
    # Given Marie (standard) waiting, then Claire (Banque Lumière, premier), nobody free
    floor.call("pbx-marie")
    floor.later(30)
    floor.call("pbx-claire", number=CLAIRE_AS_DIALLED)
    # When Paul becomes available
    floor.available(floor.paul)
    # Then Claire's call rings him first; Marie keeps waiting, first in her priority
    assert floor.ringing("pbx-claire") == floor.paul
    assert floor.ringing("pbx-marie") is None
    claire = WaitingContact.objects.get(call__external_id="pbx-claire")
    assert claire.priority > WaitingContact.objects.get(call__external_id="pbx-marie").priority


def test_with_nobody_available_calls_wait_then_go_first_come_first_served(floor: Floor) -> None:
    # Given nobody logged in: Marie's first call, then a second caller five seconds later
    first = floor.call("pbx-1")
    floor.later(5)
    second = floor.call("pbx-2", number="+33 1 40 00 00 02")
    # Then both wait in the queue, in the order they came
    assert (first.state, second.state) == (State.OFFERED, State.OFFERED)
    waiting = list(WaitingContact.objects.filter(queue=floor.l1).values_list("call_id", "state"))
    assert waiting == [(first.pk, ContactState.WAITING), (second.pk, ContactState.WAITING)]
    # And nobody may answer: the expected wait is unknown
    assert service.expected_wait(floor.l1) is None
    # When Paul logs in, the first caller rings him
    floor.later(5)
    floor.available(floor.paul)
    assert floor.ringing("pbx-1") == floor.paul
    assert floor.ringing("pbx-2") is None
    # When he has handled it and wrapped up, the second caller is next
    floor.answer("pbx-1", floor.paul)
    floor.later(60)
    floor.hang_up("pbx-1")
    floor.later(31)
    assert floor.ringing("pbx-2") == floor.paul


def test_after_a_call_the_agent_wraps_up_then_is_available_again(floor: Floor) -> None:
    # Given Paul on Marie's call; the queue gives 30 s of wrap-up
    floor.available(floor.paul)
    floor.call("pbx-1")
    floor.answer("pbx-1", floor.paul)
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    floor.later(120)
    # When Marie hangs up
    floor.hang_up("pbx-1")
    # Then Paul wraps up for 30 s: a new call waits meanwhile
    presence = floor.state(floor.paul)
    assert presence.state == AcdState.WRAP_UP
    assert presence.wrap_up_until is not None
    assert presence.since is not None
    assert (presence.wrap_up_until - presence.since).total_seconds() == 30
    floor.later(10)
    floor.call("pbx-2", number="+33 1 40 00 00 02")
    assert floor.ringing("pbx-2") is None
    # And when the wrap-up is over, he is available and the waiting call rings him
    floor.later(21)
    assert floor.state(floor.paul).state == AcdState.RESERVED
    assert floor.ringing("pbx-2") == floor.paul
    hung_up = RoutingEvent.objects.get(kind=EventKind.HUNG_UP)
    assert hung_up.handle_seconds == 120


def test_an_unanswered_call_makes_the_agent_not_ready_and_keeps_its_place(floor: Floor) -> None:
    # Given Marie's call ringing Paul, and a second caller waiting behind her
    floor.available(floor.paul)
    floor.call("pbx-1")
    floor.later(5)
    floor.call("pbx-2", number="+33 1 40 00 00 02")
    arrival = WaitingContact.objects.get(call__external_id="pbx-1").arrival
    # When Paul lets it ring past the queue's 20 s
    floor.later(16)
    # Then Paul is not ready (missed a call), and Marie's call is back in line, first
    presence = floor.state(floor.paul)
    assert (presence.state, presence.reason) == (AcdState.NOT_READY, NotReadyReason.NO_ANSWER)
    marie = WaitingContact.objects.get(call__external_id="pbx-1")
    assert (marie.state, marie.arrival) == (ContactState.WAITING, arrival)
    leg = CallConnection.objects.get(call=marie.call, party=Party.AGENT)
    assert (leg.state, leg.cause) == (State.CLEARED, "noAnswer")
    assert RoutingEvent.objects.filter(kind=EventKind.NO_ANSWER, agent=floor.paul).count() == 1
    # And when Léa becomes available, Marie's call rings her before the second caller
    floor.available(floor.lea)
    assert floor.ringing("pbx-1") == floor.lea
    assert floor.ringing("pbx-2") is None


def test_a_caller_who_hangs_up_while_waiting_is_counted_as_abandoned(floor: Floor) -> None:
    # Given Marie waiting with nobody available
    floor.call("pbx-1")
    # When she hangs up after 42 s
    floor.later(42)
    floor.hang_up("pbx-1", cause="cancel")
    # Then she left the queue, counted as abandoned after 42 s
    assert not WaitingContact.objects.exists()
    abandoned = RoutingEvent.objects.get(kind=EventKind.ABANDONED)
    assert (abandoned.queue, abandoned.waited_seconds) == (floor.l1, 42)


def test_a_caller_who_hangs_up_while_ringing_frees_the_agent(floor: Floor) -> None:
    floor.available(floor.paul)
    floor.call("pbx-1")
    floor.later(3)
    floor.hang_up("pbx-1", cause="cancel")
    assert floor.state(floor.paul).state == AcdState.AVAILABLE
    assert RoutingEvent.objects.filter(kind=EventKind.ABANDONED).count() == 1


def test_a_call_overflows_to_second_level_after_the_configured_wait(floor: Floor) -> None:
    # Given the L1 queue overflowing to L2 agents of any site after 30 s,
    # no L1 agent available, and Inès (L2, Paris) available
    floor.routing(
        floor.l1, overflow=[{"after_seconds": 30, "max_tier_rank_delta": 1, "any_site": True}]
    )
    floor.available(floor.ines)
    # When Marie calls, she waits: Inès is not first level
    floor.call("pbx-1")
    assert floor.ringing("pbx-1") is None
    floor.later(29)
    assert floor.ringing("pbx-1") is None
    # Then after 30 s of wait the call overflows and rings Inès
    floor.later(2)
    assert floor.ringing("pbx-1") == floor.ines
    overflowed = RoutingEvent.objects.get(kind=EventKind.OVERFLOWED)
    assert overflowed.overflow_step == 1
    assigned = RoutingEvent.objects.get(kind=EventKind.ASSIGNED)
    assert (assigned.agent, assigned.overflow_step) == (floor.ines, 1)


def test_an_l1_agent_freed_before_the_overflow_takes_the_call_first(floor: Floor) -> None:
    floor.routing(
        floor.l1, overflow=[{"after_seconds": 30, "max_tier_rank_delta": 1, "any_site": True}]
    )
    floor.available(floor.ines)
    floor.call("pbx-1")
    floor.later(10)
    floor.available(floor.lea)
    assert floor.ringing("pbx-1") == floor.lea


def test_an_agent_who_declines_is_not_ready_and_the_next_agent_rings(floor: Floor) -> None:
    # Given Marie's call ringing Paul, Léa available too (idle less long)
    floor.available(floor.paul)
    floor.later(5)
    floor.available(floor.lea)
    call = floor.call("pbx-1")
    assert floor.ringing("pbx-1") == floor.paul
    # When the switch says Paul's phone refused it
    service.agent_declined(call=call, agent=floor.paul)
    # Then Paul is not ready and the call rings Léa at once
    assert floor.state(floor.paul).state == AcdState.NOT_READY
    assert floor.ringing("pbx-1") == floor.lea
    legs = CallConnection.objects.filter(call=call, party=Party.AGENT).order_by("pk")
    assert [(leg.agent, leg.state) for leg in legs] == [
        (floor.paul, State.CLEARED),
        (floor.lea, State.ALERTING),
    ]
