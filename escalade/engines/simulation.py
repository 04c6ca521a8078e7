"""A discrete-event contact-center simulator that drives the ACD ``Router`` itself.

Give it a ``Scenario`` (queues and agents as the router knows them, the agents' shifts,
the traffic of each queue) and ``simulate`` plays the day: every routing decision is the
router's own, taken exactly as the live contact center would take it, so a staffing or
routing what-if measures the real rules (skills, priorities, overflow, strategies).

The model
---------
* **Time**: float seconds from ``EPOCH`` (Monday 5 January 2026, 00:00 UTC); the router
  sees ``EPOCH + seconds`` as aware datetimes, built once per event.
* **Arrivals**: each ``Traffic`` gives the expected number of calls of its queue in each
  interval of ``Scenario.interval_seconds``; within an interval calls arrive as a Poisson
  stream of that rate (piecewise-constant rate over the day).
* **Callers**: each caller draws, on arrival, a ``CallerSegment`` (priority and extra
  skills, by share), a handle (talk) time (exponential by default, or lognormal with a
  given coefficient of variation), a patience (exponential with the traffic's mean, or
  none: infinite), a ring time (uniform in ``Scenario.ring_seconds``) and, when the queue
  offers callbacks, a uniform number that decides whether it accepts one. Everything is
  drawn on arrival from a generator seeded by (``seed``, queue id): two scenarios with
  the same seed and traffic meet exactly the same callers (common random numbers), so a
  what-if compares like with like.
* **Callbacks**: a caller whose ``Router.expected_wait`` on arrival exceeds the offer's
  threshold accepts a callback with the offer's probability; it keeps its place in line
  (its arrival) and no longer abandons. When an agent takes it, the customer picks up
  after the ring time.
* **Routing**: after every event that can make a match (an arrival, a hang-up, an
  abandon while ringing, an agent logging in) and at every ``Router.next_event_at``
  (a wrap-up ending, an overflow step), the simulator calls ``Router.route``. An offered
  contact rings for its ring time, then the agent answers (``Router.answer``); the call
  lasts its handle time (``Router.hang_up``) and the agent wraps up for the traffic's
  ``wrap_up_seconds``.
* **Abandonment**: a caller hangs up when its patience runs out while it is still
  waiting or ringing (``Router.abandon``).
* **Shifts**: an agent logs in (AVAILABLE) at the start of each of its shifts and logs
  out at the end; one on a call finishes it, and its wrap-up, first (no new call reaches
  it meanwhile). A shift that starts while the agent still wraps up the last call of
  the previous one starts when that wrap-up ends.
* The day lasts as many intervals as the traffic has; the simulation then runs on until
  every call has ended (agents still on shift serve the queue out; callers with no agent
  left and no patience stay ``unserved``).

Statistics (``PeriodStats``), per queue and interval, per queue for the day, for the
whole center per interval and for the day, and per caller priority for the day
-----------------------------------------------------------------------------------------
* A call counts in the interval it **arrived** in: offered, answered, abandoned and the
  waits, talk and wrap-up times of that call. (Agent time, below, counts by the clock.)
* ``offered``: calls that arrived; ``answered``: connected to an agent (a callback
  counts when the customer picks up); ``abandoned``: hung up while waiting or ringing;
  ``unserved``: still waiting when the simulation ended. offered = answered + abandoned
  + unserved.
* Wait: from arrival to answer (ringing included). A callback's wait runs from the
  original call's arrival, since it kept that place. A call is answered within the
  threshold when its wait is ≤ its queue's ``service_level_seconds`` (T).
* ``service_level`` = answered within T / (answered + abandoned): every abandoned call
  counts as missed. ``service_level_offered`` = answered within T / offered: the Erlang A
  definition (``erlang.erlang_a(...).service_level``) and Erlang C's when nobody
  abandons. The two differ only by the ``unserved`` calls, since every call counts in
  its arrival interval whenever it ends. ``service_level_excluding_short_abandons`` =
  answered within T / (answered + abandoned after T). (The router's own
  ``QueueStats.service_level`` is answered within T / answered.)
* ``average_speed_of_answer`` = total wait of the answered calls / answered;
  ``abandon_rate`` = abandoned / offered (Erlang A's probability of abandoning);
  ``max_wait_seconds``: the longest wait of a call answered or abandoned.
* ``average_handle_time`` = (talk + wrap-up) / answered; ``average_talk_time`` = talk /
  answered.
* Agent time, split by the clock across intervals: ``staffed_seconds`` is the time
  agents were logged in (until their last wrap-up ended, when they finished after their
  shift); ``busy_seconds`` the time they held contacts: ringing, talking and wrapping up.
  ``occupancy`` = busy / staffed. A queue's (or priority's) row carries the busy time
  spent on its contacts over the **whole center's** staffed time, since agents are
  shared: the rows of the queues add up to the center's occupancy, and for a center of
  one queue it is the usual occupancy (Erlang's A / n).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import MappingProxyType

from escalade.engines.acd import AcdError, Agent, AgentState, Assignment, Contact, Queue, Router
from escalade.engines.simulation_model import (
    EPOCH,
    CallbackOffer,
    CallerSegment,
    Distribution,
    HandleTime,
    PeriodStats,
    Scenario,
    Shift,
    SimulationError,
    SimulationResult,
    Traffic,
)

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
    "simulate",
]

_INF = math.inf
_ONE_MICROSECOND = timedelta(microseconds=1)
# The router keeps time to the microsecond: compare instants with a margin. (A call it
# answers exactly T seconds after arrival, e.g. by an overflow step at T, is within T.)
_SLACK = 1e-5

# --- the run -------------------------------------------------------------------------------

_WAITING, _RINGING, _TALKING, _DONE, _ABANDONED = range(5)
_ANSWER, _HANG_UP, _ABANDON = range(3)
_SHIFT_START, _SHIFT_END = range(2)
_AVAILABLE, _LOGGED_OUT = AgentState.AVAILABLE, AgentState.LOGGED_OUT


class _Stream:
    """A ``Traffic`` prepared for the hot path."""

    __slots__ = (
        "callback_probability",
        "callback_threshold",
        "first_step",
        "index",
        "queue_id",
        "segments",
        "threshold",
        "wrap_up",
    )

    def __init__(self, index: int, traffic: Traffic, queue: Queue) -> None:
        self.index = index
        self.queue_id = traffic.queue_id
        self.wrap_up = float(traffic.wrap_up_seconds)
        self.threshold = queue.service_level_seconds  # T
        self.first_step = queue.overflow[0].after_seconds if queue.overflow else _INF
        self.segments = traffic.segments
        offer = traffic.callback
        self.callback_threshold = _INF if offer is None else offer.threshold_seconds
        self.callback_probability = 0.0 if offer is None else offer.probability


class _Agent:
    __slots__ = ("agent_id", "busy_until", "caller", "leaving", "logged_in", "login_at")

    def __init__(self, agent_id: str) -> None:
        self.agent_id = agent_id
        self.logged_in = False
        self.leaving = False  # its shift is over: log out once the current call ends
        self.login_at = 0.0
        self.busy_until = 0.0  # end of the last wrap-up
        self.caller: _Caller | None = None  # the contact it rings for or talks to


class _Caller:
    __slots__ = (
        "agent",
        "answered",
        "arrival",
        "callback",
        "callback_draw",
        "contact_id",
        "deadline",
        "ended",
        "handle",
        "offered",
        "overflowed",
        "pending_abandon",
        "ring",
        "segment",
        "state",
        "stream",
    )

    def __init__(
        self,
        stream: _Stream,
        arrival: float,
        segment: CallerSegment,
        handle: float,
        deadline: float,
        ring: float,
        callback_draw: float,
    ) -> None:
        self.stream = stream
        self.arrival = arrival
        self.segment = segment
        self.handle = handle
        self.deadline = deadline  # arrival + patience
        self.ring = ring
        self.callback_draw = callback_draw
        self.contact_id = ""
        self.callback = False
        self.state = _WAITING
        self.pending_abandon = False
        self.overflowed = False
        self.agent: _Agent | None = None
        self.offered = self.answered = self.ended = 0.0


def _draw_callers(scenario: Scenario, traffic: Traffic, stream: _Stream) -> list[_Caller]:
    """Every caller of one queue for the day, in arrival order.

    Each caller takes the same seven uniform draws whatever the configuration (the gap
    since the previous arrival, then segment, two for the talk time, patience, ring time
    and callback), so changing one of these settings leaves the others' draws alone.
    """
    rng = random.Random(f"escalade-simulation:{scenario.seed}:{traffic.queue_id}")
    draw, log, exp, cos, sqrt = rng.random, math.log, math.exp, math.cos, math.sqrt
    size = scenario.interval_seconds
    segments = traffic.segments
    last_segment = len(segments) - 1
    cumulative = list(itertools.accumulate(segment.share for segment in segments))
    total_share = cumulative[-1]
    handle = traffic.handle_time
    mean = handle.mean_seconds
    lognormal = handle.distribution is Distribution.LOGNORMAL
    sigma = math.sqrt(math.log1p(handle.cv**2))  # of the underlying normal
    mu = math.log(mean) - sigma * sigma / 2
    patience = traffic.patience_seconds
    ring_low, ring_high = scenario.ring_seconds
    ring_span = ring_high - ring_low
    two_pi = 2.0 * math.pi
    callers: list[_Caller] = []
    append = callers.append
    for number, calls in enumerate(traffic.calls_per_interval):
        if calls <= 0:
            continue
        mean_gap = size / calls
        end = (number + 1) * size
        t = number * size - log(1.0 - draw()) * mean_gap
        while t < end:  # memoryless: a draw past the end restarts at the next interval
            u_segment, u_talk, v_talk, u_patience, u_ring, u_callback = (
                draw(),
                draw(),
                draw(),
                draw(),
                draw(),
                draw(),
            )
            segment = segments[min(bisect_right(cumulative, u_segment * total_share), last_segment)]
            if lognormal:  # Box–Muller
                talk = exp(mu + sigma * sqrt(-2.0 * log(1.0 - u_talk)) * cos(two_pi * v_talk))
            else:
                talk = -log(1.0 - u_talk) * mean
            deadline = _INF if patience is None else t - log(1.0 - u_patience) * patience
            ring = ring_low + ring_span * u_ring
            append(_Caller(stream, t, segment, talk, deadline, ring, u_callback))
            t -= log(1.0 - draw()) * mean_gap
    return callers


def simulate(scenario: Scenario) -> SimulationResult:
    """Play the scenario's day through a fresh ``Router``; statistics as documented above."""
    if not isinstance(scenario, Scenario):
        raise SimulationError(f"Expected a Scenario, got {scenario!r}.")
    return _Run(scenario).play()


