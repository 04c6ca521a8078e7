"""ACD routing benchmark: routing decisions per second at steady state, then a simulated
working day of the whole center through the same router.

    .venv/bin/python bench/routing.py [--agents 1000] [--queues 50] [--seconds 5]
                                      [--calls 200000]

Builds a deterministic contact center (``random.Random(11)``): 10 products x 5 kinds of
queue (French, English and German L1 queues of a product, each at its language's site,
overflowing to L2 after 60 s and to any site after 120 s; an L2 queue per product; a
premier queue per product, weight 2, best proficiency), and agents at three sites with
2 to 4 products each, one or two languages, 75 % L1 and 25 % L2. Contacts arrive as a
Poisson stream sized to keep about 95 % of the agents busy (handle time exponential,
mean 240 s, then 30 s of wrap-up); L2 and premier callers carry their language as an
extra skill; callers that are not served abandon after an exponential patience (mean
180 s), which keeps the overloaded queues stationary.

The loop, in simulated time: contact arrives -> ``route`` -> ``answer`` (at once) ->
``hang_up`` (with wrap-up) -> the wrap-up ends by itself (the driver wakes the router at
``next_event_at``, which also fires overflow steps) -> ``route``... After a warm-up of
one simulated hour, the loop runs for ``--seconds`` of wall time: ``decisions_per_s`` is
the number of assignments made divided by that time, everything included (the driver,
``datetime`` arithmetic, every router call); ``p99_us`` is the 99th percentile of the time
one ``route`` call takes.

Baseline, in the same run: the same driver and the same arrival stream, routed by the
cheapest honest ACD: one FIFO ``deque`` of contacts matched to one ``deque`` of free
agents, no skills, no priorities, no overflow, times as plain floats.

Simulation (the ``"simulation"`` key): ``escalade.engines.simulation.simulate`` plays a
10-hour day of the same center (same queues, agents and skills) in 20 intervals of 30
minutes: agents work 8-hour shifts starting every 30 minutes over the first 2 hours;
about ``--calls`` calls arrive as Poisson streams whose rate follows the staffing with a
mid-morning peak, spread over the queues as above; talk times are lognormal (mean 100 s,
cv 0.8) with 30 s of wrap-up and 0-3 s of ring; callers abandon after an exponential
patience (mean 180 s). Every routing decision is the router's. ``seconds`` is the wall
time of ``simulate`` (drawing the callers, the event loop, the statistics), against a
target of 10 s; ``cpu_seconds`` the process time, which a busy machine inflates less.
Baseline: the same day (volumes, handle, wrap-up, ring, patience, shifts) played by the
cheapest honest loop: plain floats, one FIFO of callers, one FIFO of free agents.

Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from escalade.engines.acd import (  # noqa: E402
    Agent,
    AgentState,
    Contact,
    OverflowStep,
    Queue,
    Router,
    Strategy,
)
from escalade.engines.simulation import (  # noqa: E402
    CallerSegment,
    Distribution,
    HandleTime,
    Scenario,
    Shift,
    Traffic,
    simulate,
)

SEED = 11
START = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
PRODUCTS = tuple(f"product:P{n:02}" for n in range(10))
LANGUAGES = ("fr", "en", "de")
SITE_OF = {"fr": "paris", "en": "london", "de": "berlin"}
HANDLE_MEAN, WRAP_UP, PATIENCE_MEAN = 240.0, 30.0, 180.0
OCCUPANCY = 0.95
WARM_UP_SECONDS = 3_600.0  # simulated
L1_STRATEGIES = (Strategy.LONGEST_IDLE, Strategy.ROUND_ROBIN, Strategy.FEWEST_CALLS)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class Stream:
    """What a queue receives: its share of the arrivals and what its callers need."""

    queue_id: str
    share: float
    priority: int
    languages: tuple[str, ...]  # the callers' language, drawn uniformly; () = none


def build_queues(count: int) -> tuple[list[Queue], list[Stream]]:
    queues, streams = [], []
    for number in range(count):
        product, kind = PRODUCTS[number % len(PRODUCTS)], number // len(PRODUCTS) % 5
        if kind < 3:
            language = LANGUAGES[kind]
            queue = Queue(
                queue_id=f"{product}-{language}-L1",
                required_skills={product: 1, f"language:{language}": 1},
                strategy=L1_STRATEGIES[number % len(L1_STRATEGIES)],
                tier_rank=1,
                site=SITE_OF[language],
                overflow=(
                    OverflowStep(after_seconds=60, max_tier_rank_delta=1),
                    OverflowStep(after_seconds=120, max_tier_rank_delta=1, any_site=True),
                ),
            )
            streams.append(Stream(queue.queue_id, 0.6 / 3, 0, ()))
        elif kind == 3:
            queue = Queue(
                queue_id=f"{product}-L2",
                required_skills={product: 3},
                tier_rank=2,
                overflow=(OverflowStep(after_seconds=90, drop_skills=frozenset({product})),),
            )
            streams.append(Stream(queue.queue_id, 0.25, 0, LANGUAGES))
        else:
            queue = Queue(
                queue_id=f"{product}-premier",
                required_skills={product: 2},
                strategy=Strategy.BEST_PROFICIENCY,
                weight=2.0,
                service_level_seconds=10,
            )
            streams.append(Stream(queue.queue_id, 0.15, 10, LANGUAGES))
        queues.append(queue)
    return queues, streams


def build_agents(count: int, rng: random.Random) -> list[Agent]:
    agents = []
    for number in range(count):
        language = rng.choice(LANGUAGES)
        tier = 2 if rng.random() < 0.25 else 1
        skills = {
            product: rng.randint(3 if tier == 2 else 1, 5)
            for product in rng.sample(PRODUCTS, rng.randint(2, 4))
        }
        skills[f"language:{language}"] = 5
        if language != "en" and rng.random() < 0.5:
            skills["language:en"] = rng.randint(2, 4)
        agents.append(
            Agent(
                agent_id=f"agent-{number:04}",
                skills=skills,
                site=SITE_OF[language],
                tier_rank=tier,
            )
        )
    return agents


class Acd(Protocol):
    """What the driver needs from a router (times in simulated seconds)."""

    def arrive(self, contact_id: str, stream: Stream, language: str | None, t: float) -> None: ...
    def route(self, t: float) -> list[tuple[str, str]]: ...
    def answer(self, contact_id: str, t: float) -> None: ...
    def hang_up(self, agent_id: str, t: float) -> None: ...
    def abandon(self, contact_id: str, t: float) -> None: ...
    def next_event_at(self) -> float | None: ...


class EngineAcd:
    """Escalade's router, called the way the app calls it: aware datetimes."""

    def __init__(self, queues: list[Queue], agents: list[Agent]) -> None:
        self.router = Router(queues=queues, agents=agents)
        for agent in agents:
            self.router.set_state(agent.agent_id, AgentState.AVAILABLE, START)

    def arrive(self, contact_id: str, stream: Stream, language: str | None, t: float) -> None:
        now = START + timedelta(0, t)
        extra = {f"language:{language}": 1} if language else {}
        self.router.enqueue(
            Contact(
                contact_id=contact_id,
                queue_id=stream.queue_id,
                arrival=now,
                priority=stream.priority,
                extra_skills=extra,
            ),
            now,
        )

    def route(self, t: float) -> list[tuple[str, str]]:
        return [(a.contact_id, a.agent_id) for a in self.router.route(START + timedelta(0, t))]

    def answer(self, contact_id: str, t: float) -> None:
        self.router.answer(contact_id, START + timedelta(0, t))

    def hang_up(self, agent_id: str, t: float) -> None:
        self.router.hang_up(agent_id, START + timedelta(0, t), wrap_up_seconds=WRAP_UP)

    def abandon(self, contact_id: str, t: float) -> None:
        self.router.abandon(contact_id, START + timedelta(0, t))

    def next_event_at(self) -> float | None:
        due = self.router.next_event_at()
        return None if due is None else (due - START).total_seconds()


