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

The simulated phones also answer the calls agents transfer: a transfer target's phone
answers after its ring delay (a consultation: the target talks with the first agent,
who then completes or cancels from the console).

``traffic`` (a ``TrafficRunner``) plays a run in a background thread of the web
process, started and stopped by a supervisor from the console: with the in-memory
channel layer (the embedded default) only the web process reaches the consoles, so that
is where simulated calls must be played for their pops to show.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.models import (
    AcdState,
    AgentPresence,
    ContactState,
    WaitingContact,
)
from escalade.contactcenter.service import service
from escalade.core.audit import record
from escalade.customers.models import ContactPhone
from escalade.network.models import Agent, Queue
from escalade.telephony.acd import do_consultation_answered
from escalade.telephony.actions import (
    CallStateError,
    do_call_answered,
    do_call_ended,
    do_call_offered,
)
from escalade.telephony.live import sending_through, server_loop
from escalade.telephony.models import (
    LIVE_STATES,
    Call,
    CallConnection,
    Cause,
    Direction,
    Party,
    State,
)

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


class Stopped(Exception):
    """The run was asked to stop (``TrafficRunner.stop``)."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def wait_until(self, moment: datetime) -> None: ...


class RealClock:
    """Wall-clock time, ``speed`` times faster (1: real time)."""

    def __init__(self, speed: float = 1.0, *, stop: threading.Event | None = None) -> None:
        self.speed = speed
        self.start = timezone.now()
        self.started = time.monotonic()
        self.stop = stop or threading.Event()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.started) * self.speed)

    def wait_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds() / self.speed
        if delay > 0 and self.stop.wait(delay):
            raise Stopped


class VirtualClock:
    """Time that jumps to the next event at once."""

    def __init__(
        self, start: datetime | None = None, *, stop: threading.Event | None = None
    ) -> None:
        self.current = start or timezone.now()
        self.stop = stop or threading.Event()

    def now(self) -> datetime:
        return self.current

    def wait_until(self, moment: datetime) -> None:
        if self.stop.is_set():
            raise Stopped
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
    transfers_answered: int = 0
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
        # (call, transfer) → the agent whose phone answers it once it has rung
        self.transfer_rings: dict[tuple[int, int], int] = {}

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
        except (KeyboardInterrupt, Stopped):
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
            elif kind == "transfer":
                self._answer_transfer(caller, at)
        self._ring_answers(at)
        self._ring_transfers(at)

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

    def _ring_transfers(self, at: datetime) -> None:
        """The phones of transfer targets (agents transferred a simulated call) answer
        after a ring delay."""
        live = {c.call_id: c for c in self.callers if c.call_id and c.outcome == "answered"}
        if not live:
            return
        rows = WaitingContact.objects.filter(
            call_id__in=list(live),
            transfer__isnull=False,
            state=ContactState.RINGING,
            agent__isnull=False,
        ).values_list("call_id", "transfer_id", "agent_id")
        for call_id, transfer_id, agent_id in rows:
            if self.transfer_rings.get((call_id, transfer_id)) != agent_id:
                self.transfer_rings[(call_id, transfer_id)] = agent_id
                caller = live[call_id]
                self._schedule(at + timedelta(seconds=caller.ring), "transfer", caller.index)

    def _answer_transfer(self, caller: Caller, at: datetime) -> None:
        if caller.call_id is None:
            return
        row = (
            WaitingContact.objects.filter(
                call_id=caller.call_id, transfer__isnull=False, state=ContactState.RINGING
            )
            .select_related("agent__user", "transfer")
            .first()
        )
        if row is None or row.agent is None or row.transfer is None:
            return
        if self.transfer_rings.get((caller.call_id, row.transfer.pk)) != row.agent_id:
            return  # rung again since (the first target did not answer): wait for its ring
        call = self._call(caller)
        agent = row.agent
        consulting = row.transfer.consultative and (
            CallConnection.objects.filter(call=call, party=Party.AGENT, state=State.HELD).exists()
        )
        try:
            if consulting:
                do_consultation_answered(actor=None, call=call, agent=agent, at=at)
            else:
                with service.routing_transaction():
                    result = do_call_answered(
                        actor=None,
                        call=call,
                        agent=agent,
                        at=at,
                        key=f"{self.run_id}-{caller.index:05d}:answer:{row.transfer.pk}",
                    )
                    service.agent_answered(call=result.call, agent=agent, now=at)
        except (CallStateError, AcdRefused) as exc:
            # A person moved faster than the simulated phone (cancelled, hung up).
            logger.info("Simulated transfer answer of call %s skipped: %s", call.pk, exc)
            return
        self.outcome.transfers_answered += 1

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


# --- traffic played inside the web process ---------------------------------------------


@dataclass(frozen=True)
class TrafficStatus:
    running: bool
    settings: Settings | None = None
    speed: float = 1.0
    started_at: datetime | None = None
    started_by: str = ""
    outcome: Outcome | None = None
    error: str = ""


class TrafficRunner:
    """One simulated run at a time, in a background thread of this process.

    The run's calls, ACD decisions and pops are those of this process: with the
    in-memory channel layer the consoles it serves see them. Stopping ends the calls
    still live (as Ctrl-C does for the command). A restarted process has no run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._status = TrafficStatus(running=False)
        self._simulation: Simulation | None = None

    def status(self) -> TrafficStatus:
        with self._lock:
            status = self._status
            simulation = self._simulation
        if status.running and simulation is not None:
            return replace(status, outcome=simulation.outcome)
        return status

    def start(self, settings: Settings, *, speed: float = 1.0, actor: Any = None) -> TrafficStatus:
        """Start a run; ``SimulatorError`` when one runs already or the arguments are bad.

        The queue is chosen and agents logged in before this returns, so a bad request
        fails here, not in the thread.
        """
        settings.check()
        if speed < 0:
            raise SimulatorError("The speed must be 0 or more.")
        with self._lock:
            if self._status.running:
                raise SimulatorError("Simulated traffic is already running: stop it first.")
            self._stop = threading.Event()
            stop = self._stop
            clock: Clock = VirtualClock(stop=stop) if speed == 0 else RealClock(speed, stop=stop)
            simulation = Simulation(settings, clock=clock)
            if settings.agents:
                log_in_agents(simulation.queue, settings.agents)
            simulation.settings = replace(settings, agents=0, queue=simulation.queue.name)
            record(
                actor=actor,
                action="simulated_traffic_started",
                obj=simulation.queue,
                summary=(
                    f"Simulated traffic: {settings.rate:g} calls/min for "
                    f"{settings.minutes:g} min to {simulation.queue.name}"
                ),
            )
            self._simulation = simulation
            self._status = TrafficStatus(
                running=True,
                settings=simulation.settings,
                speed=speed,
                started_at=timezone.now(),
                started_by=getattr(actor, "username", "") or "",
            )
            self._thread = threading.Thread(
                target=self._run,
                args=(simulation, server_loop()),
                name="simulated-traffic",
                daemon=True,
            )
            self._thread.start()
            return self._status

    def _run(self, simulation: Simulation, loop: asyncio.AbstractEventLoop | None) -> None:
        error = ""
        outcome = simulation.outcome
        try:
            # The screen pops leave through the channel layer: sent from the server's own
            # event loop (as a view's are), never from a loop of this thread, which the
            # in-memory layer's queues do not belong to.
            with sending_through(loop):
                outcome = simulation.run()
        except (SimulatorError, AcdInvalid, AcdRefused) as exc:
            error = str(exc)
        except Exception as exc:  # the thread must always report its end
            logger.exception("Simulated traffic failed.")
            error = str(exc) or exc.__class__.__name__
        finally:
            connection.close()  # this thread's own connection
            with self._lock:
                self._status = replace(self._status, running=False, outcome=outcome, error=error)
                self._simulation = None

    def stop(self, *, wait: float = 30.0) -> TrafficStatus:
        """Stop the run (its live calls end) and wait for the thread, up to ``wait`` s."""
        with self._lock:
            thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join(timeout=wait)
        return self.status()

    def wait(self, timeout: float | None = None) -> TrafficStatus:
        """Wait for the run to end by itself (tests)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=timeout)
        return self.status()


traffic = TrafficRunner()


__all__ = [
    "SOURCE",
    "Outcome",
    "RealClock",
    "Settings",
    "SimulatorError",
    "Stopped",
    "TrafficRunner",
    "TrafficStatus",
    "VirtualClock",
    "simulate",
    "traffic",
]
