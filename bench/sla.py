"""SLA clock benchmark: recompute the clocks of many incidents from their histories.

    .venv/bin/python bench/sla.py [--incidents 100000]

Builds deterministic synthetic incidents (``random.Random(7)``): 60 % on Paris business
hours with French public holidays, 25 % on London business hours with English bank
holidays, 15 % on a 24 x 7 plan; created over the 90 days before a fixed ``now``; 0 to 3
episodes pending on the customer; about 70 % resolved, some of them reopened. Then times,
with ``time.perf_counter``, the first-response and resolution clocks of every incident at
that ``now`` (building the histories is not timed; compiling the calendars is).

Baseline, in the same run: for the 24 x 7 incidents only, the elapsed time of the same two
clocks as plain arithmetic on POSIX timestamps: what a clock costs when there is no
calendar, no deadline, no warning, nothing but the history to read.

Prints one JSON line on stdout; progress goes to stderr. ``met`` compares with the budget
of 5 s per 100,000 incidents (25 µs per clock), scaled to ``--incidents``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import holidays

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from escalade.engines.business_time import Calendar  # noqa: E402
from escalade.engines.sla import (  # noqa: E402
    RESOLUTION_PAUSE_STATUSES,
    RESOLUTION_STOP_STATUSES,
    first_response_clock,
    resolution_clock,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SEED = 7
BUDGET_SECONDS_PER_100K = 5.0
WARN_RATIO = 0.75
# (first response, resolution) in business minutes, by severity.
TARGETS = {1: (30, 4 * 60), 2: (60, 8 * 60), 3: (4 * 60, 3 * 9 * 60), 4: (9 * 60, 10 * 9 * 60)}
HOUR = 3_600.0


@dataclass(frozen=True, slots=True)
class Incident:
    calendar: Calendar
    created_at: datetime
    responded_at: datetime | None
    history: tuple[tuple[datetime, str], ...]
    first_response_minutes: float
    resolution_minutes: float


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def office_hours(time_zone: str, country: str, subdiv: str | None = None) -> Calendar:
    public_holidays = holidays.country_holidays(country, subdiv=subdiv, years=range(2025, 2028))
    nine, six = datetime(2000, 1, 1, 9).time(), datetime(2000, 1, 1, 18).time()
    return Calendar.weekly(time_zone, {day: [(nine, six)] for day in range(5)}, public_holidays)


def build(count: int, seed: int = SEED) -> list[Incident]:
    """Synthetic incidents, the same for the same ``count`` and ``seed``."""
    rng = random.Random(seed)
    paris = office_hours("Europe/Paris", "FR")
    london = office_hours("Europe/London", "GB", "ENG")
    premier = Calendar.twenty_four_seven("Europe/Paris")

    def later(at: datetime, mean_hours: float) -> datetime:
        return at + timedelta(seconds=round(rng.expovariate(1 / (mean_hours * HOUR)), 3))

    incidents = []
    for _ in range(count):
        share = rng.random()
        calendar = paris if share < 0.60 else london if share < 0.85 else premier
        created = NOW - timedelta(seconds=rng.uniform(0, 90 * 86_400))
        history = [(created, "new")]
        at = later(created, 0.5)
        history.append((at, "open"))
        for _episode in range(rng.randint(0, 3)):
            at = later(at, 6)
            history.append((at, "pending_customer"))
            at = later(at, 18)
            history.append((at, "open"))
        if rng.random() < 0.70:
            at = later(at, 24)
            history.append((at, "resolved"))
            if rng.random() < 0.15:
                at = later(at, 48)
                history.append((at, "reopened"))
                at = later(at, 24)
                history.append((at, "resolved"))
            if rng.random() < 0.5:
                history.append((later(at, 72), "closed"))
        responded: datetime | None = later(created, 1)
        if rng.random() < 0.1:
            responded = None
        first_response, resolution = TARGETS[rng.randint(1, 4)]
        incidents.append(
            Incident(
                calendar=calendar,
                created_at=created,
                responded_at=responded if responded and responded <= NOW else None,
                history=tuple(entry for entry in history if entry[0] <= NOW),
                first_response_minutes=first_response,
                resolution_minutes=resolution,
            )
        )
    return incidents


def clocks(incidents: Sequence[Incident]) -> None:
    """What is timed: both clocks of every incident, as the incidents app asks for them."""
    for incident in incidents:
        first_response_clock(
            calendar=incident.calendar,
            target_minutes=incident.first_response_minutes,
            warn_ratio=WARN_RATIO,
            created_at=incident.created_at,
            responded_at=incident.responded_at,
            now=NOW,
        )
        resolution_clock(
            calendar=incident.calendar,
            target_minutes=incident.resolution_minutes,
            warn_ratio=WARN_RATIO,
            history=incident.history,
            now=NOW,
        )


def baseline_elapsed(incident: Incident, now: float) -> tuple[float, float]:
    """Elapsed seconds of both clocks on a 24 x 7 plan: timestamps, subtraction, nothing else."""
    created = incident.created_at.timestamp()
    responded = incident.responded_at
    first_response = (now if responded is None else responded.timestamp()) - created
    resolution = 0.0
    running_since: float | None = None
    for at, status in incident.history:
        instant = at.timestamp()
        if status in RESOLUTION_PAUSE_STATUSES or status in RESOLUTION_STOP_STATUSES:
            if running_since is not None:
                resolution += instant - running_since
                running_since = None
        elif running_since is None:
            running_since = instant
    if running_since is not None:
        resolution += now - running_since
    return first_response, resolution


def baseline(incidents: Sequence[Incident]) -> None:
    now = NOW.timestamp()
    for incident in incidents:
        baseline_elapsed(incident, now)


def check(incidents: Sequence[Incident]) -> None:
    """Untimed: the engine's 24 x 7 clocks agree with the baseline's arithmetic."""
    now = NOW.timestamp()
    for incident in incidents:
        first_response, resolution = baseline_elapsed(incident, now)
        engine_first = first_response_clock(
            calendar=incident.calendar,
            target_minutes=incident.first_response_minutes,
            created_at=incident.created_at,
            responded_at=incident.responded_at,
            now=NOW,
        )
        engine_resolution = resolution_clock(
            calendar=incident.calendar,
            target_minutes=incident.resolution_minutes,
            history=incident.history,
            now=NOW,
        )
        if not (
            math.isclose(engine_first.elapsed_minutes * 60, first_response, abs_tol=1e-3)
            and math.isclose(engine_resolution.elapsed_minutes * 60, resolution, abs_tol=1e-3)
        ):
            raise AssertionError(f"engine and baseline disagree on {incident}")


def run(incidents: int) -> dict[str, object]:
    """Build the incidents, time the clocks and the baseline, return the JSON record."""
    if incidents < 1:
        raise ValueError("incidents must be at least 1")
    log(f"Building {incidents} incident histories")
    built = build(incidents)
    always_open = [incident for incident in built if incident.calendar.always_open]

    log("Timing the clocks")
    started = time.perf_counter()
    clocks(built)
    seconds = time.perf_counter() - started

    log(f"Timing the baseline on {len(always_open)} 24 x 7 incidents")
    started = time.perf_counter()
    baseline(always_open)
    baseline_seconds = time.perf_counter() - started
    check(always_open)

    target = BUDGET_SECONDS_PER_100K * incidents / 100_000
    return {
        "bench": "sla",
        "incidents": incidents,
        "clocks": 2 * incidents,
        "seconds": round(seconds, 3),
        "us_per_clock": round(seconds / (2 * incidents) * 1e6, 2),
        "baseline_us_per_clock": (
            round(baseline_seconds / (2 * len(always_open)) * 1e6, 2) if always_open else None
        ),
        "target_seconds": round(target, 3),
        "met": seconds <= target,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.incidents)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