class FifoAcd:
    """The baseline: a FIFO of contacts and a FIFO of free agents, nothing else."""

    def __init__(self, agent_ids: list[str]) -> None:
        self.free: deque[str] = deque(agent_ids)
        self.waiting: deque[str] = deque()
        self.gone: set[str] = set()
        self.wrap_ups: list[tuple[float, str]] = []

    def arrive(self, contact_id: str, stream: Stream, language: str | None, t: float) -> None:
        self.waiting.append(contact_id)

    def route(self, t: float) -> list[tuple[str, str]]:
        wrap_ups = self.wrap_ups
        while wrap_ups and wrap_ups[0][0] <= t:
            self.free.append(heapq.heappop(wrap_ups)[1])
        decisions = []
        waiting, free, gone = self.waiting, self.free, self.gone
        while waiting and free:
            contact_id = waiting.popleft()
            if contact_id in gone:
                gone.discard(contact_id)
                continue
            decisions.append((contact_id, free.popleft()))
        return decisions

    def answer(self, contact_id: str, t: float) -> None:
        pass

    def hang_up(self, agent_id: str, t: float) -> None:
        heapq.heappush(self.wrap_ups, (t + WRAP_UP, agent_id))

    def abandon(self, contact_id: str, t: float) -> None:
        self.gone.add(contact_id)

    def next_event_at(self) -> float | None:
        return self.wrap_ups[0][0] if self.wrap_ups else None


