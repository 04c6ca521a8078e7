"""The plain data of the contact-center simulator: the scenario it plays and what it reports.

Frozen values with keyword-only fields, checked on construction (``SimulationError`` says
what is wrong). The simulator itself, and the definitions of every statistic, are in
``escalade.engines.simulation``, which re-exports all of these names.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from escalade.engines.acd import AcdError, Agent, Contact, Queue, QueueStats

__all__ = [
    "EPOCH",
    "CallbackOffer",
    "CallerSegment",
    "Distribution",
    "HandleTime",
    "PeriodStats",
    "Scenario",
    "Shift",
    "SimulationError",
    "SimulationResult",
    "Traffic",
]

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: second 0 of every simulation


class SimulationError(ValueError):
    """A scenario the simulator cannot play: the message says what and why."""


class Distribution(StrEnum):
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"


def _finite(value: object, what: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SimulationError(f"{what} must be a finite number, got {value!r}.")
    if value < 0 or (positive and value == 0):
        raise SimulationError(f"{what} must be {'> 0' if positive else '>= 0'}, got {value!r}.")
    return float(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class HandleTime:
    """Talk time of a call: exponential with this mean, or lognormal with this mean and
    coefficient of variation (standard deviation / mean)."""

    mean_seconds: float = 300.0
    distribution: Distribution = Distribution.EXPONENTIAL
    cv: float = 1.0  # lognormal only

    def __post_init__(self) -> None:
        _finite(self.mean_seconds, "HandleTime.mean_seconds", positive=True)
        _finite(self.cv, "HandleTime.cv", positive=True)
        try:
            object.__setattr__(self, "distribution", Distribution(self.distribution))
        except ValueError:
            raise SimulationError(
                f"HandleTime.distribution must be one of {[d.value for d in Distribution]}, "
                f"got {self.distribution!r}."
            ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerSegment:
    """A kind of caller: its share of the traffic (a weight), priority and extra skills."""

    share: float = 1.0
    priority: int = 0  # higher first (premier)
    extra_skills: Mapping[str, int] = field(default_factory=dict)  # e.g. the language

    def __post_init__(self) -> None:
        _finite(self.share, "CallerSegment.share", positive=True)
        try:  # the router's own checks, with its messages
            probe = Contact(
                contact_id="probe",
                queue_id="probe",
                arrival=EPOCH,
                priority=self.priority,
                extra_skills=self.extra_skills,
            )
        except AcdError as error:
            raise SimulationError(f"CallerSegment: {error}") from None
        object.__setattr__(self, "extra_skills", probe.extra_skills)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackOffer:
    """Callers expected to wait more than ``threshold_seconds`` (``Router.expected_wait``
    on arrival) accept a callback with ``probability``, keeping their place in line."""

    threshold_seconds: float
    probability: float

    def __post_init__(self) -> None:
        _finite(self.threshold_seconds, "CallbackOffer.threshold_seconds")
        if not 0.0 <= _finite(self.probability, "CallbackOffer.probability") <= 1.0:
            raise SimulationError("CallbackOffer.probability must be in [0, 1].")


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """The calls of one queue: expected calls per interval, handle time, patience…"""

    queue_id: str
    calls_per_interval: tuple[float, ...]  # expected calls in each interval of the day
    handle_time: HandleTime = HandleTime()
    wrap_up_seconds: float = 0.0
    patience_seconds: float | None = None  # mean of an exponential; None: never abandons
    segments: tuple[CallerSegment, ...] = (CallerSegment(),)
    callback: CallbackOffer | None = None

    def __post_init__(self) -> None:
        what = f"Traffic {self.queue_id!r}"
        if not isinstance(self.queue_id, str) or not self.queue_id:
            raise SimulationError("Traffic.queue_id must be a non-empty string.")
        object.__setattr__(self, "calls_per_interval", tuple(self.calls_per_interval))
        if not self.calls_per_interval:
            raise SimulationError(f"{what}: calls_per_interval needs at least one interval.")
        for calls in self.calls_per_interval:
            _finite(calls, f"{what}: calls_per_interval")
        if not isinstance(self.handle_time, HandleTime):
            raise SimulationError(f"{what}: handle_time must be a HandleTime.")
        _finite(self.wrap_up_seconds, f"{what}: wrap_up_seconds")
        if self.patience_seconds is not None:
            _finite(self.patience_seconds, f"{what}: patience_seconds", positive=True)
        object.__setattr__(self, "segments", tuple(self.segments))
        if not self.segments or not all(isinstance(s, CallerSegment) for s in self.segments):
            raise SimulationError(f"{what}: segments must be one or more CallerSegment.")
        if self.callback is not None and not isinstance(self.callback, CallbackOffer):
            raise SimulationError(f"{what}: callback must be a CallbackOffer or None.")


@dataclass(frozen=True, slots=True, kw_only=True)
class Shift:
    """An agent on duty from ``start_seconds`` to ``end_seconds`` (seconds from EPOCH)."""

    agent: Agent
    start_seconds: float
    end_seconds: float

    def __post_init__(self) -> None:
        if not isinstance(self.agent, Agent):
            raise SimulationError(f"Shift.agent must be an Agent, got {self.agent!r}.")
        what = f"Shift of {self.agent.agent_id!r}"
        start = _finite(self.start_seconds, f"{what}: start_seconds")
        if _finite(self.end_seconds, f"{what}: end_seconds") <= start:
            raise SimulationError(f"{what}: end_seconds must come after start_seconds.")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A day to simulate. Every traffic has the same number of intervals: the day's."""

    queues: tuple[Queue, ...]
    shifts: tuple[Shift, ...]
    traffic: tuple[Traffic, ...]
    interval_seconds: float = 1800.0
    ring_seconds: tuple[float, float] = (0.0, 3.0)  # uniform between the two
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("queues", "shifts", "traffic"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _finite(self.interval_seconds, "Scenario.interval_seconds", positive=True)
        if len(self.ring_seconds) != 2:
            raise SimulationError("Scenario.ring_seconds must be (low, high).")
        low = _finite(self.ring_seconds[0], "Scenario.ring_seconds")
        if _finite(self.ring_seconds[1], "Scenario.ring_seconds") < low:
            raise SimulationError("Scenario.ring_seconds must be (low, high) with low <= high.")
        if type(self.seed) is not int:
            raise SimulationError(f"Scenario.seed must be an integer, got {self.seed!r}.")
        queue_ids = [queue.queue_id for queue in self.queues]
        if len(set(queue_ids)) != len(queue_ids):
            raise SimulationError("Scenario.queues lists a queue twice.")
        if not self.traffic:
            raise SimulationError("Scenario.traffic needs at least one Traffic.")
        seen: set[str] = set()
        for traffic in self.traffic:
            if traffic.queue_id not in queue_ids:
                raise SimulationError(f"Traffic for unknown queue {traffic.queue_id!r}.")
            if traffic.queue_id in seen:
                raise SimulationError(f"Two Traffic for queue {traffic.queue_id!r}: merge them.")
            seen.add(traffic.queue_id)
        if len({len(traffic.calls_per_interval) for traffic in self.traffic}) != 1:
            raise SimulationError("Every Traffic must have the same number of intervals.")
        by_agent: dict[str, list[Shift]] = {}
        for shift in self.shifts:
            by_agent.setdefault(shift.agent.agent_id, []).append(shift)
        for agent_id, shifts in by_agent.items():
            shifts.sort(key=lambda s: s.start_seconds)
            for before, after in itertools.pairwise(shifts):
                if after.agent != before.agent:
                    raise SimulationError(f"Agent {agent_id!r} has two configurations.")
                if after.start_seconds < before.end_seconds:
                    raise SimulationError(f"Agent {agent_id!r} has overlapping shifts.")

    @property
    def intervals(self) -> int:
        return len(self.traffic[0].calls_per_interval)


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodStats:
    """What happened in one period (an interval or the day); the definitions are in the
    docstring of ``escalade.engines.simulation``. Ratios are None when their denominator
    is 0."""

    start_seconds: float
    end_seconds: float
    offered: int = 0
    answered: int = 0
    answered_within_threshold: int = 0
    answered_overflowed: int = 0  # routed while an overflow step was in force
    abandoned: int = 0
    abandoned_within_threshold: int = 0
    callbacks: int = 0  # callers who accepted a callback
    unserved: int = 0  # still waiting when the simulation ended
    total_wait_seconds: float = 0.0  # of the answered calls
    abandoned_wait_seconds: float = 0.0
    max_wait_seconds: float = 0.0  # answered or abandoned
    total_talk_seconds: float = 0.0
    total_wrap_up_seconds: float = 0.0
    busy_seconds: float = 0.0  # agents ringing, talking or wrapping up (this row's calls)
    staffed_seconds: float = 0.0  # agents logged in (the whole center)

    @property
    def service_level(self) -> float | None:
        """Answered within T / (answered + abandoned)."""
        ended = self.answered + self.abandoned
        return self.answered_within_threshold / ended if ended else None

    @property
    def service_level_offered(self) -> float | None:
        """Answered within T / offered (Erlang A's definition; Erlang C's without abandons)."""
        return self.answered_within_threshold / self.offered if self.offered else None

    @property
    def service_level_excluding_short_abandons(self) -> float | None:
        """Answered within T / (answered + abandoned after T): abandons within T ignored."""
        counted = self.answered + self.abandoned - self.abandoned_within_threshold
        return self.answered_within_threshold / counted if counted else None

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.total_wait_seconds / self.answered if self.answered else None

    @property
    def abandon_rate(self) -> float | None:
        """Abandoned / offered."""
        return self.abandoned / self.offered if self.offered else None

    @property
    def average_handle_time(self) -> float | None:
        """(Talk + wrap-up) / answered."""
        handle = self.total_talk_seconds + self.total_wrap_up_seconds
        return handle / self.answered if self.answered else None

    @property
    def average_talk_time(self) -> float | None:
        return self.total_talk_seconds / self.answered if self.answered else None

    @property
    def occupancy(self) -> float | None:
        """Busy / staffed seconds."""
        return self.busy_seconds / self.staffed_seconds if self.staffed_seconds else None


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationResult:
    interval_seconds: float
    queues: Mapping[str, tuple[PeriodStats, ...]]  # per queue (with traffic), per interval
    queue_days: Mapping[str, PeriodStats]  # per queue, whole day
    intervals: tuple[PeriodStats, ...]  # all queues, per interval
    day: PeriodStats  # all queues, whole day
    priorities: Mapping[int, PeriodStats]  # all queues, whole day, per caller priority
    router_stats: Mapping[str, QueueStats]  # the router's own counters at the end
    events: int  # events processed (arrivals, answers, hang-ups, abandons, shifts, wake-ups)
    end_seconds: float  # when the last event happened
