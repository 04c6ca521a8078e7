"""The ACD router: who takes which waiting contact, decided in memory, fast and reproducibly.

The contact-center service feeds a ``Router`` with events (an agent logs in, a contact
arrives, is answered, hangs up…) and asks it for decisions (``route``). The router holds
no clock of its own: every call that can change something takes ``now`` (an aware
datetime) and first applies what time alone changed up to then (wrap-ups that ended,
overflow steps reached). ``now`` never goes back: an earlier ``now`` than the latest seen
is taken as the latest (events from several threads may arrive a little out of order).

Routing (``route``) is greedy and work-conserving. While some waiting contact has an
eligible AVAILABLE agent, take the first such contact in this order:

1. higher ``priority`` first;
2. longer *weighted wait* first: ``(now - arrival) x queue.weight``; within one queue this
   is plain FIFO, across queues a weight-2 queue's contact waiting 30 s ranks with a
   weight-1 queue's contact waiting 60 s;
3. earlier arrival, then contact id;

and offer it to the agent its queue's ``Strategy`` picks among its eligible AVAILABLE
agents (the agent becomes RESERVED). When ``route`` returns, no waiting contact is
eligible to an AVAILABLE agent. Eligibility (skills, tier, site) and overflow steps are
described on ``Queue``; a contact's step is the last one whose ``after_seconds`` its wait
has reached, and it keeps its arrival, hence its place, when it overflows.

The result depends only on the router's state, never on the order in which the events
came in nor on how the router indexes them, so a router rebuilt by ``from_snapshot``
takes the same decisions as the one it was taken from.

How it stays fast (details in ``acd_index``): agents with the same skills, site and tier
share a *profile*; contacts of one queue with the same extra skills share a *class*;
eligibility is computed once per (profile, class) pair. ``route`` only looks at what
changed since the previous call (agents that became AVAILABLE, contacts that started or
went back to waiting or reached an overflow step): every other pair was already found
ineligible. The modules: ``acd_model`` (the plain data, re-exported here), ``acd_index``
(profiles, classes, heaps), ``acd_core`` (state changes and matching), this one (the API).

Driving it from a simulator: feed events in time order and call ``route(now)`` after
each; between events, wake the router at ``next_event_at()`` (a wrap-up ending, an
overflow step) and ``route`` there too. Nothing else happens by itself.

Rebuilding it after a restart: build a ``RouterSnapshot`` from the tables (queues,
agents with their states, contacts waiting, ringing or connected) and call
``Router.from_snapshot``; it checks that agents and contacts agree, applies wrap-ups and
overflow steps that fell due meanwhile at the next call, and decides as the lost router
would have. ``snapshot()`` gives the same structure back.

Expected wait (``expected_wait``): for a new contact of priority ``p`` in queue ``q``,

    k = (waiting contacts of q with priority >= p) + 1 - F
    expected wait = 0 if k <= 0, else  k x AHT(q) / N

where ``N`` is the number of staffed agents (AVAILABLE, RESERVED, ON_CALL, WRAP_UP)
eligible to ``q`` before any overflow, ``F`` those of them AVAILABLE, and ``AHT(q)`` the
queue's average handle time (talk + wrap-up), learned as an exponential moving average
(weight ``AHT_SMOOTHING``) of the contacts hung up, starting from ``Queue.handle_seconds``.
Each of the N agents frees up every AHT seconds on average, so the k-th in line waits
about k x AHT / N. When nobody is staffed before overflow, N and F are taken at the first
overflow step that has staffed agents and the estimate is at least that step's
``after_seconds``; ``inf`` when no step has any. Agents shared with other queues are
counted whole: the estimate is optimistic when queues compete for the same agents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from heapq import heappop, heappush

from escalade.engines.acd_core import AHT_SMOOTHING, RouterCore
from escalade.engines.acd_index import (
    STAFFED,
    AgentSlot,
    ContactSlot,
    Counters,
    QueueSlot,
    instant,
    maybe_instant,
    seconds_of,
)
from escalade.engines.acd_model import (
    MANUAL_TRANSITIONS,
    NO_ANSWER,
    TRANSITIONS,
    Abandoned,
    AcdError,
    Agent,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    Answered,
    Assignment,
    Contact,
    ContactState,
    ContactStatus,
    HungUp,
    InvalidTransition,
    Overflowed,
    OverflowStep,
    Queue,
    QueueStats,
    RouterSnapshot,
    Strategy,
    UnknownId,
)

__all__ = [
    "AHT_SMOOTHING",
    "MANUAL_TRANSITIONS",
    "NO_ANSWER",
    "TRANSITIONS",
    "Abandoned",
    "AcdError",
    "Agent",
    "AgentState",
    "AgentStateChanged",
    "AgentStatus",
    "Answered",
    "Assignment",
    "Contact",
    "ContactState",
    "ContactStatus",
    "HungUp",
    "InvalidTransition",
    "OverflowStep",
    "Overflowed",
    "Queue",
    "QueueStats",
    "Router",
    "RouterSnapshot",
    "Strategy",
    "UnknownId",
]

_AVAILABLE = AgentState.AVAILABLE
_RESERVED = AgentState.RESERVED
_ON_CALL = AgentState.ON_CALL
_WRAP_UP = AgentState.WRAP_UP
_NOT_READY = AgentState.NOT_READY
_LOGGED_OUT = AgentState.LOGGED_OUT
_WAITING = ContactState.WAITING
_OFFERED = ContactState.OFFERED
_CONNECTED = ContactState.CONNECTED


class Router(RouterCore):
    """The live routing state of a contact center, and the decisions taken on it.

    Not thread-safe: one router per process, its calls serialised by the caller.
    """

    def __init__(self, *, queues: Iterable[Queue] = (), agents: Iterable[Agent] = ()) -> None:
        super().__init__()
        for queue in queues:
            self.set_queue(queue)
        for agent in agents:
            self.set_agent(agent)

    # --- configuration -------------------------------------------------------------------

    def set_queue(self, queue: Queue) -> None:
        """Add a queue, or change one (its waiting contacts keep their place)."""
        if not isinstance(queue, Queue):
            raise AcdError(f"Expected a Queue, got {queue!r}.")
        state = self._queues.get(queue.queue_id)
        if state is None:
            self._queues[queue.queue_id] = QueueSlot(queue)
            return
        state.config = queue
        state.steps = tuple(step.after_seconds for step in queue.overflow)
        for profile in self._profiles.values():
            profile.unlink(state)
        for cls in state.classes.values():
            cls.configure()
            for profile in self._profiles.values():
                cls.link(profile)
        for contact in self._contacts.values():
            if contact.cls.queue is state and contact.state is _WAITING:
                self._restep(contact, self._clock)

    def remove_queue(self, queue_id: str) -> None:
        state = self._queue(queue_id)
        if any(contact.cls.queue is state for contact in self._contacts.values()):
            raise AcdError(f"Queue {queue_id!r} still has contacts: transfer or end them first.")
        for profile in self._profiles.values():
            profile.unlink(state)
        del self._queues[queue_id]

    def set_agent(self, agent: Agent) -> None:
        """Add an agent (LOGGED_OUT), or change its skills, site or tier in any state."""
        if not isinstance(agent, Agent):
            raise AcdError(f"Expected an Agent, got {agent!r}.")
        profile = self._profile(agent)
        state = self._agents.get(agent.agent_id)
        if state is None:
            self._agents[agent.agent_id] = AgentSlot(agent, profile)
            return
        state.config = agent
        if state.profile is profile:
            return
        available, staffed = state.state is _AVAILABLE, state.state in STAFFED
        if available:
            state.profile.leave(state)
        if staffed:
            state.profile.staffed -= 1
            profile.staffed += 1
        state.profile = profile
        if available:
            self._enter_available(state, state.available_since)

    def remove_agent(self, agent_id: str) -> None:
        agent = self._agent(agent_id)
        if agent.state is not _LOGGED_OUT:
            raise AcdError(f"Agent {agent_id!r} is {agent.state}: log it out first.")
        del self._agents[agent_id]

    # --- agents ----------------------------------------------------------------------------

    def set_state(
        self, agent_id: str, state: AgentState, now: datetime, *, reason: str | None = None
    ) -> None:
        """Log in/out, go ready or not ready (with a reason), end a wrap-up early."""
        t = self._now(now)
        agent = self._agent(agent_id)
        state = AgentState(state)
        if state not in MANUAL_TRANSITIONS[agent.state]:
            if agent.contact is not None:
                raise InvalidTransition(
                    f"Agent {agent_id!r} is {agent.state} with contact "
                    f"{agent.contact.contact_id!r}: answer, reject or hang up first."
                )
            if state in (_RESERVED, _ON_CALL, _WRAP_UP):
                raise InvalidTransition(
                    f"{state} is entered by route/answer/hang_up, not set_state "
                    f"(agent {agent_id!r})."
                )
            allowed = ", ".join(sorted(MANUAL_TRANSITIONS[agent.state])) or "none"
            raise InvalidTransition(
                f"Agent {agent_id!r} cannot go from {agent.state} to {state} by hand "
                f"(allowed: {allowed})."
            )
        if state is _NOT_READY and (not isinstance(reason, str) or not reason):
            raise AcdError(f"Agent {agent_id!r}: NOT_READY needs a reason code.")
        if state is not _NOT_READY and reason is not None:
            raise AcdError(f"Agent {agent_id!r}: only NOT_READY takes a reason, not {state}.")
        self._move(agent, state, t)
        agent.reason = reason

    def reset_calls_handled(self, agent_id: str | None = None) -> None:
        """Start counting calls afresh (FEWEST_CALLS), for one agent or all."""
        agents = self._agents.values() if agent_id is None else [self._agent(agent_id)]
        for agent in agents:
            agent.calls_handled = 0
            if agent.state is _AVAILABLE:
                agent.profile.leave(agent)
                self._enter_available(agent, agent.available_since)

    # --- contacts --------------------------------------------------------------------------

    def enqueue(self, contact: Contact, now: datetime) -> None:
        """A contact (call or callback) starts waiting; its arrival may be in the past."""
        t = self._now(now)
        if not isinstance(contact, Contact):
            raise AcdError(f"Expected a Contact, got {contact!r}.")
        if contact.contact_id in self._contacts:
            raise AcdError(f"Contact {contact.contact_id!r} is already in the router.")
        queue = self._queue(contact.queue_id)
        state = ContactSlot(contact, self._class(queue, contact.extra_skills))
        if state.arrival > t:
            raise AcdError(f"Contact {contact.contact_id!r} arrives after now ({now}).")
        self._contacts[contact.contact_id] = state
        queue.counters.offered += 1
        self._queue_up(state, t)

    def route(self, now: datetime) -> list[Assignment]:
        """Offer waiting contacts to AVAILABLE agents (see the module docstring)."""
        t = self._now(now)
        if not (self._fresh_agents or self._fresh_contacts):
            return []
        return self._match(t)

    def answer(self, contact_id: str, now: datetime) -> Answered:
        """The agent took the offered contact: ON_CALL, the contact is CONNECTED."""
        t = self._now(now)
        contact = self._contact(contact_id)
        agent = contact.agent
        if contact.state is not _OFFERED or agent is None:
            raise InvalidTransition(f"Contact {contact_id!r} is {contact.state}, not offered.")
        self._move(agent, _ON_CALL, t)
        agent.calls_handled += 1
        contact.state = _CONNECTED
        contact.answered_at = t
        queue = contact.cls.queue
        waited = t - contact.arrival
        within = waited <= queue.config.service_level_seconds
        counters = queue.counters
        counters.answered += 1
        counters.answered_within_threshold += within
        counters.total_wait_seconds += waited
        return Answered(
            contact_id=contact_id,
            agent_id=agent.agent_id,
            queue_id=queue.queue_id,
            at=self._at,
            waited_seconds=waited,
            within_service_level=within,
        )

    def reject(self, contact_id: str, now: datetime, *, reason: str = NO_ANSWER) -> None:
        """The agent did not answer (or refused): NOT_READY, the contact back at its place."""
        t = self._now(now)
        contact = self._contact(contact_id)
        agent = contact.agent
        if contact.state is not _OFFERED or agent is None:
            raise InvalidTransition(f"Contact {contact_id!r} is {contact.state}, not offered.")
        if not isinstance(reason, str) or not reason:
            raise AcdError("A rejection needs a reason code.")
        self._move(agent, _NOT_READY, t)
        agent.reason = reason
        agent.contact = None
        self._queue_up(contact, t)

    def hang_up(self, agent_id: str, now: datetime, *, wrap_up_seconds: float = 0.0) -> HungUp:
        """The call ends: the agent wraps up for ``wrap_up_seconds``, then is AVAILABLE."""
        t = self._now(now)
        agent = self._agent(agent_id)
        contact = agent.contact
        if agent.state is not _ON_CALL or contact is None:
            raise InvalidTransition(f"Agent {agent_id!r} is {agent.state}, not on a call.")
        handle = self._release(agent, contact, t, wrap_up_seconds)
        del self._contacts[contact.contact_id]
        return HungUp(
            contact_id=contact.contact_id,
            agent_id=agent_id,
            queue_id=contact.cls.queue.queue_id,
            at=self._at,
            handle_seconds=handle,
            wrap_up_until=maybe_instant(agent.wrap_up_until),
        )

    def abandon(self, contact_id: str, now: datetime) -> Abandoned:
        """The caller hung up before being answered (waiting, or while alerting)."""
        t = self._now(now)
        contact = self._contact(contact_id)
        if contact.state is _CONNECTED:
            raise InvalidTransition(f"Contact {contact_id!r} is connected: hang it up instead.")
        self._detach(contact)
        del self._contacts[contact_id]
        queue = contact.cls.queue
        waited = t - contact.arrival
        queue.counters.abandoned += 1
        queue.counters.abandoned_wait_seconds += waited
        return Abandoned(
            contact_id=contact_id, queue_id=queue.queue_id, at=self._at, waited_seconds=waited
        )

    def transfer(
        self,
        contact_id: str,
        queue_id: str,
        now: datetime,
        *,
        keep_place: bool = False,
        wrap_up_seconds: float = 0.0,
    ) -> Contact:
        """Move a contact to another queue, keeping its priority and extra skills.

        It arrives in the new queue ``now``, or keeps its arrival (its place) with
        ``keep_place``. A connected contact frees its agent, who wraps up for
        ``wrap_up_seconds``. Returns the contact as it now waits.
        """
        t = self._now(now)
        contact = self._contact(contact_id)
        target = self._queue(queue_id)
        if contact.state is _CONNECTED and contact.agent is not None:
            self._release(contact.agent, contact, t, wrap_up_seconds)
        else:
            self._detach(contact)
        contact.cls.queue.counters.transferred_out += 1
        arrival = contact.config.arrival if keep_place else self._at
        config = replace(contact.config, queue_id=queue_id, arrival=arrival)
        contact.config = config
        contact.cls = self._class(target, config.extra_skills)
        if not keep_place:
            contact.arrival = t
            contact.order = (t, contact_id)
        contact.answered_at = None
        target.counters.offered += 1
        self._queue_up(contact, t)
        return config

    def convert_to_callback(self, contact_id: str, now: datetime) -> Contact:
        """Virtual hold: a waiting caller asks to be called back; the place in line is kept."""
        self._now(now)
        contact = self._contact(contact_id)
        if contact.state is not _WAITING:
            raise InvalidTransition(f"Contact {contact_id!r} is {contact.state}, not waiting.")
        contact.config = replace(contact.config, callback=True)
        return contact.config

    # --- time ------------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[AgentStateChanged | Overflowed]:
        """Apply what time alone changed up to ``now`` and say what it was.

        Every other call taking ``now`` applies these changes silently: call ``advance``
        first to observe them.
        """
        events: list[AgentStateChanged | Overflowed] = []
        t = seconds_of(now)
        if t > self._clock:
            self._clock = t
            self._at = now
        self._advance(self._clock, events)
        return events

    def next_event_at(self) -> datetime | None:
        """The next instant at which time alone changes something (wrap-up end, overflow)."""
        wrap_ups, steps = self._wrap_ups, self._steps
        while wrap_ups and not self._wrap_up_due(wrap_ups[0]):
            heappop(wrap_ups)
        while steps and not self._step_due(steps[0]):
            heappop(steps)
        if wrap_ups:
            due = min(wrap_ups[0][0], steps[0][0]) if steps else wrap_ups[0][0]
        elif steps:
            due = steps[0][0]
        else:
            return None
        if due != self._next_due:  # asked again and again by a simulator: keep the last
            # Rounded up to the microsecond: a datetime rounded down would come just
            # before the event, and a driver waking the router there would spin.
            at = instant(due)
            if seconds_of(at) < due:
                at += timedelta(microseconds=1)
            self._next_due, self._next_at = due, at
        return self._next_at

    @property
    def clock(self) -> datetime | None:
        """The latest ``now`` the router has seen."""
        return None if self._clock == -math.inf else instant(self._clock)  # in UTC

    # --- reading ---------------------------------------------------------------------------

    def expected_wait(self, queue_id: str, now: datetime, *, priority: int = 0) -> float:
        """Seconds a new contact of ``priority`` would wait in the queue (module docstring)."""
        self._now(now)
        queue = self._queue(queue_id)
        ahead = sum(
            len(bucket)
            for cls in queue.classes.values()
            for level, bucket in cls.buckets.items()
            if level >= priority
        )
        for step, eligible in enumerate(self._class(queue, {}).eligible):
            staffed = sum(profile.staffed for profile in eligible)
            if staffed:
                free = sum(profile.available for profile in eligible)
                position = ahead + 1 - free
                estimate = 0.0 if position <= 0 else position * queue.aht / staffed
                return max(estimate, queue.steps[step - 1] if step else 0.0)
        return math.inf

    def handle_seconds(self, queue_id: str) -> float:
        """The queue's average handle time (talk + wrap-up) as learned so far."""
        return self._queue(queue_id).aht

    def agent_status(self, agent_id: str) -> AgentStatus:
        return self._agent_status(self._agent(agent_id))

    def agents(self) -> list[AgentStatus]:
        return [self._agent_status(self._agents[key]) for key in sorted(self._agents)]

    def contact_status(self, contact_id: str) -> ContactStatus:
        return self._contact_status(self._contact(contact_id))

    def waiting(self, queue_id: str) -> list[ContactStatus]:
        """The queue's waiting contacts, by priority then arrival then id."""
        queue = self._queue(queue_id)
        contacts = [
            contact
            for cls in queue.classes.values()
            for bucket in cls.buckets.values()
            for contact in bucket
        ]
        contacts.sort(key=lambda c: (-c.priority, c.order))
        return [self._contact_status(contact) for contact in contacts]

    def stats(self) -> dict[str, QueueStats]:
        """Counters per queue since the last reset."""
        return {key: self._queues[key].counters.freeze() for key in sorted(self._queues)}

    def reset_stats(self) -> dict[str, QueueStats]:
        """The counters per queue, set back to zero in the same step (no event lost)."""
        taken = self.stats()
        for queue in self._queues.values():
            queue.counters = Counters()
        return taken

    # --- snapshots -------------------------------------------------------------------------

    def snapshot(self) -> RouterSnapshot:
        """The whole state as plain data (sorted by id): ``from_snapshot`` rebuilds it."""
        rotation = {
            key: queue.round_robin_last
            for key, queue in sorted(self._queues.items())
            if queue.round_robin_last is not None
        }
        return RouterSnapshot(
            clock=self.clock,
            queues=tuple(self._queues[key].config for key in sorted(self._queues)),
            agents=tuple(self.agents()),
            contacts=tuple(
                self._contact_status(self._contacts[key]) for key in sorted(self._contacts)
            ),
            stats=self.stats(),
            handle_seconds={key: self._queues[key].aht for key in sorted(self._queues)},
            round_robin_last=rotation,
        )

    @classmethod
    def from_snapshot(cls, snapshot: RouterSnapshot) -> Router:
        """A router in the state described; the states must agree with each other."""
        router = cls(queues=snapshot.queues, agents=[status.agent for status in snapshot.agents])
        if len(router._agents) != len(snapshot.agents):
            raise AcdError("The snapshot lists an agent twice.")
        if snapshot.clock is not None:
            router._clock = seconds_of(snapshot.clock, "clock")
            router._at = snapshot.clock
        for status in snapshot.contacts:
            router._restore_contact(status)
        for agent_status in snapshot.agents:
            router._restore_agent(agent_status)
        for status in snapshot.contacts:
            holder = router._contacts[status.contact.contact_id].agent
            if (None if holder is None else holder.agent_id) != status.agent_id:
                raise AcdError(
                    f"Contact {status.contact.contact_id!r} is {status.state} with agent "
                    f"{status.agent_id!r}, but that agent does not hold it."
                )
        for key, stats in snapshot.stats.items():
            router._queue(key).counters = Counters.of(stats)
        for key, seconds in snapshot.handle_seconds.items():
            if not math.isfinite(seconds) or seconds <= 0:
                raise AcdError(f"handle_seconds of {key!r} must be finite and > 0.")
            router._queue(key).aht = seconds
        for key, agent_id in snapshot.round_robin_last.items():
            router._queue(key).round_robin_last = agent_id
        return router

    def _restore_contact(self, status: ContactStatus) -> None:
        config = status.contact
        if config.contact_id in self._contacts:
            raise AcdError(f"The snapshot lists contact {config.contact_id!r} twice.")
        queue = self._queue(config.queue_id)
        contact = ContactSlot(config, self._class(queue, config.extra_skills))
        self._contacts[config.contact_id] = contact
        state = ContactState(status.state)
        if state is _WAITING:
            if status.agent_id is not None:
                raise AcdError(f"Waiting contact {config.contact_id!r} cannot have an agent.")
            self._queue_up(contact, self._clock)
            return
        if status.agent_id is None or (state is _CONNECTED and status.answered_at is None):
            raise AcdError(f"Contact {config.contact_id!r} is {state}: give its agent and times.")
        contact.state = state
        contact.step = status.overflow_step
        contact.offered_at = seconds_of(status.offered_at or instant(contact.arrival), "offered_at")
        if status.answered_at is not None:
            contact.answered_at = seconds_of(status.answered_at, "answered_at")

    def _restore_agent(self, status: AgentStatus) -> None:
        agent = self._agents[status.agent.agent_id]
        state = AgentState(status.state)
        what = f"Agent {agent.agent_id!r} ({state})"
        contact = None
        if status.contact_id is not None:
            contact = self._contact(status.contact_id)
            wanted = {_RESERVED: _OFFERED, _ON_CALL: _CONNECTED}.get(state)
            if contact.state is not wanted:
                raise AcdError(f"{what} cannot hold contact {status.contact_id!r}.")
            if contact.agent is not None:
                raise AcdError(f"Contact {status.contact_id!r} is held by two agents.")
            contact.agent = agent
        elif state in (_RESERVED, _ON_CALL):
            raise AcdError(f"{what} must hold a contact.")
        if (state is _NOT_READY) != (status.reason is not None):
            raise AcdError(f"{what}: a reason goes with NOT_READY, and only with it.")
        if (state is _WRAP_UP) != (status.wrap_up_until is not None):
            raise AcdError(f"{what}: wrap_up_until goes with WRAP_UP, and only with it.")
        agent.state = state
        agent.since = None if status.since is None else seconds_of(status.since, "since")
        agent.calls_handled = status.calls_handled
        agent.reason = status.reason
        agent.contact = contact
        if state in STAFFED:
            agent.profile.staffed += 1
        if status.wrap_up_until is not None:
            until = seconds_of(status.wrap_up_until, "wrap_up_until")
            agent.wrap_up_until = until
            heappush(self._wrap_ups, (until, next(self._sequence), agent))
        if state is _AVAILABLE:  # idle since: available_since, since, the clock, the epoch
            since = status.available_since or status.since
            if since is not None:
                self._enter_available(agent, seconds_of(since, "available_since"))
            else:
                self._enter_available(agent, max(self._clock, 0.0))
