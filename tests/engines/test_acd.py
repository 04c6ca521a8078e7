"""ACD routing: worked examples a contact-center supervisor would recognise, then properties.

The cast, at the Orbit support center:

* Inès, Paris, L2: Orbit 4, speaks French 5 and English 4;
* Bruno, Paris, L1: Orbit 2, French 5;
* Chloé, Paris, L1: Orbit 5, French 4;
* Dmitri, Lyon, L1: Orbit 3, French 3;
* Emma, London, L1: Orbit 3, English 5.

Invariants checked by the property tests, over random centers and random event sequences:

* a routed contact only goes to an agent that was AVAILABLE (or whose wrap-up had ended)
  and holds every required skill at the required level, in the tier and site allowed by
  the overflow step in force for its wait;
* within one priority, among contacts of queues of equal weight, a contact is never passed
  over by a later one for an agent it was eligible to (FIFO);
* no agent ever holds two contacts, and agents and contacts agree on who holds what;
* after ``route`` no waiting contact is eligible to an AVAILABLE agent (work-conserving),
  and the decisions are exactly those of a naive reference router;
* once agents able to take them are available, every waiting contact is routed, once;
* a router rebuilt from its snapshot has the same state and takes the same decisions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalade.engines.acd import (
    MANUAL_TRANSITIONS,
    NO_ANSWER,
    TRANSITIONS,
    AcdError,
    Agent,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    Assignment,
    Contact,
    ContactState,
    ContactStatus,
    InvalidTransition,
    Overflowed,
    OverflowStep,
    Queue,
    Router,
    RouterSnapshot,
    Strategy,
    UnknownId,
)

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9AM = datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)

ORBIT, FRENCH, ENGLISH = "product:ORBIT", "language:fr", "language:en"

INES = Agent(agent_id="ines", skills={ORBIT: 4, FRENCH: 5, ENGLISH: 4}, site="paris", tier_rank=2)
BRUNO = Agent(agent_id="bruno", skills={ORBIT: 2, FRENCH: 5}, site="paris", tier_rank=1)
CHLOE = Agent(agent_id="chloe", skills={ORBIT: 5, FRENCH: 4}, site="paris", tier_rank=1)
DMITRI = Agent(agent_id="dmitri", skills={ORBIT: 3, FRENCH: 3}, site="lyon", tier_rank=1)
EMMA = Agent(agent_id="emma", skills={ORBIT: 3, ENGLISH: 5}, site="london", tier_rank=1)

# Orbit in French, L1, Paris: after a minute L2 may take it, after two any site too.
ORBIT_FR = Queue(
    queue_id="orbit-fr",
    required_skills={ORBIT: 1, FRENCH: 1},
    tier_rank=1,
    site="paris",
    service_level_seconds=20,
    overflow=(
        OverflowStep(after_seconds=60, max_tier_rank_delta=1),
        OverflowStep(after_seconds=120, max_tier_rank_delta=1, any_site=True),
    ),
)
# Any Orbit caller, any tier and site: the language comes with the contact.
ORBIT_ANY = Queue(queue_id="orbit", required_skills={ORBIT: 1})


def at(seconds: float = 0, *, minutes: float = 0) -> datetime:
    return MONDAY_9AM + timedelta(minutes=minutes, seconds=seconds)


def center(
    *agents: Agent, queues: Iterable[Queue] = (ORBIT_FR,), ready_at: datetime | None = None
) -> Router:
    """A router with these queues and agents, the agents logged in and ready in order."""
    router = Router(queues=queues, agents=agents)
    for position, agent in enumerate(agents):
        when = (ready_at or at()) + timedelta(seconds=position)
        router.set_state(agent.agent_id, AgentState.AVAILABLE, when)
    return router


def call(
    contact_id: str,
    arrival: datetime,
    *,
    queue: Queue = ORBIT_FR,
    priority: int = 0,
    extra: dict[str, int] | None = None,
    callback: bool = False,
) -> Contact:
    return Contact(
        contact_id=contact_id,
        queue_id=queue.queue_id,
        arrival=arrival,
        priority=priority,
        extra_skills=extra or {},
        callback=callback,
    )


def arrive(router: Router, contact: Contact) -> list[Assignment]:
    router.enqueue(contact, contact.arrival)
    return router.route(contact.arrival)


def routed(assignments: Sequence[Assignment]) -> list[tuple[str, str]]:
    return [(a.contact_id, a.agent_id) for a in assignments]


def busy(router: Router, agent_id: str, now: datetime, contact_id: str) -> None:
    """Put an AVAILABLE agent on a call of their own (the only one they are offered)."""
    status = router.agent_status(agent_id)
    queue = Queue(queue_id=f"direct-{agent_id}", required_skills={f"agent:{agent_id}": 1})
    router.set_queue(queue)
    router.set_agent(
        Agent(
            agent_id=agent_id,
            skills={**status.agent.skills, f"agent:{agent_id}": 1},
            site=status.agent.site,
            tier_rank=status.agent.tier_rank,
        )
    )
    router.enqueue(call(contact_id, now, queue=queue, priority=99), now)
    assert routed(router.route(now)) == [(contact_id, agent_id)]
    router.answer(contact_id, now)
    router.set_agent(status.agent)


# --- strategies ------------------------------------------------------------------------------


def test_longest_idle_gives_the_call_to_the_agent_free_the_longest() -> None:
    # Given Bruno ready at 9:00 and Chloé ready at 9:05,
    router = Router(queues=[ORBIT_FR], agents=[BRUNO, CHLOE])
    router.set_state("chloe", AgentState.AVAILABLE, at(minutes=5))
    router.set_state("bruno", AgentState.AVAILABLE, at(minutes=0))

    # when a French Orbit call comes in at 9:10, then Bruno, idle 10 minutes, gets it;
    assignments = arrive(router, call("c1", at(minutes=10)))
    assert routed(assignments) == [("c1", "bruno")]
    assert router.agent_status("bruno").state is AgentState.RESERVED
    # and the next call goes to Chloé.
    assert routed(arrive(router, call("c2", at(minutes=11)))) == [("c2", "chloe")]


def test_fewest_calls_prefers_the_agent_who_took_fewer_calls_today() -> None:
    queue = Queue(
        queue_id="orbit-fr", required_skills={ORBIT: 1, FRENCH: 1}, strategy=Strategy.FEWEST_CALLS
    )
    # Given Bruno (idle longest) has taken two calls and Chloé one,
    router = center(BRUNO, CHLOE, queues=[queue])
    for number, agent in enumerate(["bruno", "bruno", "chloe"]):
        contact_id = f"earlier-{number}"
        busy(router, agent, at(minutes=number + 1), contact_id)
        router.hang_up(agent, at(minutes=number + 1, seconds=30))
    assert router.agent_status("bruno").calls_handled == 2

    # when a call comes in, then Chloé gets it although Bruno has been idle longer.
    assert routed(arrive(router, call("c1", at(minutes=7), queue=queue))) == [("c1", "chloe")]


def test_round_robin_takes_agents_in_turn_and_wraps_around() -> None:
    queue = Queue(
        queue_id="orbit-fr", required_skills={ORBIT: 1, FRENCH: 1}, strategy=Strategy.ROUND_ROBIN
    )
    # Given Bruno, Chloé and Dmitri all ready (Dmitri first),
    router = center(DMITRI, CHLOE, BRUNO, queues=[queue])

    # when calls come in one after the other and are ended at once,
    taken = []
    for number in range(4):
        when = at(minutes=1 + number)
        (assignment,) = arrive(router, call(f"c{number}", when, queue=queue))
        router.answer(assignment.contact_id, when)
        router.hang_up(assignment.agent_id, when)
        taken.append(assignment.agent_id)

    # then they go in id order from the first, whoever was idle longest, and start over.
    assert taken == ["bruno", "chloe", "dmitri", "bruno"]


def test_best_proficiency_picks_the_strongest_on_the_required_skills() -> None:
    queue = Queue(
        queue_id="orbit-fr",
        required_skills={ORBIT: 1, FRENCH: 1},
        strategy=Strategy.BEST_PROFICIENCY,
    )
    # Given Bruno (Orbit 2 + French 5 = 7, idle longest) and Chloé (5 + 4 = 9),
    router = center(BRUNO, CHLOE, queues=[queue])

    # then Chloé takes the call;
    assert routed(arrive(router, call("c1", at(minutes=1), queue=queue))) == [("c1", "chloe")]
    # and between equals the one idle longest does: Dmitri (3 + 3 = 6) vs a twin of his.
    twin = Agent(agent_id="dmitri-2", skills=DMITRI.skills, site="lyon")
    equals = center(twin, DMITRI, queues=[queue])
    assert routed(arrive(equals, call("c2", at(minutes=1), queue=queue))) == [("c2", "dmitri-2")]


def test_a_long_day_on_one_strategy_leaves_the_others_right() -> None:
    # Given Bruno and Chloé serving a longest-idle queue and a fewest-calls queue,
    idle_first = Queue(queue_id="idle", required_skills={FRENCH: 1})
    fewest = Queue(queue_id="fewest", required_skills={ORBIT: 1}, strategy=Strategy.FEWEST_CALLS)
    router = center(BRUNO, CHLOE, queues=[idle_first, fewest])

    # when 300 calls go through the longest-idle queue only (Bruno takes one more),
    for number in range(301):
        when = at(minutes=number)
        (assignment,) = arrive(router, call(f"c{number}", when, queue=idle_first))
        router.answer(assignment.contact_id, when)
        router.hang_up(assignment.agent_id, when + timedelta(seconds=30))
    assert router.agent_status("bruno").calls_handled == 151

    # then the fewest-calls queue still sees who took fewer: Chloé, though idle shorter,
    assert router.agent_status("chloe").available_since == at(minutes=299, seconds=30)
    assert routed(arrive(router, call("f", at(minutes=400), queue=fewest))) == [("f", "chloe")]
    # and once she has caught up, the tie goes to the one idle longest: Bruno.
    router.answer("f", at(minutes=400))
    router.hang_up("chloe", at(minutes=401))
    assert routed(arrive(router, call("g", at(minutes=402), queue=fewest))) == [("g", "bruno")]


# --- overflow ------------------------------------------------------------------------------------


def test_a_call_waiting_61_seconds_goes_to_an_l2_agent_and_keeps_its_place() -> None:
    # Given the L1 agents Bruno and Chloé on calls, and Inès (L2) ready,
    router = center(INES, BRUNO, CHLOE)
    busy(router, "bruno", at(5), "bruno-call")
    busy(router, "chloe", at(5), "chloe-call")

    # when a French Orbit call arrives at 9:00:10, then nobody takes it for a minute:
    assert arrive(router, call("c1", at(10))) == []
    arrive(router, call("c2", at(40)))
    assert router.route(at(69)) == []
    assert router.next_event_at() == at(70)

    # at 9:01:10 it reaches the first overflow step and Inès (L2) takes it,
    events = router.advance(at(71))
    assert events == [Overflowed(contact_id="c1", queue_id="orbit-fr", step=1, at=at(70))]
    (assignment,) = router.route(at(71))
    assert (assignment.contact_id, assignment.agent_id) == ("c1", "ines")
    assert assignment.overflow_step == 1
    assert assignment.waited_seconds == 61

    # and its waiting time still counts from its arrival.
    answered = router.answer("c1", at(75))
    assert answered.waited_seconds == 65
    assert not answered.within_service_level


def test_an_overflowed_call_stays_ahead_of_later_calls() -> None:
    # Given Bruno on a call, and two calls waiting since 9:00:00 and 9:00:30,
    router = center(BRUNO)
    busy(router, "bruno", at(), "bruno-call")
    arrive(router, call("first", at(0)))
    arrive(router, call("second", at(30)))

    # when the first one overflows (nobody L2 is there to take it)
    router.route(at(65))
    waiting = router.waiting("orbit-fr")
    assert [c.contact.contact_id for c in waiting] == ["first", "second"]
    assert [c.overflow_step for c in waiting] == [1, 0]

    # then Bruno, free again, takes the first one, at its original place.
    router.hang_up("bruno", at(70))
    assert routed(router.route(at(70))) == [("first", "bruno")]


def test_after_two_minutes_agents_of_another_site_may_take_the_call() -> None:
    # Given only Dmitri, in Lyon, ready for a Paris queue,
    router = center(DMITRI)
    arrive(router, call("c1", at(0)))

    # then at 1:59 he still may not take it, at 2:00 he does.
    assert router.route(at(119)) == []
    assert routed(router.route(at(120))) == [("c1", "dmitri")]


def test_overflow_steps_may_drop_a_skill() -> None:
    # Given a queue that after 30 s no longer insists on French, and only Emma (English),
    queue = Queue(
        queue_id="orbit-fr",
        required_skills={ORBIT: 1, FRENCH: 1},
        overflow=(OverflowStep(after_seconds=30, drop_skills=frozenset({FRENCH})),),
    )
    router = center(EMMA, queues=[queue])
    assert arrive(router, call("c1", at(0), queue=queue)) == []

    # then she takes the call once French is dropped.
    assert routed(router.route(at(30))) == [("c1", "emma")]


def test_overflow_steps_must_only_widen() -> None:
    with pytest.raises(AcdError, match="only widen"):
        Queue(
            queue_id="bad",
            overflow=(
                OverflowStep(after_seconds=60, any_site=True),
                OverflowStep(after_seconds=120),  # would take "any site" back
            ),
        )
    with pytest.raises(AcdError, match="come later"):
        Queue(
            queue_id="bad",
            overflow=(OverflowStep(after_seconds=60), OverflowStep(after_seconds=60)),
        )


# --- priority, weights, extra skills ---------------------------------------------------------


def test_a_premier_caller_goes_before_standard_callers_who_waited_longer() -> None:
    # Given Bruno on a call and two standard callers waiting,
    router = center(BRUNO)
    busy(router, "bruno", at(), "bruno-call")
    arrive(router, call("standard-1", at(10)))
    arrive(router, call("standard-2", at(20)))
    # when a premier caller (priority 10) arrives last,
    arrive(router, call("premier", at(30), priority=10))

    # then Bruno, once free, takes the premier caller, then the standard ones in order.
    router.hang_up("bruno", at(40))
    assert routed(router.route(at(40))) == [("premier", "bruno")]
    router.answer("premier", at(41))
    router.hang_up("bruno", at(50))
    assert routed(router.route(at(50))) == [("standard-1", "bruno")]


def test_queue_weights_compare_weighted_waits_for_an_agent_serving_both() -> None:
    hot = Queue(queue_id="hot", required_skills={ORBIT: 1}, weight=2.0)
    cold = Queue(queue_id="cold", required_skills={ORBIT: 1}, weight=1.0)
    # Given Inès on a call, a "cold" contact waiting 50 s and a "hot" (weight 2) one 30 s,
    router = center(INES, queues=[hot, cold])
    busy(router, "ines", at(), "ines-call")
    arrive(router, call("cold-1", at(10), queue=cold))
    arrive(router, call("hot-1", at(30), queue=hot))

    # when Inès frees up at 9:01:00: hot 30 s x 2 = 60 beats cold 50 s x 1,
    router.hang_up("ines", at(60))
    assert routed(router.route(at(60))) == [("hot-1", "ines")]

    # but with equal weights the same situation is plain FIFO.
    warm = Queue(queue_id="warm", required_skills={ORBIT: 1}, weight=1.0)
    even = center(INES, queues=[warm, cold])
    busy(even, "ines", at(), "ines-call")
    arrive(even, call("cold-1", at(10), queue=cold))
    arrive(even, call("warm-1", at(30), queue=warm))
    even.hang_up("ines", at(60))
    assert routed(even.route(at(60))) == [("cold-1", "ines")]


def test_the_callers_language_is_an_extra_skill() -> None:
    # Given Emma (English) idle longest and Inès (French and English) on the any-Orbit queue,
    router = center(EMMA, INES, queues=[ORBIT_ANY])

    # then a French caller goes to Inès although Emma has been idle longer,
    french = call("fr-caller", at(60), queue=ORBIT_ANY, extra={FRENCH: 3})
    assert routed(arrive(router, french)) == [("fr-caller", "ines")]
    # and an English caller to Emma.
    english = call("en-caller", at(61), queue=ORBIT_ANY, extra={ENGLISH: 1})
    assert routed(arrive(router, english)) == [("en-caller", "emma")]


def test_a_contact_nobody_can_take_waits_without_blocking_the_others() -> None:
    # Given Bruno ready and a German caller first in line,
    router = center(BRUNO, queues=[ORBIT_ANY])
    assert arrive(router, call("de", at(0), queue=ORBIT_ANY, extra={"language:de": 1})) == []

    # then a French caller behind her is routed to Bruno.
    assert routed(arrive(router, call("fr", at(5), queue=ORBIT_ANY, extra={FRENCH: 1}))) == [
        ("fr", "bruno")
    ]
    assert [c.contact.contact_id for c in router.waiting("orbit")] == ["de"]


# --- agent states ----------------------------------------------------------------------------


def test_wrap_up_ends_by_itself_and_the_agent_takes_the_next_call() -> None:
    # Given Bruno finishing a call at 9:05 with 30 s of wrap-up, and a caller waiting,
    router = center(BRUNO)
    busy(router, "bruno", at(), "bruno-call")
    hung_up = router.hang_up("bruno", at(minutes=5), wrap_up_seconds=30)
    assert hung_up.handle_seconds == 300
    assert hung_up.wrap_up_until == at(minutes=5, seconds=30)
    arrive(router, call("c1", at(minutes=5, seconds=10)))

    # then during wrap-up nothing is routed to him,
    assert router.route(at(minutes=5, seconds=29)) == []
    assert router.agent_status("bruno").state is AgentState.WRAP_UP
    # and at 9:05:30 he is AVAILABLE again (idle since then) and takes the caller.
    assert router.advance(at(minutes=5, seconds=30)) == [
        AgentStateChanged(
            agent_id="bruno", state=AgentState.AVAILABLE, at=at(minutes=5, seconds=30)
        )
    ]
    assert routed(router.route(at(minutes=5, seconds=31))) == [("c1", "bruno")]


def test_ending_wrap_up_early_makes_the_agent_available_at_once() -> None:
    router = center(BRUNO)
    busy(router, "bruno", at(), "bruno-call")
    router.hang_up("bruno", at(60), wrap_up_seconds=120)
    router.set_state("bruno", AgentState.AVAILABLE, at(70))
    assert routed(arrive(router, call("c1", at(71)))) == [("c1", "bruno")]
    assert router.next_event_at() is None  # the stale wrap-up end is gone


def test_no_answer_sets_the_agent_not_ready_and_the_call_back_at_its_place() -> None:
    # Given Bruno offered a call from 9:00:10 while another caller waits since 9:00:20,
    router = center(BRUNO, CHLOE)
    busy(router, "chloe", at(), "chloe-call")
    assert routed(arrive(router, call("c1", at(10)))) == [("c1", "bruno")]
    arrive(router, call("c2", at(20)))

    # when Bruno does not answer,
    router.reject("c1", at(30))

    # then he is NOT_READY with reason "no answer", the call is first in line again,
    bruno = router.agent_status("bruno")
    assert (bruno.state, bruno.reason) == (AgentState.NOT_READY, NO_ANSWER)
    assert [c.contact.contact_id for c in router.waiting("orbit-fr")] == ["c1", "c2"]
    assert router.route(at(31)) == []  # nobody else is ready
    # and when Chloé frees up she takes it, its wait counted from 9:00:10.
    router.hang_up("chloe", at(40))
    (assignment,) = router.route(at(40))
    assert (assignment.contact_id, assignment.agent_id) == ("c1", "chloe")
    assert assignment.waited_seconds == 30


def test_a_caller_hanging_up_while_it_rings_puts_the_agent_back_in_their_place() -> None:
    router = center(BRUNO, CHLOE)  # Bruno ready first
    assert routed(arrive(router, call("c1", at(10)))) == [("c1", "bruno")]
    abandoned = router.abandon("c1", at(15))
    assert abandoned.waited_seconds == 5
    bruno = router.agent_status("bruno")
    assert bruno.state is AgentState.AVAILABLE
    assert bruno.available_since == at(0)  # still idle longest
    assert routed(arrive(router, call("c2", at(20)))) == [("c2", "bruno")]


def test_transitions_are_checked_with_a_clear_message() -> None:
    router = center(BRUNO)
    router.set_agent(CHLOE)  # logged out
    with pytest.raises(InvalidTransition, match="not on a call"):
        router.hang_up("chloe", at(1))
    with pytest.raises(InvalidTransition, match="not set_state"):
        router.set_state("bruno", AgentState.ON_CALL, at(1))
    with pytest.raises(AcdError, match="needs a reason"):
        router.set_state("bruno", AgentState.NOT_READY, at(1))
    arrive(router, call("c1", at(2)))
    with pytest.raises(InvalidTransition, match="reserved with contact 'c1'"):
        router.set_state("bruno", AgentState.LOGGED_OUT, at(3))
    arrive(router, call("c2", at(4)))
    with pytest.raises(InvalidTransition, match="not offered"):
        router.answer("c2", at(5))
    with pytest.raises(UnknownId, match="nobody"):
        router.set_state("nobody", AgentState.AVAILABLE, at(5))
    with pytest.raises(AcdError, match="timezone-aware"):
        router.route(datetime(2026, 3, 16, 9))
    with pytest.raises(AcdError, match="already in the router"):
        router.enqueue(call("c2", at(6)), at(6))
    with pytest.raises(AcdError, match="arrives after now"):
        router.enqueue(call("c3", at(60)), at(6))
    # The transition table itself: nothing but route enters RESERVED.
    assert [state for state, targets in TRANSITIONS.items() if AgentState.RESERVED in targets] == [
        AgentState.AVAILABLE
    ]


# --- callbacks and transfers -------------------------------------------------------------------


def test_a_callback_keeps_the_callers_place_in_line() -> None:
    # Given Bruno busy, a caller waiting since 9:00:00 and another since 9:00:20,
    router = center(BRUNO)
    busy(router, "bruno", at(), "bruno-call")
    arrive(router, call("first", at(0)))
    arrive(router, call("second", at(20)))

    # when the first caller asks to be called back at 9:00:40 (virtual hold),
    callback = router.convert_to_callback("first", at(40))
    assert callback.callback
    assert callback.arrival == at(0)
    # and a web callback request carrying a 9:00:10 call's arrival comes in,
    arrive(router, call("web", at(10), callback=True))

    # then the callbacks are served in the order of the original calls.
    order = []
    for minute in (1, 2, 3):
        router.hang_up("bruno", at(minutes=minute))
        (assignment,) = router.route(at(minutes=minute))
        order.append((assignment.contact_id, assignment.callback))
        router.answer(assignment.contact_id, at(minutes=minute))
    assert order == [("first", True), ("web", True), ("second", False)]
    assert router.stats()["orbit-fr"].offered == 3  # the conversion is no new offer


def test_transfer_to_another_queue_keeps_priority_and_optionally_the_place() -> None:
    l2 = Queue(queue_id="orbit-l2", required_skills={ORBIT: 3}, tier_rank=2)
    router = center(BRUNO, INES, queues=[ORBIT_FR, l2])
    busy(router, "ines", at(), "ines-call")
    # Given Bruno talking with a premier caller since 9:01,
    assert routed(arrive(router, call("premier", at(minutes=1), priority=10))) == [
        ("premier", "bruno")
    ]
    router.answer("premier", at(minutes=1))
    arrive(router, call("other", at(minutes=2), queue=l2))

    # when he transfers the call to L2 at 9:05, with 10 s of wrap-up,
    moved = router.transfer("premier", "orbit-l2", at(minutes=5), wrap_up_seconds=10)

    # then it arrives in L2 now, still premier: it goes before the earlier L2 caller,
    assert (moved.queue_id, moved.priority, moved.arrival) == ("orbit-l2", 10, at(minutes=5))
    assert router.agent_status("bruno").state is AgentState.WRAP_UP
    router.hang_up("ines", at(minutes=6))
    assert routed(router.route(at(minutes=6))) == [("premier", "ines")]
    stats = router.stats()
    assert (stats["orbit-fr"].transferred_out, stats["orbit-fr"].handled) == (1, 1)
    assert stats["orbit-l2"].offered == 2

    # and with keep_place a waiting contact keeps its original arrival.
    arrive(router, call("late", at(minutes=7)))
    kept = router.transfer("late", "orbit-l2", at(minutes=8), keep_place=True)
    assert kept.arrival == at(minutes=7)


# --- expected wait and statistics --------------------------------------------------------------


def test_expected_wait_follows_the_line_and_the_staff() -> None:
    queue = Queue(queue_id="orbit-fr", required_skills={ORBIT: 1, FRENCH: 1}, handle_seconds=300)
    # Nobody staffed: no estimate can be given.
    router = Router(queues=[queue], agents=[BRUNO, CHLOE])
    assert router.expected_wait("orbit-fr", at()) == math.inf

    # Bruno and Chloé ready, nobody waiting: no wait.
    router.set_state("bruno", AgentState.AVAILABLE, at())
    router.set_state("chloe", AgentState.AVAILABLE, at())
    assert router.expected_wait("orbit-fr", at(1)) == 0

    # Both on calls and three callers waiting: the 4th waits about 4 x 300 / 2 = 600 s,
    busy(router, "bruno", at(2), "b")
    busy(router, "chloe", at(2), "c")
    for number in range(3):
        arrive(router, call(f"w{number}", at(3), queue=queue))
    assert router.expected_wait("orbit-fr", at(4)) == 600
    # a premier caller only queues behind premier callers: 1 x 300 / 2,
    assert router.expected_wait("orbit-fr", at(4), priority=10) == 150
    # and handle times learned from hang-ups move the estimate (moving average):
    router.hang_up("bruno", at(62))
    assert routed(router.route(at(62))) == [("w0", "bruno")]
    router.answer("w0", at(62))
    router.hang_up("bruno", at(122), wrap_up_seconds=10)  # 60 s of talk + 10 of wrap-up
    assert router.handle_seconds("orbit-fr") == pytest.approx(300 + 0.1 * (70 - 300))
    assert router.expected_wait("orbit-fr", at(122)) == pytest.approx(3 * 277 / 2)


def test_expected_wait_counts_overflow_staff_after_their_step() -> None:
    # Only Inès (L2) is staffed for the L1 queue: she may take its calls after 60 s.
    router = center(INES)
    assert router.expected_wait("orbit-fr", at(1)) == 60


def test_counters_count_offered_answered_within_threshold_and_abandoned() -> None:
    router = center(BRUNO)
    # One call answered in 5 s, one in 25 s (over T = 20 s), one abandoned after 40 s.
    arrive(router, call("quick", at(0)))
    router.answer("quick", at(5))
    arrive(router, call("slow", at(10)))
    arrive(router, call("gone", at(15)))
    router.hang_up("bruno", at(35))
    assert routed(router.route(at(35))) == [("slow", "bruno")]
    router.answer("slow", at(35))
    router.abandon("gone", at(55))

    stats = router.reset_stats()["orbit-fr"]
    assert (stats.offered, stats.answered, stats.answered_within_threshold) == (3, 2, 1)
    assert (stats.abandoned, stats.abandoned_wait_seconds) == (1, 40)
    assert stats.total_wait_seconds == 30
    assert stats.service_level == 0.5
    assert stats.average_speed_of_answer == 15
    assert stats.abandonment_rate == pytest.approx(1 / 3)
    # Reading and resetting is one step: the counters start again from zero.
    assert router.stats()["orbit-fr"].offered == 0


# --- rebuilding -------------------------------------------------------------------------------


def test_a_router_rebuilt_from_its_snapshot_goes_on_identically() -> None:
    # Given Bruno wrapping up, Chloé in training, Inès talking and two callers waiting,
    router = center(INES, BRUNO, CHLOE, DMITRI, queues=[ORBIT_FR, ORBIT_ANY])
    busy(router, "bruno", at(1), "b")
    router.hang_up("bruno", at(30), wrap_up_seconds=60)
    router.set_state("chloe", AgentState.NOT_READY, at(31), reason="training")
    assert routed(arrive(router, call("c1", at(40), queue=ORBIT_ANY, priority=5))) == [
        ("c1", "ines")
    ]
    router.answer("c1", at(46))
    arrive(router, call("c2", at(45)))
    arrive(router, call("c3", at(50)))

    # when the router is rebuilt from its snapshot, then it is the same router

    snapshot = router.snapshot()
    rebuilt = Router.from_snapshot(snapshot)
    assert rebuilt.snapshot() == snapshot
    # and both take the same decisions afterwards.
    for either in (router, rebuilt):
        either.set_state("chloe", AgentState.AVAILABLE, at(100))
    decisions = routed(router.route(at(200)))
    assert decisions == routed(rebuilt.route(at(200))) == [("c2", "dmitri"), ("c3", "bruno")]
    assert rebuilt.snapshot() == router.snapshot()


def test_a_snapshot_built_by_the_app_is_checked() -> None:
    talking = AgentStatus(agent=BRUNO, state=AgentState.ON_CALL, contact_id="c1")
    ringing = ContactStatus(contact=call("c1", at(0)), state=ContactState.OFFERED, agent_id="bruno")
    # An agent on a call the snapshot does not list,
    with pytest.raises(UnknownId, match="c1"):
        Router.from_snapshot(RouterSnapshot(queues=(ORBIT_FR,), agents=(talking,)))
    # on a call that is still ringing,
    with pytest.raises(AcdError, match="cannot hold"):
        Router.from_snapshot(
            RouterSnapshot(queues=(ORBIT_FR,), agents=(talking,), contacts=(ringing,))
        )
    # or a contact ringing for an agent who is idle: the app's data disagrees with itself.
    idle = AgentStatus(agent=BRUNO, state=AgentState.AVAILABLE, since=at(0))
    with pytest.raises(AcdError, match="does not hold it"):
        Router.from_snapshot(
            RouterSnapshot(queues=(ORBIT_FR,), agents=(idle,), contacts=(ringing,))
        )
    # A consistent one: the wrap-up that ended while the app was down ends on the next call.
    wrapping = AgentStatus(agent=BRUNO, state=AgentState.WRAP_UP, wrap_up_until=at(30))
    waiting = ContactStatus(contact=call("c2", at(10)))
    rebuilt = Router.from_snapshot(
        RouterSnapshot(queues=(ORBIT_FR,), agents=(wrapping,), contacts=(waiting,))
    )
    assert routed(rebuilt.route(at(60))) == [("c2", "bruno")]


# --- properties ---------------------------------------------------------------------------------

PROPERTIES = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SKILLS = ("product:A", "product:B", "language:fr", "language:en")
SITES = ("paris", "lyon")


@st.composite
def skill_maps(draw: st.DrawFn, *, max_size: int, max_level: int) -> dict[str, int]:
    chosen = draw(st.lists(st.sampled_from(SKILLS), max_size=max_size, unique=True))
    return {skill: draw(st.integers(1, max_level)) for skill in chosen}


@st.composite
def queues(draw: st.DrawFn, queue_id: str) -> Queue:
    steps = []
    after, delta, any_site, dropped = 0, 0, False, frozenset[str]()
    for _ in range(draw(st.integers(0, 2))):
        after += draw(st.integers(1, 40))
        delta += draw(st.integers(0, 1))
        any_site = any_site or draw(st.booleans())
        dropped = dropped | frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=1)))
        steps.append(
            OverflowStep(
                after_seconds=after,
                max_tier_rank_delta=delta,
                any_site=any_site,
                drop_skills=dropped,
            )
        )
    return Queue(
        queue_id=queue_id,
        required_skills=draw(skill_maps(max_size=2, max_level=3)),
        strategy=draw(st.sampled_from(Strategy)),
        weight=draw(st.sampled_from([0.5, 1.0, 2.0])),
        overflow=tuple(steps),
        tier_rank=draw(st.sampled_from([None, None, 1, 2])),
        site=draw(st.sampled_from([None, None, *SITES])),
    )


@st.composite
def agents(draw: st.DrawFn, agent_id: str) -> Agent:
    held = draw(st.lists(st.booleans(), min_size=len(SKILLS), max_size=len(SKILLS)))
    return Agent(
        agent_id=agent_id,
        skills={
            skill: draw(st.integers(1, 5)) for skill, has in zip(SKILLS, held, strict=True) if has
        },
        site=draw(st.sampled_from(SITES)),
        tier_rank=draw(st.integers(1, 3)),
    )


@dataclass(frozen=True)
class World:
    queues: tuple[Queue, ...]
    agents: tuple[Agent, ...]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    queue_count = draw(st.integers(1, 3))
    agent_count = draw(st.integers(1, 6))
    return World(
        queues=tuple(draw(queues(f"q{n}")) for n in range(queue_count)),
        agents=tuple(draw(agents(f"agent-{n}")) for n in range(agent_count)),
    )


# An event: a kind and small integers, read modulo whatever is possible when it happens.
EVENTS = st.tuples(
    st.sampled_from(
        [
            *("arrive", "arrive", "arrive", "tick", "tick", "answer", "hang_up", "reject"),
            *("abandon", "state", "state", "transfer", "callback", "reskill", "reconfigure"),
        ]
    ),
    st.integers(0, 1_000),
    st.integers(0, 1_000),
    st.integers(0, 1_000),
)


def step_in_force(queue: Queue, arrival: datetime, now: datetime) -> int:
    waited = (now - arrival).total_seconds()
    return sum(1 for step in queue.overflow if step.after_seconds <= waited)


def requirements(queue: Queue, contact: Contact) -> dict[str, int]:
    needed = dict(queue.required_skills)
    for skill, level in contact.extra_skills.items():
        needed[skill] = max(needed.get(skill, 0), level)
    return needed


def eligible(queue: Queue, contact: Contact, agent: Agent, now: datetime) -> bool:
    """The rule of ``Queue``, written out again from its docstring."""
    step = step_in_force(queue, contact.arrival, now)
    level = queue.overflow[step - 1] if step else OverflowStep(after_seconds=1)
    if queue.tier_rank is not None and not (
        queue.tier_rank <= agent.tier_rank <= queue.tier_rank + level.max_tier_rank_delta
    ):
        return False
    if queue.site is not None and not level.any_site and agent.site != queue.site:
        return False
    return all(
        agent.skills.get(skill, 0) >= minimum
        for skill, minimum in requirements(queue, contact).items()
        if skill not in level.drop_skills
    )


def reference_route(
    before: RouterSnapshot, queues_by_id: dict[str, Queue], now: datetime
) -> list[tuple[str, str]]:
    """The routing rule applied by brute force to the state before ``route``."""
    idle: dict[str, tuple[AgentStatus, datetime]] = {}
    for status in before.agents:
        if status.state is AgentState.AVAILABLE:
            assert status.available_since is not None
            idle[status.agent.agent_id] = (status, status.available_since)
        elif status.state is AgentState.WRAP_UP:
            assert status.wrap_up_until is not None
            if status.wrap_up_until <= now:
                idle[status.agent.agent_id] = (status, status.wrap_up_until)
    waiting = [c.contact for c in before.contacts if c.state is ContactState.WAITING]
    last = dict(before.round_robin_last)
    decisions: list[tuple[str, str]] = []
    while True:
        ranked = []
        for contact in waiting:
            queue = queues_by_id[contact.queue_id]
            able = [
                key
                for key, (status, _) in idle.items()
                if eligible(queue, contact, status.agent, now)
            ]
            if able:
                weighted = (now - contact.arrival).total_seconds() * queue.weight
                key = (-contact.priority, -weighted, contact.arrival, contact.contact_id)
                ranked.append((key, contact, able))
        if not ranked:
            return decisions
        _, contact, able = min(ranked, key=lambda entry: entry[0])
        queue = queues_by_id[contact.queue_id]
        chosen = pick(queue, contact, able, idle, last.get(queue.queue_id))
        decisions.append((contact.contact_id, chosen))
        waiting.remove(contact)
        del idle[chosen]
        last[queue.queue_id] = chosen


def pick(
    queue: Queue,
    contact: Contact,
    able: list[str],
    idle: dict[str, tuple[AgentStatus, datetime]],
    last: str | None,
) -> str:
    if queue.strategy is Strategy.ROUND_ROBIN:
        later = sorted(key for key in able if last is not None and key > last)
        return later[0] if later else min(able)
    if queue.strategy is Strategy.FEWEST_CALLS:
        return min(able, key=lambda key: (idle[key][0].calls_handled, idle[key][1], key))
    if queue.strategy is Strategy.BEST_PROFICIENCY:
        needed = requirements(queue, contact)

        def score(key: str) -> int:
            return sum(idle[key][0].agent.skills.get(skill, 0) for skill in needed)

        return min(able, key=lambda key: (-score(key), idle[key][1], key))
    return min(able, key=lambda key: (idle[key][1], key))


def check_consistent(router: Router) -> None:
    """Agents and contacts agree on who holds what; nobody holds two contacts."""
    snapshot = router.snapshot()
    held = {}
    for status in snapshot.agents:
        busy_states = (AgentState.RESERVED, AgentState.ON_CALL)
        assert (status.contact_id is not None) == (status.state in busy_states)
        if status.contact_id is not None:
            assert status.contact_id not in held
            held[status.contact_id] = (status.agent.agent_id, status.state)
    for contact in snapshot.contacts:
        if contact.state is ContactState.WAITING:
            assert contact.agent_id is None
            assert contact.contact.contact_id not in held
        else:
            expected = (
                AgentState.RESERVED if contact.state is ContactState.OFFERED else AgentState.ON_CALL
            )
            assert held[contact.contact.contact_id] == (contact.agent_id, expected)
    assert len(held) == sum(1 for c in snapshot.contacts if c.state is not ContactState.WAITING)


def route_and_check(router: Router, now: datetime) -> list[Assignment]:
    """``route``, with every invariant of the module docstring checked on its decisions."""
    before = router.snapshot()
    queues_by_id = {queue.queue_id: queue for queue in before.queues}
    expected = reference_route(before, queues_by_id, now)
    assignments = router.route(now)
    assert routed(assignments) == expected
    contacts = {c.contact.contact_id: c.contact for c in before.contacts}
    agents_before = {status.agent.agent_id: status for status in before.agents}
    for assignment in assignments:
        contact = contacts[assignment.contact_id]
        queue = queues_by_id[contact.queue_id]
        agent_before = agents_before[assignment.agent_id]
        # the agent was free and able to take it under the step in force,
        assert agent_before.state is AgentState.AVAILABLE or (
            agent_before.state is AgentState.WRAP_UP
            and agent_before.wrap_up_until is not None
            and agent_before.wrap_up_until <= now
        )
        assert eligible(queue, contact, agent_before.agent, now)
        assert assignment.overflow_step == step_in_force(queue, contact.arrival, now)
        assert router.agent_status(assignment.agent_id).state is AgentState.RESERVED
    # no agent got two contacts,
    assert len({a.agent_id for a in assignments}) == len(assignments)
    after = router.snapshot()
    waiting = [c.contact for c in after.contacts if c.state is ContactState.WAITING]
    for assignment in assignments:  # nobody earlier in line was passed over (FIFO),
        taken = contacts[assignment.contact_id]
        weight = queues_by_id[taken.queue_id].weight
        agent = agents_before[assignment.agent_id].agent
        for other in waiting:
            other_queue = queues_by_id[other.queue_id]
            if other.priority == taken.priority and other_queue.weight == weight:
                assert not (
                    other.arrival < taken.arrival and eligible(other_queue, other, agent, now)
                )
    free = [s.agent for s in after.agents if s.state is AgentState.AVAILABLE]
    for contact in waiting:  # and nothing that could be routed was left (work-conserving).
        queue = queues_by_id[contact.queue_id]
        assert not any(eligible(queue, contact, agent, now) for agent in free)
    check_consistent(router)
    return assignments


def play(router: Router, world: World, events: Sequence[tuple[str, int, int, int]]) -> datetime:
    """Log every agent in, feed the events, routing after each; returns the final instant."""
    now = MONDAY_9AM
    for agent in world.agents:
        router.set_state(agent.agent_id, AgentState.AVAILABLE, now)
    made = 0
    for kind, a, b, c in events:
        snapshot = router.snapshot()
        by_state: dict[ContactState, list[str]] = {state: [] for state in ContactState}
        for status in snapshot.contacts:
            by_state[status.state].append(status.contact.contact_id)
        if kind == "tick":
            now += timedelta(seconds=a % 45)
        elif kind == "arrive":
            queue = world.queues[a % len(world.queues)]
            extra = [{}, {"language:fr": 1}, {"language:en": 2}][b % 3]
            arrival = now - timedelta(seconds=c % 3 * 20)  # some callbacks from the past
            router.enqueue(
                Contact(
                    contact_id=f"c{made:03}",
                    queue_id=queue.queue_id,
                    arrival=arrival,
                    priority=b % 2,
                    extra_skills=extra,
                    callback=arrival < now,
                ),
                now,
            )
            made += 1
        elif kind in ("answer", "reject") and by_state[ContactState.OFFERED]:
            target = by_state[ContactState.OFFERED][a % len(by_state[ContactState.OFFERED])]
            if kind == "answer":
                router.answer(target, now)
            else:
                router.reject(target, now)
        elif kind == "hang_up" and by_state[ContactState.CONNECTED]:
            target = by_state[ContactState.CONNECTED][a % len(by_state[ContactState.CONNECTED])]
            holder = router.contact_status(target).agent_id
            assert holder is not None
            router.hang_up(holder, now, wrap_up_seconds=[0, 10, 30][b % 3])
        elif kind == "abandon" and (
            by_state[ContactState.WAITING] or by_state[ContactState.OFFERED]
        ):
            candidates = by_state[ContactState.WAITING] + by_state[ContactState.OFFERED]
            router.abandon(candidates[a % len(candidates)], now)
        elif kind == "callback" and by_state[ContactState.WAITING]:
            router.convert_to_callback(
                by_state[ContactState.WAITING][a % len(by_state[ContactState.WAITING])], now
            )
        elif kind == "transfer" and snapshot.contacts:
            target = snapshot.contacts[a % len(snapshot.contacts)].contact.contact_id
            queue = world.queues[b % len(world.queues)]
            router.transfer(target, queue.queue_id, now, keep_place=c % 2 == 0, wrap_up_seconds=5)
        elif kind == "reskill":  # agent a is given the skills, site and tier of agent b
            agent_id = world.agents[a % len(world.agents)].agent_id
            router.set_agent(replace(world.agents[b % len(world.agents)], agent_id=agent_id))
        elif kind == "reconfigure":  # queue a takes the configuration of queue b
            queue_id = world.queues[a % len(world.queues)].queue_id
            router.set_queue(replace(world.queues[b % len(world.queues)], queue_id=queue_id))
        elif kind == "state":
            agent = world.agents[a % len(world.agents)]
            state = [AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.LOGGED_OUT][b % 3]
            current = router.agent_status(agent.agent_id).state
            reason = "break" if state is AgentState.NOT_READY else None
            if state in MANUAL_TRANSITIONS[current]:
                router.set_state(agent.agent_id, state, now, reason=reason)
            else:
                with pytest.raises(InvalidTransition):
                    router.set_state(agent.agent_id, state, now, reason=reason)
                assert router.agent_status(agent.agent_id).state is current
        route_and_check(router, now)
    return now


@PROPERTIES
@given(worlds(), st.lists(EVENTS, min_size=8, max_size=40))
def test_routing_follows_the_rules_whatever_happens(
    world: World, events: list[tuple[str, int, int, int]]
) -> None:
    router = Router(queues=world.queues, agents=world.agents)
    now = play(router, world, events)

    # A router rebuilt from the snapshot is the same and decides the same from there on.
    rebuilt = Router.from_snapshot(router.snapshot())
    assert rebuilt.snapshot() == router.snapshot()
    later = now + timedelta(seconds=50)
    for agent in world.agents:
        for either in (router, rebuilt):
            if either.agent_status(agent.agent_id).state in (
                AgentState.NOT_READY,
                AgentState.LOGGED_OUT,
            ):
                either.set_state(agent.agent_id, AgentState.AVAILABLE, later)
    assert routed(router.route(later)) == routed(rebuilt.route(later))
    assert rebuilt.snapshot() == router.snapshot()


@PROPERTIES
@given(worlds(), st.lists(EVENTS, min_size=5, max_size=30))
def test_every_waiting_contact_is_routed_once_able_agents_are_available(
    world: World, events: list[tuple[str, int, int, int]]
) -> None:
    router = Router(queues=world.queues, agents=world.agents)
    now = play(router, world, events)

    # Given, for each queue, an agent able to take all of its contacts (every skill at 5,
    # its tier and site), logged in now,
    for queue in router.snapshot().queues:
        helper = Agent(
            agent_id=f"helper-{queue.queue_id}",
            skills=dict.fromkeys(SKILLS, 5),
            site=queue.site,
            tier_rank=queue.tier_rank or 1,
        )
        router.set_agent(helper)
        router.set_state(helper.agent_id, AgentState.AVAILABLE, now)
    waiting = {
        c.contact.contact_id for c in router.snapshot().contacts if c.state is ContactState.WAITING
    }

    # when calls are answered and ended as they are routed,
    routed_ids: list[str] = []
    for _ in range(len(waiting) + 2):
        now += timedelta(seconds=5)
        for assignment in route_and_check(router, now):
            routed_ids.append(assignment.contact_id)
            router.answer(assignment.contact_id, now)
            router.hang_up(assignment.agent_id, now)

    # then every contact that was waiting has been routed, exactly once.
    assert waiting <= set(routed_ids)
    assert len(routed_ids) == len(set(routed_ids))
    assert not any(c.state is ContactState.WAITING for c in router.snapshot().contacts)


def test_waking_the_router_at_its_next_event_applies_a_wrap_up_ending_between_microseconds() -> (
    None
):
    """A driver that wakes the router at next_event_at() must see time move on."""
    router = Router(
        queues=[Queue(queue_id="q", required_skills={})],
        agents=[Agent(agent_id="a1", skills={})],
    )
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    router.set_state("a1", AgentState.AVAILABLE, start)
    router.enqueue(Contact(contact_id="c1", queue_id="q", arrival=start), start)
    router.route(start)
    router.answer("c1", start)
    # 0.3333333 s ends between two microseconds: a rounded-down wake-up came too early.
    router.hang_up("a1", start + timedelta(seconds=40), wrap_up_seconds=0.3333333)

    wake = router.next_event_at()
    assert wake is not None
    router.route(wake)

    assert router.agent_status("a1").state == AgentState.AVAILABLE
    assert router.next_event_at() is None
