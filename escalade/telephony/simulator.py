"""The built-in call simulator: callers played through the PBX bridge's own code path.

Each simulated call takes the path of a Generic CTI ``newCall`` with a queue and no
user (``telephony.api``): ``do_call_offered`` then the ACD's ``offer_call``, which rings
the agent it chooses (their console pops the caller's file). The simulated phone of the
agent rung answers after a ring delay (``do_call_answered`` + ``agent_answered``), the
call lasts its talk time, then ends (``do_call_ended`` + ``call_ended``: the known
caller's timeline tells of it). A caller still waiting when their patience runs out hangs
up (cause ``cancel``: abandoned). Time alone (wrap-ups, ring timeouts) is applied with
``service.tick``.

Everything is drawn from one ``random.Random(seed)``: the same seed on the same data
plays the same calls (arrivals, numbers, patience, talk times). Callers are real demo
customers (their contacts' phone numbers) and, now and then, unknown numbers.

The clock is injected: ``RealClock(speed=1)`` plays in real time (demos: the consoles
see the calls as they happen); ``VirtualClock`` plays as fast as the database allows
(tests, staffing what-ifs: the call times run ahead of the wall clock).
"""

from __future__ import annotations

import heapq
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.db.models import QuerySet
from django.utils import timezone

from escalade.contactcenter.models import AcdState, AgentPresence, ContactState, WaitingContact
from escalade.contactcenter.service import service
from escalade.customers.models import ContactPhone
from escalade.network.models import Agent, Queue
from escalade.telephony.actions import do_call_answered, do_call_ended, do_call_offered
from escalade.telephony.models import LIVE_STATES, Call, Cause, Direction

logger = logging.getLogger("escalade.telephony")

# Calls played by the simulator; their ids are unique within it.
SOURCE = "simulator"
HOTLINE = "+33 1 70 36 00 00"
UNKNOWN_SHARE = 0.1  # callers who are no customer
RING_SECONDS = (2.0, 6.0)  # the simulated phone answers after this long
PATIENCE_MEAN = 90.0  # seconds a caller waits on average before hanging up
MIN_TALK = 10.0
TICK_SECONDS = 1.0  # how often time alone is applied (wrap-ups, ring timeouts)
MAX_RATE = 600.0
MAX_MINUTES = 24 * 60


class SimulatorError(ValueError):
    """Arguments the simulator cannot play."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def wait_until(self, moment: datetime) -> None: ...


class RealClock:
    """Wall-clock time, ``speed`` times faster (1: real time)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.start = timezone.now()
        self.started = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.started) * self.speed)

    def wait_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds() / self.speed
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """Time that jumps to the next event at once."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or timezone.now()

    def now(self) -> datetime:
        return self.current

    def wait_until(self, moment: datetime) -> None:
        self.current = max(self.current, moment)


@dataclass(frozen=True)
class Settings:
    rate: float = 6.0  # calls per minute
    minutes: float = 5.0  # how long callers keep arriving
    talk: float = 120.0  # mean talk time, seconds
    seed: int = 1
    queue: str = ""  # default: the first queue with agents logged in, else the first
    agents: int = 0  # simulated agents of the queue to log in first

    def check(self) -> None:
        if not 0 < self.rate <= MAX_RATE:
            raise SimulatorError(f"--rate must be above 0 and at most {MAX_RATE:g} calls/min.")
        if not 0 < self.minutes <= MAX_MINUTES:
            raise SimulatorError(f"--minutes must be above 0 and at most {MAX_MINUTES}.")
        if self.talk < MIN_TALK:
            raise SimulatorError(f"--talk must be at least {MIN_TALK:g} seconds.")
        if self.agents < 0:
            raise SimulatorError("--agents must be 0 or more.")


@dataclass
class Caller:
    index: int
    offset: float  # seconds after the start
    number: str
    patience: float
    ring: float
    talk: float
    call_id: int | None = None
    answered_by: int | None = None
    outcome: str = ""  # answered, abandoned, unanswered


@dataclass
class Outcome:
    queue: str
    calls: int = 0
    answered: int = 0
    abandoned: int = 0
    unanswered: int = 0  # still live at the end (interrupted)
    known: int = 0
    by_agent: dict[str, int] = field(default_factory=dict)
    call_ids: list[int] = field(default_factory=list)
    interrupted: bool = False

    def summary(self) -> str:
        return (
            f"{self.calls} calls to {self.queue}: {self.answered} answered, "
            f"{self.abandoned} abandoned, {self.unanswered} cut; {self.known} known callers, "
            f"{len(self.by_agent)} agents"
        )


def queue_agents(queue: Queue) -> QuerySet[Agent]:
    """Active agents who may take the queue's calls: its tier, its site, its skills."""
    agents = Agent.objects.filter(is_active=True, tier=queue.tier)
    if queue.site_id is not None:
        agents = agents.filter(site=queue.site_id)
    for skill in queue.required_skills.all():
        agents = agents.filter(skill_levels__skill=skill)
    return agents.order_by("pk")


