"""Plain data of the ACD router: configuration, states, decisions, statistics, snapshots.

Everything here is a frozen value with keyword-only fields, so the app can build it from
database rows and the router can hand it back without sharing anything mutable. The
router itself lives in ``escalade.engines.acd`` (which re-exports all of these names).

Skills are strings (``"product:ORBIT"``, ``"language:fr"``); a proficiency is an integer
from 1 to 5. A requirement maps a skill to the minimum proficiency it needs (1: holding
the skill is enough). Identifiers are strings; every tie is broken by the identifier in
string order, so ``"agent-10"`` comes before ``"agent-9"`` (pad numbers if that matters).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

__all__ = [
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
    "RouterSnapshot",
    "Strategy",
    "UnknownId",
]

NO_ANSWER = "no answer"
MIN_PROFICIENCY, MAX_PROFICIENCY = 1, 5


class AcdError(ValueError):
    """Bad input to the router: the message says what and why."""


class UnknownId(AcdError, LookupError):
    """An agent, queue or contact the router does not know."""


class InvalidTransition(AcdError):
    """An agent or contact asked to move to a state its current state cannot reach."""


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RESERVED = "reserved"  # offered a contact, alerting
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # back to AVAILABLE by itself at ``wrap_up_until``
    NOT_READY = "not_ready"  # with a reason code


_S = AgentState
# The only moves an agent can make. RESERVED is entered by ``route`` only, ON_CALL by
# ``answer``, WRAP_UP by ``hang_up``/``transfer``; ``set_state`` may only make the moves
# of MANUAL_TRANSITIONS.
TRANSITIONS: Mapping[AgentState, frozenset[AgentState]] = MappingProxyType(
    {
        _S.LOGGED_OUT: frozenset({_S.AVAILABLE, _S.NOT_READY}),
        _S.AVAILABLE: frozenset({_S.RESERVED, _S.NOT_READY, _S.LOGGED_OUT}),
        # answered; rejected or not answered (NOT_READY); the caller hung up while alerting.
        _S.RESERVED: frozenset({_S.ON_CALL, _S.NOT_READY, _S.AVAILABLE}),
        _S.ON_CALL: frozenset({_S.WRAP_UP, _S.AVAILABLE}),  # AVAILABLE: no wrap-up time
        _S.WRAP_UP: frozenset({_S.AVAILABLE, _S.NOT_READY, _S.LOGGED_OUT}),
        _S.NOT_READY: frozenset({_S.AVAILABLE, _S.NOT_READY, _S.LOGGED_OUT}),
    }
)
# What an agent (or supervisor) may do by hand with ``set_state``: log in and out, go ready
# or not ready, end a wrap-up early. An agent holding a contact must answer, reject or hang
# up first.
MANUAL_TRANSITIONS: Mapping[AgentState, frozenset[AgentState]] = MappingProxyType(
    {
        _S.LOGGED_OUT: frozenset({_S.AVAILABLE, _S.NOT_READY}),
        _S.AVAILABLE: frozenset({_S.NOT_READY, _S.LOGGED_OUT}),
        _S.RESERVED: frozenset(),
        _S.ON_CALL: frozenset(),
        _S.WRAP_UP: frozenset({_S.AVAILABLE, _S.NOT_READY, _S.LOGGED_OUT}),
        _S.NOT_READY: frozenset({_S.AVAILABLE, _S.NOT_READY, _S.LOGGED_OUT}),
    }
)


class Strategy(StrEnum):
    """How a queue picks among the available agents eligible to its contact.

    Every strategy ends its comparison with the agent id, so the choice is unique.
    """

    LONGEST_IDLE = "longest_idle"  # earliest available_since, then id
    ROUND_ROBIN = "round_robin"  # next id after the queue's last pick, wrapping around
    FEWEST_CALLS = "fewest_calls"  # fewest calls_handled, then longest idle, then id
    # highest sum of proficiencies over the skills the contact requires, then longest idle
    BEST_PROFICIENCY = "best_proficiency"


class ContactState(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # reserved for an agent who has not answered yet
    CONNECTED = "connected"


_NO_SKILLS: Mapping[str, int] = MappingProxyType({})


def _frozen_skills(skills: Mapping[str, int], what: str) -> Mapping[str, int]:
    if not skills:
        return _NO_SKILLS
    for skill, level in skills.items():
        if not isinstance(skill, str) or not skill:
            raise AcdError(f"{what}: a skill must be a non-empty string, got {skill!r}.")
        if type(level) is not int or not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY:
            raise AcdError(
                f"{what}: proficiency of {skill!r} must be an integer from "
                f"{MIN_PROFICIENCY} to {MAX_PROFICIENCY}, got {level!r}."
            )
    return MappingProxyType(dict(sorted(skills.items())))


def _check_id(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise AcdError(f"{what} must be a non-empty string, got {value!r}.")


def _check_aware(value: datetime, what: str) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise AcdError(f"{what} must be a timezone-aware datetime, got {value!r}.")


@dataclass(frozen=True, slots=True, kw_only=True)
class OverflowStep:
    """After ``after_seconds`` of wait a contact may also go to a wider set of agents.

    Steps are absolute, not cumulative: each one says the whole widening in force from
    its time on, and a queue's steps must only ever widen (see ``Queue``). The contact
    keeps its place (its arrival instant) when it overflows.
    """

    after_seconds: float
    max_tier_rank_delta: int = 0  # 1: agents one tier above the queue's may take it (L1 -> L2)
    any_site: bool = False  # agents of every site may take it
    drop_skills: frozenset[str] = frozenset()  # requirements no longer enforced

    def __post_init__(self) -> None:
        if not math.isfinite(self.after_seconds) or self.after_seconds <= 0:
            raise AcdError(f"after_seconds must be finite and > 0, got {self.after_seconds!r}.")
        if type(self.max_tier_rank_delta) is not int or self.max_tier_rank_delta < 0:
            raise AcdError(
                f"max_tier_rank_delta must be an integer >= 0, got {self.max_tier_rank_delta!r}."
            )
        object.__setattr__(self, "drop_skills", frozenset(self.drop_skills))


@dataclass(frozen=True, slots=True, kw_only=True)
class Queue:
    """A queue: who may take its contacts, in which order, and how it overflows.

    An agent is eligible to a contact of this queue when, under the overflow step in
    force for the contact's wait (none before the first step):

    * it holds every required skill (the queue's and the contact's extra ones) at the
      minimum proficiency, except the skills the step drops;
    * ``tier_rank`` is None, or the agent's tier rank is between the queue's and the
      queue's plus the step's ``max_tier_rank_delta``;
    * ``site`` is None, or the agent works at that site, or the step allows any site.
    """

    queue_id: str
    required_skills: Mapping[str, int] = field(default_factory=dict)
    strategy: Strategy = Strategy.LONGEST_IDLE
    weight: float = 1.0  # waits are compared as wait x weight across queues (same priority)
    service_level_seconds: float = 20.0  # T: "answered within T seconds"
    overflow: tuple[OverflowStep, ...] = ()
    tier_rank: int | None = None
    site: str | None = None
    handle_seconds: float = 300.0  # prior of the average handle time, before any is learned

    def __post_init__(self) -> None:
        _check_id(self.queue_id, "queue_id")
        what = f"Queue {self.queue_id!r}"
        object.__setattr__(self, "required_skills", _frozen_skills(self.required_skills, what))
        object.__setattr__(self, "strategy", Strategy(self.strategy))
        object.__setattr__(self, "overflow", tuple(self.overflow))
        if not math.isfinite(self.weight) or self.weight <= 0:
            raise AcdError(f"{what}: weight must be finite and > 0, got {self.weight!r}.")
        for name in ("service_level_seconds", "handle_seconds"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise AcdError(f"{what}: {name} must be finite and > 0, got {value!r}.")
        if self.tier_rank is not None and type(self.tier_rank) is not int:
            raise AcdError(f"{what}: tier_rank must be an integer or None.")
        previous = OverflowStep(after_seconds=math.ulp(0.0))  # "no step": the narrowest
        for step in self.overflow:
            if not isinstance(step, OverflowStep):
                raise AcdError(f"{what}: overflow steps must be OverflowStep, got {step!r}.")
            if not (
                step.after_seconds > previous.after_seconds
                and step.max_tier_rank_delta >= previous.max_tier_rank_delta
                and step.any_site >= previous.any_site
                and step.drop_skills >= previous.drop_skills
            ):
                raise AcdError(
                    f"{what}: overflow steps must come later and only widen the eligible "
                    f"agents (tier delta, any site, dropped skills never shrink): {step!r} "
                    f"after {previous!r}."
                )
            previous = step


@dataclass(frozen=True, slots=True, kw_only=True)
class Agent:
    """An agent's configuration (its state is in ``AgentStatus``)."""

    agent_id: str
    skills: Mapping[str, int] = field(default_factory=dict)  # skill -> proficiency 1..5
    site: str | None = None
    tier_rank: int = 1  # 1: L1, 2: L2, ...

    def __post_init__(self) -> None:
        _check_id(self.agent_id, "agent_id")
        what = f"Agent {self.agent_id!r}"
        object.__setattr__(self, "skills", _frozen_skills(self.skills, what))
        if type(self.tier_rank) is not int:
            raise AcdError(f"{what}: tier_rank must be an integer, got {self.tier_rank!r}.")


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A call or a callback waiting for an agent.

    ``arrival`` fixes its place in line (FIFO within a priority): a virtual-hold callback
    carries the original call's arrival, and so does a contact transferred with its place.
    """

    contact_id: str
    queue_id: str
    arrival: datetime
    priority: int = 0  # higher first (premier accounts)
    extra_skills: Mapping[str, int] = field(default_factory=dict)  # e.g. the caller's language
    callback: bool = False

    def __post_init__(self) -> None:
        _check_id(self.contact_id, "contact_id")
        _check_id(self.queue_id, "queue_id")
        what = f"Contact {self.contact_id!r}"
        _check_aware(self.arrival, f"{what}: arrival")
        if type(self.priority) is not int:
            raise AcdError(f"{what}: priority must be an integer, got {self.priority!r}.")
        object.__setattr__(self, "extra_skills", _frozen_skills(self.extra_skills, what))


# --- decisions and events ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment:
    """A routing decision: offer this contact to this agent (now RESERVED)."""

    contact_id: str
    agent_id: str
    queue_id: str
    at: datetime
    waited_seconds: float  # since the contact's arrival
    overflow_step: int  # 0: no overflow; n: the n-th step of the queue was in force
    callback: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Answered:
    contact_id: str
    agent_id: str
    queue_id: str
    at: datetime
    waited_seconds: float
    within_service_level: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HungUp:
    contact_id: str
    agent_id: str
    queue_id: str
    at: datetime
    handle_seconds: float  # answer to hang-up (talk time)
    wrap_up_until: datetime | None  # None: the agent is AVAILABLE at once


@dataclass(frozen=True, slots=True, kw_only=True)
class Abandoned:
    contact_id: str
    queue_id: str
    at: datetime
    waited_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged:
    """A change made by time alone (a wrap-up that ended), reported by ``advance``."""

    agent_id: str
    state: AgentState
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Overflowed:
    """A waiting contact reached an overflow step (reported by ``advance``)."""

    contact_id: str
    queue_id: str
    step: int
    at: datetime


# --- statuses, statistics, snapshots ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStatus:
    agent: Agent
    state: AgentState = AgentState.LOGGED_OUT
    since: datetime | None = None  # when the agent entered ``state``; None: unknown
    available_since: datetime | None = None  # set while AVAILABLE (longest idle)
    calls_handled: int = 0  # contacts answered since the counter was last set
    reason: str | None = None  # NOT_READY only
    wrap_up_until: datetime | None = None  # WRAP_UP only
    contact_id: str | None = None  # RESERVED and ON_CALL only


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactStatus:
    contact: Contact
    state: ContactState = ContactState.WAITING
    agent_id: str | None = None  # OFFERED and CONNECTED only
    offered_at: datetime | None = None  # OFFERED and CONNECTED only
    answered_at: datetime | None = None  # CONNECTED only
    overflow_step: int = 0  # in force at the last ``route``/``advance``; recomputed on restore


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStats:
    """Counters of one queue since they were last reset (see ``Router.reset_stats``).

    ``offered`` counts contacts entering the queue (new or transferred in; a no-answer that
    goes back in line is not offered again, a call turned into a callback neither).
    """

    offered: int = 0
    answered: int = 0
    answered_within_threshold: int = 0  # waited <= the queue's service_level_seconds
    abandoned: int = 0
    transferred_out: int = 0  # waiting, offered or connected contacts moved to another queue
    total_wait_seconds: float = 0.0  # of the answered contacts (arrival to answer)
    abandoned_wait_seconds: float = 0.0
    handled: int = 0  # hung up (or transferred out after answering)
    total_handle_seconds: float = 0.0  # answer to hang-up, of the handled contacts

    @property
    def service_level(self) -> float | None:
        """Share of the answered contacts answered within T (None before any answer)."""
        return self.answered_within_threshold / self.answered if self.answered else None

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.total_wait_seconds / self.answered if self.answered else None

    @property
    def abandonment_rate(self) -> float | None:
        ended = self.answered + self.abandoned
        return self.abandoned / ended if ended else None


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterSnapshot:
    """Everything a router holds, as plain data; ``Router.from_snapshot`` rebuilds it.

    The app can also build one from its tables after a restart: ``stats``,
    ``handle_seconds`` and ``round_robin_last`` may be left empty (counters from zero,
    handle times from the queues' priors, round robin from the lowest id).
    """

    clock: datetime | None = None  # the latest ``now`` the router has seen
    queues: tuple[Queue, ...] = ()
    agents: tuple[AgentStatus, ...] = ()
    contacts: tuple[ContactStatus, ...] = ()
    stats: Mapping[str, QueueStats] = field(default_factory=dict)
    handle_seconds: Mapping[str, float] = field(default_factory=dict)  # learned, per queue
    round_robin_last: Mapping[str, str] = field(default_factory=dict)  # queue -> last agent