ARRIVAL, HANG_UP, ABANDON = 0, 1, 2


class Driver:
    """A minimal event loop feeding one router with the same seeded stream of calls."""

    def __init__(self, acd: Acd, streams: Sequence[Stream], agents: int) -> None:
        self.acd = acd
        self.rng = random.Random(SEED)
        self.streams = list(streams)
        self.weights = [stream.share for stream in streams]
        self.rate = OCCUPANCY * agents / (HANDLE_MEAN + WRAP_UP)  # arrivals per second
        self.events: list[tuple[float, int, int, str]] = []
        self.sequence = 0
        self.waiting: set[str] = set()
        self.now = 0.0
        self.steps = 0
        self.decisions = 0
        self.route_ns: list[int] = []
        self.push(self.rng.expovariate(self.rate), ARRIVAL, "")

    def push(self, t: float, kind: int, payload: str) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (t, self.sequence, kind, payload))

    def run(self, until: Callable[[Driver], bool], timed: bool) -> None:
        acd, rng, events, waiting = self.acd, self.rng, self.events, self.waiting
        route_ns = self.route_ns
        clock = time.perf_counter_ns
        while not until(self):
            t, _, kind, payload = events[0]
            due = acd.next_event_at()
            if due is not None and due < t:
                t = due  # a wrap-up ends or an overflow step fires first
            else:
                heapq.heappop(events)
                if kind == ARRIVAL:
                    self.sequence += 1
                    contact_id = f"c{self.sequence}"
                    stream = rng.choices(self.streams, self.weights)[0]
                    language = rng.choice(stream.languages) if stream.languages else None
                    acd.arrive(contact_id, stream, language, t)
                    waiting.add(contact_id)
                    self.push(t + rng.expovariate(1 / PATIENCE_MEAN), ABANDON, contact_id)
                    self.push(t + rng.expovariate(self.rate), ARRIVAL, "")
                elif kind == HANG_UP:
                    acd.hang_up(payload, t)
                elif payload in waiting:  # ABANDON, unless answered meanwhile
                    waiting.discard(payload)
                    acd.abandon(payload, t)
            self.now = t
            self.steps += 1
            if timed:
                started = clock()
                decisions = acd.route(t)
                route_ns.append(clock() - started)
            else:
                decisions = acd.route(t)
            for contact_id, agent_id in decisions:
                waiting.discard(contact_id)
                acd.answer(contact_id, t)
                self.push(t + rng.expovariate(1 / HANDLE_MEAN), HANG_UP, agent_id)
            self.decisions += len(decisions)


def measure(acd: Acd, streams: Sequence[Stream], agents: int, seconds: float) -> dict[str, float]:
    """Warm up for a simulated hour, then count decisions for ``seconds`` of wall time."""
    driver = Driver(acd, streams, agents)
    driver.run(lambda d: d.now >= WARM_UP_SECONDS, timed=False)
    decisions_before, simulated_before = driver.decisions, driver.now
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    # Reading the clock every event would cost as much as the baseline's work: every 64.
    driver.run(lambda d: d.steps % 64 == 0 and time.perf_counter() >= deadline, timed=True)
    elapsed = time.perf_counter() - started
    latencies = sorted(driver.route_ns)
    decisions = driver.decisions - decisions_before
    return {
        "decisions": decisions,
        "decisions_per_s": decisions / elapsed,
        "simulated_seconds": driver.now - simulated_before,
        "p50_us": latencies[len(latencies) // 2] / 1_000,
        "p99_us": latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] / 1_000,
        "waiting": len(driver.waiting),
    }