def choose_queue(name: str) -> Queue:
    if name:
        queue = Queue.objects.filter(name=name).first()
        if queue is None:
            raise SimulatorError(f"No queue is named {name!r}.")
        return queue
    available = AgentPresence.objects.filter(state=AcdState.AVAILABLE).values_list(
        "agent", flat=True
    )
    for queue in Queue.objects.order_by("pk").prefetch_related("required_skills"):
        if queue_agents(queue).filter(pk__in=available).exists():
            return queue
    queue = Queue.objects.order_by("pk").first()
    if queue is None:
        raise SimulatorError("No queue: load the demo data first (manage.py demo_data).")
    return queue


def log_in_agents(queue: Queue, count: int) -> list[Agent]:
    """Make ``count`` agents of the queue available (the first ones, in a stable order)."""
    agents = list(queue_agents(queue)[:count])
    if len(agents) < count:
        raise SimulatorError(f"Queue {queue.name!r} has only {len(agents)} agents.")
    for agent in agents:
        if service.presence(agent).state != AcdState.AVAILABLE:
            service.set_agent_state(agent=agent, state=AcdState.AVAILABLE)
    return agents


def callers(settings: Settings, rng: random.Random) -> list[Caller]:
    """The calls of the run: Poisson arrivals, known numbers mostly, random durations."""
    known = list(ContactPhone.objects.order_by("pk").values_list("number", flat=True)[:5000])
    result: list[Caller] = []
    offset = rng.expovariate(settings.rate / 60)
    while offset < settings.minutes * 60:
        if known and rng.random() >= UNKNOWN_SHARE:
            number = rng.choice(known)
        else:
            number = f"+3319{rng.randrange(10**7):07d}"
        result.append(
            Caller(
                index=len(result),
                offset=offset,
                number=number,
                patience=min(rng.expovariate(1 / PATIENCE_MEAN), 6 * PATIENCE_MEAN),
                ring=rng.uniform(*RING_SECONDS),
                talk=min(MIN_TALK + rng.expovariate(1 / settings.talk), 6 * settings.talk),
            )
        )
        offset += rng.expovariate(settings.rate / 60)
    return result


