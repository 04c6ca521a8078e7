"""ACD routing benchmark: routing decisions per second at steady state.

    .venv/bin/python bench/routing.py [--agents 1000] [--queues 50] [--seconds 5]

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

Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import heapq
import json
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time of each run")
    args = parser.parse_args(argv)
    print(json.dumps(routing_decisions(args.agents, args.queues, args.seconds)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