def routing_decisions(
    agents: int = 1000, queues: int = 50, seconds: float = 5.0
) -> dict[str, object]:
    """Escalade's router and the FIFO baseline on the same center; the JSON record."""
    if agents < 1 or queues < 1 or seconds <= 0:
        raise ValueError("agents and queues must be at least 1, seconds more than 0")
    rng = random.Random(SEED)
    queue_list, streams = build_queues(queues)
    agent_list = build_agents(agents, rng)
    log(f"Routing: {agents} agents, {queues} queues, {seconds} s per run")
    engine = measure(EngineAcd(queue_list, agent_list), streams, agents, seconds)
    log(f"  engine: {engine['decisions_per_s']:.0f} decisions/s")
    baseline_acd = FifoAcd([agent.agent_id for agent in agent_list])
    baseline = measure(baseline_acd, streams, agents, seconds)
    log(f"  baseline: {baseline['decisions_per_s']:.0f} decisions/s")
    return {
        "bench": "routing",
        "agents": agents,
        "queues": queues,
        "decisions_per_s": round(engine["decisions_per_s"]),
        "baseline_decisions_per_s": round(baseline["decisions_per_s"]),
        "p99_us": round(engine["p99_us"], 1),
        "p50_us": round(engine["p50_us"], 1),
        "baseline_p99_us": round(baseline["p99_us"], 1),
        "decisions": engine["decisions"],
        "simulated_seconds": round(engine["simulated_seconds"]),
        "waiting_at_end": engine["waiting"],
    }


# --- simulation: a working day of the center, through the same router ----------------------

DAY_INTERVALS = 20  # of 30 minutes: a 10-hour day
INTERVAL_SECONDS = 1_800.0
SHIFT_SECONDS = 8 * 3_600.0
SHIFT_STARTS = tuple(n * 1_800.0 for n in range(5))  # 8-hour shifts starting every 30 min
DAY_HANDLE_MEAN, DAY_HANDLE_CV, DAY_WRAP_UP = 100.0, 0.8, 30.0
TARGET_SECONDS = 10.0


def day_scenario(agents: int, queues: int, calls: int) -> Scenario:
    """The center of the routing part, staffed in staggered 8-hour shifts over 10 hours;
    the calls follow the staffing with a mid-morning peak (+10 %)."""
    rng = random.Random(SEED)
    queue_list, streams = build_queues(queues)
    agent_list = build_agents(agents, rng)
    starts = [SHIFT_STARTS[n % len(SHIFT_STARTS)] for n in range(agents)]
    shape = []
    for k in range(DAY_INTERVALS):
        begin, end = k * INTERVAL_SECONDS, (k + 1) * INTERVAL_SECONDS
        on_duty = sum(max(0.0, min(s + SHIFT_SECONDS, end) - max(s, begin)) for s in starts)
        shape.append(on_duty * (1.0 + 0.1 * math.sin(2 * math.pi * k / DAY_INTERVALS)))
    per_interval = [calls * weight / sum(shape) for weight in shape]
    total_share = sum(stream.share for stream in streams)
    traffic = []
    for stream in streams:
        segments = tuple(
            CallerSegment(priority=stream.priority, extra_skills={f"language:{language}": 1})
            for language in stream.languages
        ) or (CallerSegment(priority=stream.priority),)
        traffic.append(
            Traffic(
                queue_id=stream.queue_id,
                calls_per_interval=tuple(c * stream.share / total_share for c in per_interval),
                handle_time=HandleTime(
                    mean_seconds=DAY_HANDLE_MEAN,
                    distribution=Distribution.LOGNORMAL,
                    cv=DAY_HANDLE_CV,
                ),
                wrap_up_seconds=DAY_WRAP_UP,
                patience_seconds=PATIENCE_MEAN,
                segments=segments,
            )
        )
    return Scenario(
        queues=tuple(queue_list),
        shifts=tuple(
            Shift(agent=agent, start_seconds=start, end_seconds=start + SHIFT_SECONDS)
            for agent, start in zip(agent_list, starts, strict=True)
        ),
        traffic=tuple(traffic),
        interval_seconds=INTERVAL_SECONDS,
        seed=SEED,
    )