class Simulation:
    """One run: a timetable of events (arrive, answer, abandon, hang up, tick)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        settings.check()
        self.settings = settings
        self.clock = clock or RealClock()
        self.progress = progress or (lambda message: None)
        self.rng = random.Random(settings.seed)
        self.queue = choose_queue(settings.queue)
        self.start = self.clock.now()
        self.run_id = f"sim{self.start:%Y%m%d%H%M%S%f}"
        self.outcome = Outcome(queue=self.queue.name)
        self.events: list[tuple[datetime, int, str, int]] = []
        self.sequence = 0
        self.callers: list[Caller] = []

    def _schedule(self, at: datetime, kind: str, index: int = -1) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (at, self.sequence, kind, index))

    def _at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def run(self) -> Outcome:
        if self.settings.agents:
            log_in_agents(self.queue, self.settings.agents)
        self.callers = callers(self.settings, self.rng)
        self.progress(f"{len(self.callers)} calls to {self.queue.name} ({self.run_id})")
        for caller in self.callers:
            self._schedule(self._at(caller.offset), "arrive", caller.index)
        self._schedule(self._at(TICK_SECONDS), "tick")
        try:
            while self.events:
                at, _, kind, index = heapq.heappop(self.events)
                if kind == "tick" and not self._live():
                    continue  # nothing left to do but time: the run is over
                self.clock.wait_until(at)
                self._handle(at, kind, index)
        except KeyboardInterrupt:
            self.outcome.interrupted = True
            self._cut(self.clock.now())
        return self._finish()

    def _live(self) -> bool:
        return any(not caller.outcome for caller in self.callers)

    def _handle(self, at: datetime, kind: str, index: int) -> None:
        if kind == "tick":
            service.tick(now=at)
            self._schedule(at + timedelta(seconds=TICK_SECONDS), "tick")
        else:
            caller = self.callers[index]
            if kind == "arrive":
                self._arrive(caller, at)
            elif kind == "answer":
                self._answer(caller, at)
            elif kind == "abandon":
                self._abandon(caller, at)
            elif kind == "hangup":
                self._end(caller, at, Cause.NORMAL_CLEARING)
        self._ring_answers(at)

    def _arrive(self, caller: Caller, at: datetime) -> None:
        with service.routing_transaction():
            result = do_call_offered(
                actor=None,
                source=SOURCE,
                external_id=f"{self.run_id}-{caller.index:05d}",
                direction=Direction.IN,
                from_number=caller.number,
                to_number=HOTLINE,
                queue=self.queue,
                at=at,
                key=f"{self.run_id}-{caller.index:05d}:newCall",
                payload={"simulator": self.run_id},
            )
            service.offer_call(call=result.call, queue=self.queue, now=at)
        caller.call_id = result.call.pk
        self.outcome.call_ids.append(result.call.pk)
        if result.call.account_id is not None:
            self.outcome.known += 1
        self._schedule(at + timedelta(seconds=caller.patience), "abandon", caller.index)

    def _ring_answers(self, at: datetime) -> None:
        """The simulated phones of the agents the ACD rang answer after their ring delay."""
        waiting = {c.call_id: c for c in self.callers if c.call_id and not c.outcome}
        if not waiting:
            return
        rows = WaitingContact.objects.filter(
            call_id__in=list(waiting), state=ContactState.RINGING, agent__isnull=False
        ).values_list("call_id", "agent_id")
        for call_id, agent_id in rows:
            caller = waiting[call_id]
            if caller.answered_by != agent_id:
                caller.answered_by = agent_id  # the answer is on its way
                self._schedule(at + timedelta(seconds=caller.ring), "answer", caller.index)

    def _call(self, caller: Caller) -> Call:
        assert caller.call_id is not None  # only calls that arrived have events
        return Call.objects.select_related("agent__user").get(pk=caller.call_id)

    def _answer(self, caller: Caller, at: datetime) -> None:
        if caller.outcome or caller.call_id is None or caller.answered_by is None:
            return
        ringing = WaitingContact.objects.filter(
            call_id=caller.call_id, state=ContactState.RINGING, agent_id=caller.answered_by
        ).first()
        if ringing is None or ringing.agent is None:
            caller.answered_by = None  # rung elsewhere or timed out: wait for the next ring
            return
        agent = ringing.agent
        with service.routing_transaction():
            result = do_call_answered(
                actor=None,
                call=self._call(caller),
                agent=agent,
                at=at,
                key=f"{self.run_id}-{caller.index:05d}:answer",
            )
            service.agent_answered(call=result.call, agent=agent, now=at)
        caller.outcome = "answered"
        name = agent.user.get_username()
        self.outcome.by_agent[name] = self.outcome.by_agent.get(name, 0) + 1
        self._schedule(at + timedelta(seconds=caller.talk), "hangup", caller.index)

    def _abandon(self, caller: Caller, at: datetime) -> None:
        if not caller.outcome:
            caller.outcome = "abandoned"
            self._end(caller, at, Cause.CANCEL)

    def _end(self, caller: Caller, at: datetime, cause: Cause) -> None:
        call = self._call(caller)
        if call.state not in LIVE_STATES:
            return
        with service.routing_transaction():
            result = do_call_ended(
                actor=None,
                call=call,
                cause=cause,
                at=at,
                key=f"{self.run_id}-{caller.index:05d}:hangup",
            )
            service.call_ended(call=result.call, now=at)

    def _cut(self, at: datetime) -> None:
        """Interrupted: every call still live ends now."""
        for caller in self.callers:
            if caller.call_id is None:
                continue
            if not caller.outcome:
                caller.outcome = "unanswered"
            if Call.objects.filter(pk=caller.call_id, state__in=LIVE_STATES).exists():
                self._end(caller, at, Cause.NORMAL_CLEARING)

    def _finish(self) -> Outcome:
        outcome = self.outcome
        played = [c for c in self.callers if c.call_id is not None]
        outcome.calls = len(played)
        outcome.answered = sum(c.outcome == "answered" for c in played)
        outcome.abandoned = sum(c.outcome == "abandoned" for c in played)
        outcome.unanswered = sum(c.outcome == "unanswered" for c in played)
        return outcome


def simulate(
    settings: Settings,
    *,
    clock: Clock | None = None,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Play a burst of calls; returns what became of them."""
    return Simulation(settings, clock=clock, progress=progress).run()


__all__ = [
    "SOURCE",
    "Outcome",
    "RealClock",
    "Settings",
    "SimulatorError",
    "VirtualClock",
    "simulate",
]
