"""The moving parts of the ACD router (internal: use ``escalade.engines.acd.Router``)."""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, insort
from collections.abc import Mapping
from datetime import datetime
from heapq import heapify, heappop, heappush
from operator import attrgetter

from escalade.engines.acd_index import (
    STAFFED,
    AgentSlot,
    ContactClass,
    ContactSlot,
    Key,
    Profile,
    QueueSlot,
    best_agent,
    best_contact,
    instant,
    maybe_instant,
    seconds_of,
)
from escalade.engines.acd_model import (
    TRANSITIONS,
    AcdError,
    Agent,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    Assignment,
    ContactState,
    ContactStatus,
    InvalidTransition,
    Overflowed,
    UnknownId,
)

AHT_SMOOTHING = 0.1  # weight of the latest handle time in the moving average

_AVAILABLE = AgentState.AVAILABLE
_RESERVED = AgentState.RESERVED
_WRAP_UP = AgentState.WRAP_UP
_NOT_READY = AgentState.NOT_READY
_WAITING = ContactState.WAITING
_OFFERED = ContactState.OFFERED
_ORDER = attrgetter("order")
_TRANSITIONS = dict(TRANSITIONS)  # a plain dict: looked up on every move
_EPOCH = instant(0)


class RouterCore:
    """The state of a ``Router`` and the moves every public call is made of."""

    def __init__(self) -> None:
        self._clock = -math.inf
        self._at = instant(0)  # ``_clock`` as the datetime the caller gave
        self._queues: dict[str, QueueSlot] = {}
        self._agents: dict[str, AgentSlot] = {}
        self._contacts: dict[str, ContactSlot] = {}
        self._profiles: dict[tuple[object, ...], Profile] = {}
        self._wrap_ups: list[tuple[float, int, AgentSlot]] = []  # heap: wrap-up end
        self._steps: list[tuple[float, int, int, ContactSlot]] = []  # heap: next overflow step
        self._fresh_agents: dict[str, AgentSlot] = {}  # became AVAILABLE since the last route
        self._fresh_contacts: dict[str, ContactSlot] = {}  # (re)started waiting or overflowed
        self._sequence = itertools.count()
        self._next_due, self._next_at = math.nan, instant(0)  # cache of next_event_at

    # --- internals -------------------------------------------------------------------------

    def _now(self, now: datetime) -> float:
        try:
            t = (now - _EPOCH).total_seconds()
        except TypeError:
            t = seconds_of(now)  # raises the error with its message
        if t > self._clock:
            self._clock = t
            self._at = now
        else:
            t = self._clock
        if (self._wrap_ups and self._wrap_ups[0][0] <= t) or (
            self._steps and self._steps[0][0] <= t
        ):
            self._advance(t, None)
        return t

    def _advance(self, t: float, events: list[AgentStateChanged | Overflowed] | None) -> None:
        wrap_ups = self._wrap_ups
        while wrap_ups and wrap_ups[0][0] <= t:
            wrap_up = heappop(wrap_ups)
            if self._wrap_up_due(wrap_up):
                until, _, agent = wrap_up
                self._move(agent, _AVAILABLE, until)
                if events is not None:
                    ended = instant(until)
                    events.append(
                        AgentStateChanged(agent_id=agent.agent_id, state=_AVAILABLE, at=ended)
                    )
        steps = self._steps
        while steps and steps[0][0] <= t:
            entry = heappop(steps)
            if self._step_due(entry):
                at, _, token, contact = entry
                contact.step += 1
                self._fresh_contacts[contact.contact_id] = contact
                queue = contact.cls.queue
                if contact.step < len(queue.steps):
                    due = contact.arrival + queue.steps[contact.step]
                    heappush(steps, (due, next(self._sequence), token, contact))
                if events is not None:
                    events.append(
                        Overflowed(
                            contact_id=contact.contact_id,
                            queue_id=queue.queue_id,
                            step=contact.step,
                            at=instant(at),
                        )
                    )

    @staticmethod
    def _wrap_up_due(entry: tuple[float, int, AgentSlot]) -> bool:
        agent = entry[2]
        return agent.state is _WRAP_UP and agent.wrap_up_until == entry[0]

    @staticmethod
    def _step_due(entry: tuple[float, int, int, ContactSlot]) -> bool:
        contact = entry[3]
        return contact.state is _WAITING and contact.token == entry[2]

    def _move(
        self, agent: AgentSlot, state: AgentState, t: float, since: float | None = None
    ) -> None:
        """Every agent state change goes through here (checked against TRANSITIONS)."""
        old = agent.state
        if state not in _TRANSITIONS[old]:
            allowed = ", ".join(sorted(_TRANSITIONS[old]))
            raise InvalidTransition(
                f"Agent {agent.agent_id!r} cannot go from {old} to {state} (allowed: {allowed})."
            )
        profile = agent.profile
        if old is _AVAILABLE:
            profile.leave(agent)
        elif old is _WRAP_UP:
            agent.wrap_up_until = None
        elif old is _NOT_READY:
            agent.reason = None
        staffed = state in STAFFED
        if (old in STAFFED) is not staffed:
            profile.staffed += 1 if staffed else -1
        agent.state = state
        agent.since = t
        if state is _AVAILABLE:
            self._enter_available(agent, t if since is None else since)

    def _enter_available(self, agent: AgentSlot, since: float) -> None:
        agent.available_since = since
        agent.epoch += 1
        agent.profile.enter(agent)
        self._fresh_agents[agent.agent_id] = agent

    def _queue_up(self, contact: ContactSlot, t: float) -> None:
        """Put a contact in line at its place (arrival order within its priority)."""
        cls = contact.cls
        bucket = cls.buckets.get(contact.priority)
        if bucket is None:
            bucket = cls.buckets[contact.priority] = []
            cls.priorities.append(contact.priority)
            cls.priorities.sort(reverse=True)
        if not bucket or bucket[-1].order < contact.order:
            bucket.append(contact)
        else:
            insort(bucket, contact, key=_ORDER)
        cls.waiting += 1
        contact.state = _WAITING
        contact.agent = None
        contact.offered_at = None
        self._restep(contact, t)

    def _restep(self, contact: ContactSlot, t: float) -> None:
        """Set the overflow step in force at ``t`` and schedule the next one."""
        steps = contact.cls.queue.steps
        arrival = contact.arrival
        step = 0
        for after in steps:
            if arrival + after > t:
                break
            step += 1
        contact.step = step
        contact.token += 1
        if step < len(steps):
            entry = (arrival + steps[step], next(self._sequence), contact.token, contact)
            heappush(self._steps, entry)
        self._fresh_contacts[contact.contact_id] = contact

    def _unqueue(self, contact: ContactSlot) -> None:
        """Take a contact out of line (offered, abandoned, transferred)."""
        contact.token += 1  # its pending overflow steps no longer apply
        self._fresh_contacts.pop(contact.contact_id, None)
        cls = contact.cls
        bucket = cls.buckets[contact.priority]
        if bucket[0] is contact:
            del bucket[0]
        else:
            del bucket[bisect_left(bucket, contact.order, key=_ORDER)]
        if not bucket:
            del cls.buckets[contact.priority]
            cls.priorities.remove(contact.priority)
        cls.waiting -= 1

    def _detach(self, contact: ContactSlot) -> None:
        """Take a waiting or offered contact out of line, freeing its agent if offered."""
        if contact.state is _WAITING:
            self._unqueue(contact)
            return
        holder = contact.agent
        if holder is not None:  # offered: the agent keeps its place among the idle ones
            self._move(holder, _AVAILABLE, self._clock, holder.available_since)
            holder.contact = None
            contact.agent = None

    def _release(
        self, agent: AgentSlot, contact: ContactSlot, t: float, wrap_up_seconds: float
    ) -> float:
        """End a connected contact's call: the handle time, learned by its queue."""
        if not (isinstance(wrap_up_seconds, int | float) and 0 <= wrap_up_seconds < math.inf):
            raise AcdError(f"wrap_up_seconds must be finite and >= 0, got {wrap_up_seconds!r}.")
        answered_at = t if contact.answered_at is None else contact.answered_at
        handle = t - answered_at
        queue = contact.cls.queue
        queue.counters.handled += 1
        queue.counters.total_handle_seconds += handle
        queue.aht += AHT_SMOOTHING * (handle + wrap_up_seconds - queue.aht)
        agent.contact = None
        contact.agent = None
        if wrap_up_seconds > 0:
            self._move(agent, _WRAP_UP, t)
            until = t + wrap_up_seconds
            agent.wrap_up_until = until
            heappush(self._wrap_ups, (until, next(self._sequence), agent))
        else:
            self._move(agent, _AVAILABLE, t)
        return handle

    def _match(self, t: float) -> list[Assignment]:
        """The greedy matching of ``route``, started from what changed since the last one.

        Invariant on entry: no waiting contact that is not fresh is eligible to an
        AVAILABLE agent that is not fresh. So the first contact of the routing order that
        has an eligible AVAILABLE agent is either a fresh contact or the best contact of a
        fresh agent: the heap holds both, and an agent's best is recomputed (``watchers``)
        when its best contact goes to someone else.
        """
        fresh_agents, fresh_contacts = self._fresh_agents, self._fresh_contacts
        if len(fresh_agents) + len(fresh_contacts) == 1:  # the usual case, made short
            # One fresh contact: only it can have found an agent, its queue's pick.
            for contact in fresh_contacts.values():
                fresh_contacts.clear()
                chosen = best_agent(contact, self._agents) if contact.state is _WAITING else None
                return [] if chosen is None else [self._assign(contact, chosen, t)]
            # One fresh agent: its best contact, which no other AVAILABLE agent may take.
            for agent in fresh_agents.values():
                fresh_agents.clear()
                found = best_contact(agent, t) if agent.state is _AVAILABLE else None
                return [] if found is None else [self._assign(found[1], agent, t)]
        sequence = self._sequence
        heap: list[tuple[Key, int, ContactSlot]] = []
        watchers: dict[str, list[AgentSlot]] = {}
        for agent in self._fresh_agents.values():
            if agent.state is _AVAILABLE:
                found = best_contact(agent, t)
                if found is not None:
                    heap.append((found[0], next(sequence), found[1]))
                    watchers.setdefault(found[1].contact_id, []).append(agent)
        for contact in self._fresh_contacts.values():
            if contact.state is _WAITING:
                arrival = contact.arrival
                key = (
                    -contact.priority,
                    (arrival - t) * contact.cls.weight,
                    arrival,
                    contact.contact_id,
                )
                heap.append((key, next(sequence), contact))
        self._fresh_agents.clear()
        self._fresh_contacts.clear()
        heapify(heap)
        decisions: list[Assignment] = []
        while heap:
            contact = heappop(heap)[2]
            if contact.state is _WAITING:
                chosen = best_agent(contact, self._agents)
                if chosen is None:
                    watchers.pop(contact.contact_id, None)
                    continue
                decisions.append(self._assign(contact, chosen, t))
            for watcher in watchers.pop(contact.contact_id, ()):
                if watcher.state is _AVAILABLE:
                    found = best_contact(watcher, t)
                    if found is not None:
                        heappush(heap, (found[0], next(sequence), found[1]))
                        watchers.setdefault(found[1].contact_id, []).append(watcher)
        return decisions

    def _assign(self, contact: ContactSlot, agent: AgentSlot, t: float) -> Assignment:
        self._unqueue(contact)
        contact.state = _OFFERED
        contact.agent = agent
        contact.offered_at = t
        self._move(agent, _RESERVED, t)
        agent.contact = contact
        queue = contact.cls.queue
        queue.round_robin_last = agent.agent_id
        return Assignment(
            contact_id=contact.contact_id,
            agent_id=agent.agent_id,
            queue_id=queue.queue_id,
            at=self._at,
            waited_seconds=t - contact.arrival,
            overflow_step=contact.step,
            callback=contact.config.callback,
        )

    # --- lookups ---------------------------------------------------------------------------

    def _queue(self, queue_id: str) -> QueueSlot:
        try:
            return self._queues[queue_id]
        except (KeyError, TypeError):
            raise UnknownId(f"Unknown queue {queue_id!r}.") from None

    def _agent(self, agent_id: str) -> AgentSlot:
        try:
            return self._agents[agent_id]
        except (KeyError, TypeError):
            raise UnknownId(f"Unknown agent {agent_id!r}.") from None

    def _contact(self, contact_id: str) -> ContactSlot:
        try:
            return self._contacts[contact_id]
        except (KeyError, TypeError):
            raise UnknownId(f"Unknown contact {contact_id!r}.") from None

    def _profile(self, agent: Agent) -> Profile:
        key = (tuple(agent.skills.items()), agent.site, agent.tier_rank)
        profile = self._profiles.get(key)
        if profile is None:
            profile = self._profiles[key] = Profile(agent.skills, agent.site, agent.tier_rank)
            for queue in self._queues.values():
                for cls in queue.classes.values():
                    cls.link(profile)
        return profile

    def _class(self, queue: QueueSlot, extra_skills: Mapping[str, int]) -> ContactClass:
        key = tuple(extra_skills.items())
        cls = queue.classes.get(key)
        if cls is None:
            cls = queue.classes[key] = ContactClass(queue, key)
            for profile in self._profiles.values():
                cls.link(profile)
        return cls

    @staticmethod
    def _agent_status(agent: AgentSlot) -> AgentStatus:
        return AgentStatus(
            agent=agent.config,
            state=agent.state,
            since=maybe_instant(agent.since),
            available_since=instant(agent.available_since) if agent.state is _AVAILABLE else None,
            calls_handled=agent.calls_handled,
            reason=agent.reason,
            wrap_up_until=maybe_instant(agent.wrap_up_until),
            contact_id=None if agent.contact is None else agent.contact.contact_id,
        )

    @staticmethod
    def _contact_status(contact: ContactSlot) -> ContactStatus:
        return ContactStatus(
            contact=contact.config,
            state=contact.state,
            agent_id=None if contact.agent is None else contact.agent.agent_id,
            offered_at=maybe_instant(contact.offered_at),
            answered_at=maybe_instant(contact.answered_at),
            overflow_step=contact.step,
        )