def fifo_day(scenario: Scenario) -> dict[str, float]:
    """The baseline: the same day (same volumes, handle, wrap-up, ring, patience, shifts)
    played by the cheapest honest loop: plain floats, one FIFO of callers, one FIFO of free
    agents, no skills, no priorities, no overflow, no callbacks."""
    rng = random.Random(SEED)
    callers: list[tuple[float, float, float, float, float]] = []  # arrival, talk, deadline…
    for traffic in scenario.traffic:
        handle = traffic.handle_time
        sigma = math.sqrt(math.log1p(handle.cv**2))
        mu = math.log(handle.mean_seconds) - sigma * sigma / 2
        patience = traffic.patience_seconds or math.inf
        low, high = scenario.ring_seconds
        for k, calls in enumerate(traffic.calls_per_interval):
            t, end = k * scenario.interval_seconds, (k + 1) * scenario.interval_seconds
            while calls > 0:
                t += rng.expovariate(calls / scenario.interval_seconds)
                if t >= end:
                    break
                talk = rng.lognormvariate(mu, sigma)
                ring = rng.uniform(low, high)
                deadline = t + rng.expovariate(1.0 / patience)
                callers.append((t, talk, deadline, ring, traffic.wrap_up_seconds))
    callers.sort()
    ANSWER, FREE, ABANDON, START, END = range(5)
    events: list[tuple[float, int, int, int]] = []
    sequence = itertools.count()
    for number, shift in enumerate(scenario.shifts):
        heapq.heappush(events, (shift.start_seconds, next(sequence), START, number))
        heapq.heappush(events, (shift.end_seconds, next(sequence), END, number))
    free: deque[int] = deque()
    on_shift = [False] * len(scenario.shifts)
    waiting: deque[int] = deque()
    state = [0] * len(callers)  # 0 waiting, 1 ringing or talking, 2 abandoned
    answered = abandoned = 0
    position, count = 0, len(callers)

    def serve(t: float) -> None:
        nonlocal abandoned
        while waiting and free:
            caller = waiting.popleft()
            if state[caller] == 0:
                state[caller] = 1
                _, talk, deadline, ring, wrap_up = callers[caller]
                agent = free.popleft()
                if deadline < t + ring:  # abandons while it rings
                    state[caller] = 2
                    abandoned += 1
                    heapq.heappush(events, (deadline, next(sequence), FREE, agent))
                else:
                    heapq.heappush(events, (t + ring, next(sequence), ANSWER, caller))
                    busy = t + ring + talk + wrap_up
                    heapq.heappush(events, (busy, next(sequence), FREE, agent))

    while position < count or events:
        if position < count and (not events or callers[position][0] < events[0][0]):
            t = callers[position][0]
            waiting.append(position)
            heapq.heappush(events, (callers[position][2], next(sequence), ABANDON, position))
            position += 1
        else:
            t, _, kind, item = heapq.heappop(events)
            if kind == ANSWER:
                answered += 1
            elif kind == ABANDON:
                if state[item] == 0:  # still waiting
                    state[item] = 2
                    abandoned += 1
                continue
            elif kind == FREE:
                if on_shift[item]:
                    free.append(item)
            elif kind == START:
                on_shift[item] = True
                free.append(item)
            else:
                on_shift[item] = False
                if item in free:
                    free.remove(item)
                continue
        serve(t)
    return {"calls": count, "answered": answered, "abandoned": abandoned}


def simulation_day(agents: int = 1000, queues: int = 50, calls: int = 200_000) -> dict[str, object]:
    """Escalade's simulator playing the day, and the FIFO baseline; the JSON record."""
    scenario = day_scenario(agents, queues, calls)
    log(f"Simulation: {agents} agents, {queues} queues, about {calls} calls over 10 hours")
    started, cpu = time.perf_counter(), time.process_time()
    result = simulate(scenario)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    log(f"  engine: {seconds:.2f} s ({cpu_seconds:.2f} s CPU)")
    started = time.perf_counter()
    baseline = fifo_day(scenario)
    baseline_seconds = time.perf_counter() - started
    log(f"  baseline: {baseline_seconds:.2f} s ({baseline})")
    day = result.day
    return {
        "calls": day.offered,
        "agents": agents,
        "queues": queues,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "target_seconds": TARGET_SECONDS,
        "met": seconds <= TARGET_SECONDS,
        "baseline_seconds": round(baseline_seconds, 2),
        "events": result.events,
        "service_level": round(day.service_level or 0.0, 4),
        "service_level_offered": round(day.service_level_offered or 0.0, 4),
        "abandon_rate": round(day.abandon_rate or 0.0, 4),
        "average_speed_of_answer": round(day.average_speed_of_answer or 0.0, 1),
        "occupancy": round(day.occupancy or 0.0, 4),
        "answered_overflowed": day.answered_overflowed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time of each run")
    parser.add_argument("--calls", type=int, default=200_000, help="calls of the simulated day")
    args = parser.parse_args(argv)
    record = routing_decisions(args.agents, args.queues, args.seconds)
    record["simulation"] = simulation_day(args.agents, args.queues, args.calls)
    print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