class _Run:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        queues = {queue.queue_id: queue for queue in scenario.queues}
        self.streams = [
            _Stream(index, traffic, queues[traffic.queue_id])
            for index, traffic in enumerate(scenario.traffic)
        ]
        configs: dict[str, Agent] = {}
        for shift in scenario.shifts:
            configs.setdefault(shift.agent.agent_id, shift.agent)
        try:
            self.router = Router(queues=scenario.queues, agents=configs.values())
        except AcdError as error:
            raise SimulationError(f"The router refused the scenario: {error}") from None
        self.agents = {agent_id: _Agent(agent_id) for agent_id in configs}
        callers: list[_Caller] = []
        for traffic, stream in zip(scenario.traffic, self.streams, strict=True):
            callers.extend(_draw_callers(scenario, traffic, stream))
        callers.sort(key=lambda caller: caller.arrival)  # stable: ties keep traffic order
        for number, caller in enumerate(callers):
            caller.contact_id = f"c{number}"
        self.callers = callers
        # staffed time, by the clock: (from, to) of every logged-in stretch
        self.staffed: list[tuple[float, float]] = []
        self.events = 0
        self.end = 0.0

    def play(self) -> SimulationResult:
        self._loop()
        return self._statistics()

    def _loop(self) -> None:  # the hot path, kept in one frame on purpose
        router = self.router
        route, answer, hang_up, abandon = (
            router.route,
            router.answer,
            router.hang_up,
            router.abandon,
        )
        next_event_at, set_state, enqueue = router.next_event_at, router.set_state, router.enqueue
        expected_wait = router.expected_wait
        agents = self.agents
        staffed = self.staffed
        push, pop = heapq.heappush, heapq.heappop
        sequence = itertools.count()
        epoch = EPOCH
        # Calls: (time, tie-break, kind, caller). Shifts: (time, tie-break, kind, agent, end).
        calls: list[tuple[float, int, int, _Caller]] = []
        shifts: list[tuple[float, int, int, _Agent, float]] = []
        for shift in sorted(self.scenario.shifts, key=lambda s: s.start_seconds):
            agent = agents[shift.agent.agent_id]
            end = float(shift.end_seconds)
            shifts.append((float(shift.start_seconds), next(sequence), _SHIFT_START, agent, end))
            shifts.append((end, next(sequence), _SHIFT_END, agent, end))
        heapq.heapify(shifts)
        live: dict[str, _Caller] = {}
        arrivals = self.callers
        count = len(arrivals)
        position = 0
        next_arrival = arrivals[0].arrival if count else _INF
        due = last_due = None
        # The router's next own event (``due_at``) may have come closer: ask it again. Only
        # a wrap-up or a waiting contact's overflow step can bring it closer; anything else
        # only makes it stale (a wake-up then finds nothing to do, and asks again).
        dirty = True
        due_at = woke_at = _INF
        events = 0
        t = 0.0

        def logout(agent: _Agent, now: datetime, t: float) -> None:
            set_state(agent.agent_id, _LOGGED_OUT, now)
            staffed.append((agent.login_at, max(t, agent.busy_until)))
            agent.logged_in = agent.leaving = False

        def offer(decisions: list[Assignment], t: float, now: datetime) -> None:
            for decision in decisions:
                caller = live[decision.contact_id]
                agent = agents[decision.agent_id]
                caller.agent = agent
                agent.caller = caller
                # The router's instants are rounded to the microsecond: a wrap-up it ended
                # may end a hair before ours. Busy spans of one agent never overlap.
                caller.offered = t if t > agent.busy_until else agent.busy_until
                if decision.overflow_step:
                    caller.overflowed = True
                answer_at = t + caller.ring
                if caller.deadline < answer_at:  # hangs up while it rings
                    caller.state = _RINGING
                    if not caller.pending_abandon:
                        caller.pending_abandon = True
                        push(calls, (caller.deadline, next(sequence), _ABANDON, caller))
                elif answer_at == t:
                    answer(caller.contact_id, now)
                    caller.state = _TALKING
                    caller.answered = t
                    push(calls, (t + caller.handle, next(sequence), _HANG_UP, caller))
                else:
                    caller.state = _RINGING
                    push(calls, (answer_at, next(sequence), _ANSWER, caller))

        while True:
            if dirty:
                dirty = False
                due = next_event_at()
                if due is not last_due:
                    last_due = due
                    due_at = _INF if due is None else (due - epoch).total_seconds()
            t_call = calls[0][0] if calls else _INF
            t_shift = shifts[0][0] if shifts else _INF
            if due_at < next_arrival and due_at < t_call and due_at < t_shift:
                # A wrap-up ends or an overflow step fires: wake the router there. The due
                # instant is rounded to the microsecond and may fall just short of the
                # router's float: if waking there changed nothing, wake a microsecond later.
                assert due is not None
                t = due_at
                if t == woke_at:
                    due = due + _ONE_MICROSECOND
                woke_at = t
                events += 1
                dirty = True
                decisions = route(due)
                if decisions:
                    offer(decisions, t, due)
                continue
            if next_arrival <= t_call and next_arrival <= t_shift:
                if next_arrival == _INF:
                    break
                caller = arrivals[position]
                position += 1
                t = next_arrival
                next_arrival = arrivals[position].arrival if position < count else _INF
                events += 1
                now = epoch + timedelta(0, t)
                stream = caller.stream
                segment = caller.segment
                if caller.callback_draw < stream.callback_probability and (
                    expected_wait(stream.queue_id, now, priority=segment.priority)
                    > stream.callback_threshold
                ):
                    caller.callback = True
                    caller.deadline = _INF
                contact_id = caller.contact_id
                enqueue(
                    Contact(
                        contact_id=contact_id,
                        queue_id=stream.queue_id,
                        arrival=now,
                        priority=segment.priority,
                        extra_skills=segment.extra_skills,
                        callback=caller.callback,
                    ),
                    now,
                )
                live[contact_id] = caller
                decisions = route(now)
                if decisions:
                    offer(decisions, t, now)
                if caller.state == _WAITING:  # else its overflow steps no longer apply
                    if t + stream.first_step < due_at + _SLACK:
                        dirty = True
                    if caller.deadline < _INF:
                        caller.pending_abandon = True
                        push(calls, (caller.deadline, next(sequence), _ABANDON, caller))
                continue
            events += 1
            if t_shift <= t_call:
                t, _, kind, agent, shift_end = pop(shifts)
                now = epoch + timedelta(0, t)
                if kind == _SHIFT_END:
                    if not agent.logged_in:
                        continue
                    if agent.caller is not None:
                        agent.leaving = True
                    else:
                        logout(agent, now, t)
                elif agent.logged_in:  # still finishing the previous shift's last call
                    agent.leaving = False
                elif agent.busy_until > t:  # still wrapping it up: start when done
                    if agent.busy_until < shift_end:
                        push(shifts, (agent.busy_until, next(sequence), kind, agent, shift_end))
                else:
                    set_state(agent.agent_id, _AVAILABLE, now)
                    agent.logged_in = True
                    agent.login_at = t
                    decisions = route(now)
                    if decisions:
                        offer(decisions, t, now)
                continue
            t, _, kind, caller = pop(calls)
            if kind == _ANSWER:
                if caller.state == _RINGING:
                    answer(caller.contact_id, epoch + timedelta(0, t))
                    caller.state = _TALKING
                    caller.answered = t
                    push(calls, (t + caller.handle, next(sequence), _HANG_UP, caller))
            elif kind == _HANG_UP:
                now = epoch + timedelta(0, t)
                holder = caller.agent
                assert holder is not None
                agent = holder
                wrap_up = caller.stream.wrap_up
                hang_up(agent.agent_id, now, wrap_up_seconds=wrap_up)
                caller.state = _DONE
                caller.ended = t
                del live[caller.contact_id]
                agent.caller = None
                agent.busy_until = t + wrap_up
                if wrap_up and t + wrap_up < due_at + _SLACK:
                    dirty = True
                if agent.leaving:
                    logout(agent, now, t)
                elif not wrap_up:
                    decisions = route(now)
                    if decisions:
                        offer(decisions, t, now)
            elif caller.state == _WAITING or caller.state == _RINGING:  # _ABANDON
                now = epoch + timedelta(0, t)
                abandon(caller.contact_id, now)
                del live[caller.contact_id]
                caller.ended = t
                if caller.state == _RINGING:  # its agent is free again
                    holder = caller.agent
                    assert holder is not None
                    agent = holder
                    agent.caller = None
                    agent.busy_until = t
                    caller.state = _ABANDONED
                    if agent.leaving:
                        logout(agent, now, t)
                    else:
                        decisions = route(now)
                        if decisions:
                            offer(decisions, t, now)
                else:
                    caller.state = _ABANDONED
        self.events = events
        self.end = t

    # --- statistics ------------------------------------------------------------------------

    def _statistics(self) -> SimulationResult:
        scenario = self.scenario
        size = scenario.interval_seconds
        streams = self.streams
        callers = self.callers
        horizon = max(scenario.intervals * size, self.end)
        for _, end in self.staffed:
            horizon = max(horizon, end)
        intervals = max(scenario.intervals, math.ceil(horizon / size))
        table = [[_Counts() for _ in range(intervals)] for _ in streams]
        busy = [[0.0] * intervals for _ in streams]
        by_priority: dict[int, _Counts] = {}
        for caller in callers:
            stream = caller.stream
            priority = caller.segment.priority
            ranked = by_priority.get(priority)
            if ranked is None:
                ranked = by_priority[priority] = _Counts()
            table[stream.index][int(caller.arrival // size)].add(caller)
            ranked.add(caller)
            if caller.state == _DONE:
                end = caller.ended + stream.wrap_up
            elif caller.state == _ABANDONED and caller.agent is not None:  # while ringing
                end = caller.ended
            else:
                continue
            _spread(busy[stream.index], caller.offered, end, size)
            ranked.busy += end - caller.offered
        for row, seconds in zip(table, busy, strict=True):
            for counts, spent in zip(row, seconds, strict=True):
                counts.busy = spent
        staffed = [0.0] * intervals
        for start, end in self.staffed:
            _spread(staffed, start, end, size)
        day_staffed = math.fsum(staffed)
        end_of_day = intervals * size

        def day(counts: _Counts) -> PeriodStats:
            return counts.freeze(0.0, end_of_day, day_staffed)

        def interval(k: int, rows: Sequence[_Counts]) -> PeriodStats:
            return _Counts.merged(rows).freeze(k * size, (k + 1) * size, staffed[k])

        return SimulationResult(
            interval_seconds=size,
            queues=MappingProxyType(
                {
                    stream.queue_id: tuple(interval(k, [row[k]]) for k in range(intervals))
                    for stream, row in zip(streams, table, strict=True)
                }
            ),
            queue_days=MappingProxyType(
                {
                    stream.queue_id: day(_Counts.merged(row))
                    for stream, row in zip(streams, table, strict=True)
                }
            ),
            intervals=tuple(interval(k, [row[k] for row in table]) for k in range(intervals)),
            day=day(_Counts.merged([counts for row in table for counts in row])),
            priorities=MappingProxyType(
                {key: day(by_priority[key]) for key in sorted(by_priority)}
            ),
            router_stats=MappingProxyType(self.router.stats()),
            events=self.events,
            end_seconds=self.end,
        )


class _Counts:
    """The mutable side of ``PeriodStats``."""

    __slots__ = (
        "abandoned",
        "abandoned_wait",
        "abandoned_within",
        "answered",
        "busy",
        "callbacks",
        "max_wait",
        "offered",
        "overflowed",
        "talk",
        "unserved",
        "wait",
        "within",
        "wrap_up",
    )

    def __init__(self) -> None:
        self.offered = self.answered = self.within = self.overflowed = 0
        self.abandoned = self.abandoned_within = self.callbacks = self.unserved = 0
        self.wait = self.abandoned_wait = self.max_wait = 0.0
        self.talk = self.wrap_up = self.busy = 0.0

    def add(self, caller: _Caller) -> None:
        self.offered += 1
        self.callbacks += caller.callback
        state = caller.state
        if state == _DONE:
            wait = caller.answered - caller.arrival
            self.answered += 1
            self.within += wait <= caller.stream.threshold + _SLACK
            self.overflowed += caller.overflowed
            self.wait += wait
            self.talk += caller.ended - caller.answered
            self.wrap_up += caller.stream.wrap_up
        elif state == _ABANDONED:
            wait = caller.ended - caller.arrival
            self.abandoned += 1
            self.abandoned_within += wait <= caller.stream.threshold + _SLACK
            self.abandoned_wait += wait
        else:
            self.unserved += 1
            return
        if wait > self.max_wait:
            self.max_wait = wait

    @classmethod
    def merged(cls, rows: Sequence[_Counts]) -> _Counts:
        if len(rows) == 1:
            return rows[0]
        total = cls()
        for name in cls.__slots__:
            values = [getattr(row, name) for row in rows]
            setattr(total, name, max(values) if name == "max_wait" else sum(values))
        return total

    def freeze(self, start: float, end: float, staffed: float) -> PeriodStats:
        return PeriodStats(
            start_seconds=start,
            end_seconds=end,
            offered=self.offered,
            answered=self.answered,
            answered_within_threshold=self.within,
            answered_overflowed=self.overflowed,
            abandoned=self.abandoned,
            abandoned_within_threshold=self.abandoned_within,
            callbacks=self.callbacks,
            unserved=self.unserved,
            total_wait_seconds=self.wait,
            abandoned_wait_seconds=self.abandoned_wait,
            max_wait_seconds=self.max_wait,
            total_talk_seconds=self.talk,
            total_wrap_up_seconds=self.wrap_up,
            busy_seconds=self.busy,
            staffed_seconds=staffed,
        )


def _spread(seconds: list[float], start: float, end: float, size: float) -> None:
    """Add the span [start, end) to the intervals it covers."""
    if end <= start:
        return
    first = int(start // size)
    last = max(first, math.ceil(end / size) - 1)
    if first == last:
        seconds[first] += end - start
        return
    seconds[first] += (first + 1) * size - start
    for k in range(first + 1, last):
        seconds[k] += size
    seconds[last] += end - last * size
