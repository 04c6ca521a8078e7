"""Contact-center simulator: checked against Erlang C and Erlang A, then worked examples a
supervisor would recognise, then invariants over random small centers.

Statistical tolerances. The long runs compare one simulated figure with its exact
steady-state value, so the tolerance must hold the run's sampling error with a wide
margin. The spread was measured over 8 seeds (see the numbers in each test): at 200,000
calls of M/M/14 with 10 Erlangs the service level has a standard deviation of 0.34
percentage points, so the 1.5-point tolerance is more than 4 standard deviations; every
other tolerance is at least 4 measured standard deviations too. The seeds are fixed, so
the tests are deterministic; the margins make sure they do not rest on a lucky seed. The start
from an empty center (a few minutes of transient in hundreds of days) biases nothing
measurable.

The worked examples compare two days with the same seed: the simulator gives every
caller the same arrival, handle time, patience and ring time whatever the setting
changed (common random numbers), so a difference comes from the setting, not from luck.

The cast of the worked examples, at the Orbit support center: L1 agents (Bruno's team,
tier 1) take the Orbit queue; L2 specialists (Inès's team, tier 2) take the Orbit expert
queue and, when overflow allows it, help L1.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalade.engines.acd import Agent, OverflowStep, Queue
from escalade.engines.erlang import average_speed_of_answer, erlang_a, service_level
from escalade.engines.simulation import (
    CallbackOffer,
    CallerSegment,
    Distribution,
    HandleTime,
    PeriodStats,
    Scenario,
    Shift,
    SimulationError,
    Traffic,
    simulate,
)

DAY = 86_400.0
HOUR = 3_600.0
HANDLE = 180.0  # seconds of talk, exponential, in the Erlang checks
ORBIT = "product:ORBIT"


def team(
    prefix: str, size: int, *, tier: int = 1, skills: dict[str, int] | None = None
) -> list[Agent]:
    return [
        Agent(agent_id=f"{prefix}-{n:02}", skills=skills or {ORBIT: 3}, tier_rank=tier)
        for n in range(size)
    ]


def on_duty(agents: list[Agent], start: float, end: float) -> tuple[Shift, ...]:
    return tuple(Shift(agent=agent, start_seconds=start, end_seconds=end) for agent in agents)


def one_queue_center(
    *,
    erlangs: float,
    agents: int,
    days: int,
    patience: float | None = None,
    seed: int = 1,
    target: float = 20.0,
) -> Scenario:
    """M/M/n(+M): one queue, ``agents`` agents all along, Poisson calls of ``erlangs``
    Erlangs, exponential talk of HANDLE seconds, no ring, no wrap-up; one-day intervals."""
    queue = Queue(queue_id="orbit", service_level_seconds=target)
    calls_per_day = erlangs / HANDLE * DAY
    return Scenario(
        queues=(queue,),
        shifts=on_duty(team("agent", agents), 0.0, days * DAY),
        traffic=(
            Traffic(
                queue_id="orbit",
                calls_per_interval=(calls_per_day,) * days,
                handle_time=HandleTime(mean_seconds=HANDLE),
                patience_seconds=patience,
            ),
        ),
        interval_seconds=DAY,
        ring_seconds=(0.0, 0.0),
        seed=seed,
    )


def ratio(value: float | None) -> float:
    assert value is not None
    return value


# --- validation against Erlang C and Erlang A ----------------------------------------------


def test_mmn_matches_erlang_c() -> None:
    """Given 10 Erlangs on 14 agents (180 s talk, T = 20 s) and patient callers, when
    200,000+ calls are simulated, then service level, ASA and occupancy are Erlang C's.

    Over 8 seeds: service level 0.8889 ± 0.0034 (Erlang C 0.8884), ASA 7.78 ± 0.38 s
    (7.84 s), occupancy 0.7145 ± 0.0025 (0.7143). Tolerances: 1.5 points, 1.6 s, 0.012.
    """
    scenario = one_queue_center(erlangs=10.0, agents=14, days=42)

    day = simulate(scenario).day

    assert day.offered > 200_000
    assert day.abandoned == 0
    assert day.unserved <= 10  # still waiting when the last shift ended
    expected = service_level(traffic=10.0, agents=14, handle_time=HANDLE, target_seconds=20.0)
    assert ratio(day.service_level_offered) == pytest.approx(expected, abs=0.015)
    assert ratio(day.service_level) == pytest.approx(expected, abs=0.015)
    asa = average_speed_of_answer(traffic=10.0, agents=14, handle_time=HANDLE)
    assert ratio(day.average_speed_of_answer) == pytest.approx(asa, abs=1.6)
    assert ratio(day.occupancy) == pytest.approx(10.0 / 14, abs=0.012)
    # standard error of the mean talk time: 180 s / √200,000 = 0.22 %
    assert ratio(day.average_talk_time) == pytest.approx(HANDLE, rel=0.01)


def test_mmn_with_impatient_callers_matches_erlang_a() -> None:
    """Given 10 Erlangs on 10 agents and callers of 120 s mean patience, when 150,000+
    calls are simulated, then the service level over all arrivals, the abandonment
    probability, the ASA of answered calls and the occupancy are Erlang A's.

    Over 8 seeds (149,000 calls each): service level 0.6412 ± 0.0046 (Erlang A 0.6399),
    abandonment 0.1375 ± 0.0025 (0.1375), ASA 14.46 ± 0.23 s (14.55 s), occupancy
    0.8622 ± 0.0023 (0.8625); abandoned within T 0.0648 ± 0.0010 (0.0650). Tolerances:
    2 points, 1 point, 1 s, 0.01, 0.5 point; the service level without short abandons
    (Erlang A: service level / (1 - abandoned within T)) spreads like the service level.
    """
    scenario = one_queue_center(erlangs=10.0, agents=10, days=32, patience=120.0)

    day = simulate(scenario).day

    exact = erlang_a(
        traffic=10.0, agents=10, handle_time=HANDLE, patience=120.0, target_seconds=20.0
    )
    assert day.offered > 150_000
    assert day.offered == day.answered + day.abandoned + day.unserved
    assert ratio(day.service_level_offered) == pytest.approx(exact.service_level, abs=0.02)
    assert ratio(day.abandon_rate) == pytest.approx(exact.probability_of_abandoning, abs=0.01)
    assert ratio(day.average_speed_of_answer) == pytest.approx(
        exact.average_speed_of_answer, abs=1.0
    )
    assert ratio(day.occupancy) == pytest.approx(exact.occupancy, abs=0.01)
    abandoned_early = day.abandoned_within_threshold / day.offered
    assert abandoned_early == pytest.approx(exact.abandoned_within_target, abs=0.005)
    assert ratio(day.service_level_excluding_short_abandons) == pytest.approx(
        exact.service_level / (1 - exact.abandoned_within_target), abs=0.02
    )


# --- worked examples -----------------------------------------------------------------------

BRUNOS_TEAM = team("bruno", 6, tier=1, skills={ORBIT: 2})  # L1
INES_TEAM = team("ines", 6, tier=2, skills={ORBIT: 4})  # L2


def orbit_l1_and_l2(*, overflow_after: float | None) -> Scenario:
    """L1 takes 5.8 Erlangs on 6 agents (patience 4 min); L2 3 Erlangs on 6 specialists.
    With ``overflow_after``, an L1 caller may also go to L2 after that wait."""
    steps = (
        ()
        if overflow_after is None
        else (OverflowStep(after_seconds=overflow_after, max_tier_rank_delta=1),)
    )
    l1 = Queue(queue_id="orbit-l1", required_skills={ORBIT: 1}, tier_rank=1, overflow=steps)
    l2 = Queue(queue_id="orbit-l2", required_skills={ORBIT: 3}, tier_rank=2)
    days = 3
    hourly = (5.8 / 300 * HOUR,) * 24 * days, (3.0 / 600 * HOUR,) * 24 * days
    return Scenario(
        queues=(l1, l2),
        shifts=on_duty(BRUNOS_TEAM + INES_TEAM, 0.0, days * DAY),
        traffic=(
            Traffic(
                queue_id="orbit-l1",
                calls_per_interval=hourly[0],
                handle_time=HandleTime(mean_seconds=300),
                patience_seconds=240,
            ),
            Traffic(
                queue_id="orbit-l2",
                calls_per_interval=hourly[1],
                handle_time=HandleTime(mean_seconds=600),
                patience_seconds=600,
            ),
        ),
        interval_seconds=HOUR,
        seed=3,
    )


def test_overflow_to_l2_shortens_l1_waits() -> None:
    """Given L1 at 97 % load and L2 at half load, when L1 callers may overflow to L2
    after 30 s, then L1 waits and abandons far less, and L2 pays a little for it.

    Seed 3: L1 ASA 33 s -> 13 s, abandonment 15 % -> 6 %, service level 58 % -> 72 %;
    L2 ASA 12 s -> 24 s; about 930 L1 calls answered after overflowing.
    """
    alone = simulate(orbit_l1_and_l2(overflow_after=None)).queue_days
    helped = simulate(orbit_l1_and_l2(overflow_after=30.0)).queue_days

    before, after = alone["orbit-l1"], helped["orbit-l1"]
    assert before.offered == after.offered  # the same callers both days
    assert before.answered_overflowed == 0
    assert after.answered_overflowed > 0.1 * after.answered
    assert ratio(after.average_speed_of_answer) < 0.5 * ratio(before.average_speed_of_answer)
    assert ratio(after.abandon_rate) < 0.5 * ratio(before.abandon_rate)
    assert ratio(after.service_level) > ratio(before.service_level) + 0.1
    assert ratio(helped["orbit-l2"].average_speed_of_answer) > ratio(
        alone["orbit-l2"].average_speed_of_answer
    )


def busy_orbit_line(
    *,
    callback: CallbackOffer | None = None,
    patience: float | None = None,
    segments: tuple[CallerSegment, ...] = (CallerSegment(),),
) -> Scenario:
    """Ten agents at 95 % load (270 s talk + 30 s wrap-up, ring 0-3 s) for two days."""
    queue = Queue(queue_id="orbit", required_skills={ORBIT: 1})
    return Scenario(
        queues=(queue,),
        shifts=on_duty(team("agent", 10, skills={ORBIT: 2}), 0.0, 2 * DAY),
        traffic=(
            Traffic(
                queue_id="orbit",
                calls_per_interval=(9.5 / 300 * HOUR,) * 48,
                handle_time=HandleTime(mean_seconds=270),
                wrap_up_seconds=30,
                patience_seconds=patience,
                callback=callback,
                segments=segments,
            ),
        ),
        interval_seconds=HOUR,
        seed=5,
    )


def test_callbacks_keep_their_place_in_line() -> None:
    """Given patient callers, when every caller expected to wait over a minute takes a
    callback, then nobody is served earlier or later: a callback keeps its place, so the
    day is the same minute for minute; only the callers did not have to hold."""
    holding = simulate(busy_orbit_line()).day
    called_back = simulate(
        busy_orbit_line(callback=CallbackOffer(threshold_seconds=60, probability=1.0))
    ).day

    assert holding.callbacks == 0
    assert called_back.callbacks > 0.3 * called_back.offered
    assert replace(called_back, callbacks=0) == holding


def test_callbacks_cut_abandonment() -> None:
    """Given callers who hang up after two minutes on average, when those expected to
    wait over a minute take a callback, then far fewer calls are lost (seed 5: 12.8 %
    -> 3.4 %); when only half of them accept, fewer are saved (11.1 %)."""
    offer = CallbackOffer(threshold_seconds=60, probability=1.0)
    none = simulate(busy_orbit_line(patience=120.0)).day
    everyone = simulate(busy_orbit_line(patience=120.0, callback=offer)).day
    half = simulate(busy_orbit_line(patience=120.0, callback=replace(offer, probability=0.5))).day

    assert ratio(everyone.abandon_rate) < 0.5 * ratio(none.abandon_rate)
    assert ratio(everyone.abandon_rate) < ratio(half.abandon_rate) < ratio(none.abandon_rate)
    assert none.callbacks == 0 < half.callbacks < everyone.callbacks


def test_premier_callers_wait_less() -> None:
    """Given a line at 95 % load where 10 % of the callers are premier (priority 10),
    then premier callers wait a tenth as long (seed 5: ASA 25 s against 268 s)."""
    mix = (CallerSegment(share=0.9), CallerSegment(share=0.1, priority=10))

    by_priority = simulate(busy_orbit_line(segments=mix)).priorities

    regular, premier = by_priority[0], by_priority[10]
    assert premier.offered == pytest.approx(0.1 * (regular.offered + premier.offered), rel=0.15)
    assert ratio(premier.average_speed_of_answer) < 0.2 * ratio(regular.average_speed_of_answer)
    assert ratio(premier.service_level) > ratio(regular.service_level) + 0.2
    assert premier.max_wait_seconds < regular.max_wait_seconds


def test_same_seed_same_day_other_seed_other_day() -> None:
    scenario = busy_orbit_line(patience=120.0)

    first, again = simulate(scenario), simulate(scenario)
    other = simulate(replace(scenario, seed=6))

    assert first == again
    assert other.day != first.day


# --- arrivals, handle times, shifts ---------------------------------------------------------


def test_arrivals_follow_the_forecast_interval_by_interval() -> None:
    """Poisson counts: each interval within 4 standard deviations (√n) of its forecast;
    an interval forecast at zero gets no call at all."""
    forecast = (100.0, 400.0, 0.0, 900.0, 2_500.0)
    scenario = Scenario(
        queues=(Queue(queue_id="orbit"),),
        shifts=on_duty(team("agent", 1), 0.0, 5 * 900.0),
        traffic=(Traffic(queue_id="orbit", calls_per_interval=forecast, patience_seconds=1.0),),
        interval_seconds=900.0,
        seed=8,
    )

    rows = simulate(scenario).queues["orbit"]

    assert [row.start_seconds for row in rows[:5]] == [0.0, 900.0, 1800.0, 2700.0, 3600.0]
    assert rows[2].offered == 0
    for row, expected in zip(rows, forecast, strict=False):
        assert abs(row.offered - expected) <= 4 * math.sqrt(expected)


@pytest.mark.parametrize("distribution", list(Distribution))
def test_handle_times_have_the_mean_asked_for(distribution: Distribution) -> None:
    """20,000 calls, no waiting: the mean talk time is within 3 % of 240 s (the standard
    error is at most 240 x cv / √20,000 = 0.7 %)."""
    handle = HandleTime(mean_seconds=240.0, distribution=distribution, cv=0.5)
    scenario = Scenario(
        queues=(Queue(queue_id="orbit"),),
        shifts=on_duty(team("agent", 60), 0.0, 4 * DAY),
        traffic=(Traffic(queue_id="orbit", calls_per_interval=(5_000.0,) * 4, handle_time=handle),),
        interval_seconds=DAY,
        seed=2,
    )

    day = simulate(scenario).day

    assert ratio(day.average_talk_time) == pytest.approx(240.0, rel=0.03)


def test_staffed_time_is_split_by_the_clock() -> None:
    """Bruno works 08:00-09:00, Chloé 08:30-10:00 (no calls): per half hour 1,800,
    3,600, 1,800, 1,800 staffed seconds; nobody busy."""
    bruno, chloe = team("bruno", 1)[0], team("chloe", 1)[0]
    scenario = Scenario(
        queues=(Queue(queue_id="orbit"),),
        shifts=(
            Shift(agent=bruno, start_seconds=8 * HOUR, end_seconds=9 * HOUR),
            Shift(agent=chloe, start_seconds=8.5 * HOUR, end_seconds=10 * HOUR),
        ),
        traffic=(Traffic(queue_id="orbit", calls_per_interval=(0.0,) * 20),),
    )

    result = simulate(scenario)

    staffed = [row.staffed_seconds for row in result.intervals]
    assert staffed[16:20] == [1800.0, 3600.0, 1800.0, 1800.0]
    assert sum(staffed) == result.day.staffed_seconds == 9_000.0
    assert result.day.busy_seconds == 0.0
    assert result.day.occupancy == 0.0
    assert result.day.offered == 0
    assert result.day.service_level is None


def test_an_agent_finishes_the_call_then_leaves() -> None:
    """Bruno's shift ends at 10 minutes; callers keep coming for 10 more and never give
    up. He finishes the call he is on (staffed past his shift), then nobody answers."""
    bruno = team("bruno", 1)[0]
    scenario = Scenario(
        queues=(Queue(queue_id="orbit"),),
        shifts=(Shift(agent=bruno, start_seconds=0.0, end_seconds=600.0),),
        traffic=(
            Traffic(
                queue_id="orbit",
                calls_per_interval=(30.0, 30.0),
                handle_time=HandleTime(mean_seconds=120.0),
                wrap_up_seconds=10.0,
            ),
        ),
        interval_seconds=600.0,
        ring_seconds=(1.0, 1.0),
        seed=4,
    )

    result = simulate(scenario)
    first, second = result.queues["orbit"][:2]

    assert first.answered > 0
    assert second.answered == 0
    assert second.unserved == second.offered > 0
    assert first.unserved == first.offered - first.answered
    assert result.day.staffed_seconds > 600.0  # he was on a call at the end of his shift
    assert result.day.busy_seconds == pytest.approx(
        first.total_talk_seconds + first.total_wrap_up_seconds + first.answered * 1.0
    )


def test_a_call_answered_exactly_at_the_threshold_is_within_it() -> None:
    """Nobody staffs L1; L2 (six specialists, hardly ever all busy) may take its calls
    after exactly T = 20 s. With no ring time every call is answered at exactly 20 s of
    wait, which counts as within T."""
    l1 = Queue(
        queue_id="orbit-l1",
        tier_rank=1,
        service_level_seconds=20.0,
        overflow=(OverflowStep(after_seconds=20.0, max_tier_rank_delta=1),),
    )
    scenario = Scenario(
        queues=(l1,),
        shifts=on_duty(INES_TEAM, 0.0, DAY),
        traffic=(
            Traffic(
                queue_id="orbit-l1",
                calls_per_interval=(200.0,),
                handle_time=HandleTime(mean_seconds=60.0),
            ),
        ),
        interval_seconds=DAY,
        ring_seconds=(0.0, 0.0),
    )

    day = simulate(scenario).day

    assert day.answered == day.answered_overflowed == day.offered > 150
    assert ratio(day.average_speed_of_answer) == pytest.approx(20.0)
    assert day.service_level == 1.0


def test_wrap_ups_of_any_length_end_and_free_the_agent() -> None:
    """A wrap-up of 12.345 s ends between two microseconds more often than not: the
    router's ``next_event_at`` gives the instant rounded to the microsecond, which can
    fall just short of it, so the simulator wakes it a microsecond later. Every call is
    answered and each carries exactly its wrap-up."""
    scenario = Scenario(
        queues=(Queue(queue_id="orbit"),),
        shifts=on_duty(team("agent", 3), 0.0, DAY),
        traffic=(
            Traffic(
                queue_id="orbit",
                calls_per_interval=(1_000.0,),
                handle_time=HandleTime(mean_seconds=30.0),
                wrap_up_seconds=12.345,
            ),
        ),
        interval_seconds=DAY,
    )

    day = simulate(scenario).day

    assert day.answered == day.offered > 900
    assert day.total_wrap_up_seconds == pytest.approx(12.345 * day.answered)
    assert ratio(day.average_handle_time) == pytest.approx(ratio(day.average_talk_time) + 12.345)


# --- bad input ------------------------------------------------------------------------------

ORBIT_QUEUE = Queue(queue_id="orbit")
SOMEONE = team("agent", 1)[0]
GOOD_TRAFFIC = Traffic(queue_id="orbit", calls_per_interval=(10.0,))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: HandleTime(mean_seconds=0.0), "mean_seconds must be > 0"),
        (lambda: HandleTime(distribution="gamma"), "distribution must be one of"),  # type: ignore[arg-type]
        (lambda: HandleTime(cv=math.nan), "cv must be a finite number"),
        (lambda: CallerSegment(share=-1.0), "share must be > 0"),
        (lambda: CallerSegment(extra_skills={"language:fr": 9}), "proficiency"),
        (lambda: CallbackOffer(threshold_seconds=30.0, probability=1.5), "probability"),
        (lambda: Traffic(queue_id="", calls_per_interval=(1.0,)), "queue_id"),
        (lambda: Traffic(queue_id="orbit", calls_per_interval=()), "at least one interval"),
        (lambda: Traffic(queue_id="orbit", calls_per_interval=(-1.0,)), ">= 0"),
        (lambda: Traffic(queue_id="orbit", calls_per_interval=(1.0,), patience_seconds=0), "> 0"),
        (lambda: Traffic(queue_id="orbit", calls_per_interval=(1.0,), segments=()), "segments"),
        (lambda: Shift(agent=SOMEONE, start_seconds=10.0, end_seconds=5.0), "after start"),
        (
            lambda: Scenario(queues=(ORBIT_QUEUE,), shifts=(), traffic=()),
            "at least one Traffic",
        ),
        (
            lambda: Scenario(
                queues=(ORBIT_QUEUE,),
                shifts=(),
                traffic=(Traffic(queue_id="elsewhere", calls_per_interval=(1.0,)),),
            ),
            "unknown queue",
        ),
        (
            lambda: Scenario(
                queues=(ORBIT_QUEUE, Queue(queue_id="other")),
                shifts=(),
                traffic=(GOOD_TRAFFIC, Traffic(queue_id="other", calls_per_interval=(1.0, 2.0))),
            ),
            "same number of intervals",
        ),
        (
            lambda: Scenario(
                queues=(ORBIT_QUEUE,),
                shifts=(
                    Shift(agent=SOMEONE, start_seconds=0.0, end_seconds=100.0),
                    Shift(agent=SOMEONE, start_seconds=50.0, end_seconds=200.0),
                ),
                traffic=(GOOD_TRAFFIC,),
            ),
            "overlapping shifts",
        ),
        (
            lambda: Scenario(
                queues=(ORBIT_QUEUE,), shifts=(), traffic=(GOOD_TRAFFIC,), ring_seconds=(3, 1)
            ),
            "low <= high",
        ),
        (
            lambda: Scenario(
                queues=(ORBIT_QUEUE,), shifts=(), traffic=(GOOD_TRAFFIC,), interval_seconds=0
            ),
            "interval_seconds",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason(build: object, message: str) -> None:
    assert callable(build)
    with pytest.raises(SimulationError, match=message):
        build()


# --- invariants over random small centers --------------------------------------------------

SKILLS = ("product:ORBIT", "product:NOVA", "language:fr")


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    queue_count = draw(st.integers(1, 3))
    queues = []
    for n in range(queue_count):
        steps: tuple[OverflowStep, ...] = ()
        if draw(st.booleans()):
            steps = (
                OverflowStep(
                    after_seconds=draw(st.sampled_from([5.0, 12.5, 40.0])),
                    max_tier_rank_delta=1,
                    drop_skills=frozenset({SKILLS[n]}),
                ),
            )
        queues.append(
            Queue(
                queue_id=f"q{n}",
                required_skills={SKILLS[n]: draw(st.integers(1, 3))},
                tier_rank=draw(st.sampled_from([None, 1])),
                overflow=steps,
                service_level_seconds=draw(st.sampled_from([7.5, 20.0])),  # never a step's time
            )
        )
    intervals = draw(st.integers(1, 3))
    size = draw(st.sampled_from([300.0, 900.0]))
    shifts = []
    for n in range(draw(st.integers(0, 4))):
        agent = Agent(
            agent_id=f"a{n}",
            skills={
                skill: draw(st.integers(1, 5))
                for skill in draw(st.sets(st.sampled_from(SKILLS), min_size=1))
            },
            tier_rank=draw(st.integers(1, 2)),
        )
        start = draw(st.floats(0.0, intervals * size))
        shifts.append(
            Shift(
                agent=agent,
                start_seconds=start,
                end_seconds=start + draw(st.floats(60.0, 2 * size)),
            )
        )
        if draw(st.booleans()):  # a second shift after a break
            later = start + 3 * size
            shifts.append(Shift(agent=agent, start_seconds=later, end_seconds=later + size))
    traffic = tuple(
        Traffic(
            queue_id=queue.queue_id,
            calls_per_interval=tuple(
                draw(st.sampled_from([0.0, 3.0, 12.0])) for _ in range(intervals)
            ),
            handle_time=HandleTime(
                mean_seconds=draw(st.sampled_from([30.0, 200.0])),
                distribution=draw(st.sampled_from(list(Distribution))),
            ),
            wrap_up_seconds=draw(st.sampled_from([0.0, 12.345, 30.0])),
            patience_seconds=draw(st.sampled_from([None, 2.0, 60.0])),
            segments=draw(
                st.sampled_from(
                    [
                        (CallerSegment(),),
                        (
                            CallerSegment(share=3),
                            CallerSegment(priority=5, extra_skills={"language:fr": 1}),
                        ),
                    ]
                )
            ),
            callback=draw(
                st.sampled_from([None, CallbackOffer(threshold_seconds=0.0, probability=0.5)])
            ),
        )
        for queue in queues
    )
    return Scenario(
        queues=tuple(queues),
        shifts=tuple(shifts),
        traffic=traffic,
        interval_seconds=size,
        ring_seconds=draw(st.sampled_from([(0.0, 0.0), (0.0, 3.0), (4.0, 4.0)])),
        seed=draw(st.integers(0, 1_000)),
    )


def add_up(rows: list[PeriodStats]) -> dict[str, float]:
    names = (
        "offered",
        "answered",
        "answered_within_threshold",
        "abandoned",
        "callbacks",
        "unserved",
        "busy_seconds",
    )
    return {name: sum(getattr(row, name) for row in rows) for name in names}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_on_random_centers(scenario: Scenario) -> None:
    """Every call ends one way; rows add up; the router counted what the simulator did;
    agents are never busier than staffed; the same scenario plays the same day."""
    result = simulate(scenario)

    assert simulate(scenario) == result
    every_row = [
        *result.intervals,
        result.day,
        *result.queue_days.values(),
        *result.priorities.values(),
    ]
    for rows in result.queues.values():
        every_row.extend(rows)
    for row in every_row:
        assert row.offered == row.answered + row.abandoned + row.unserved
        assert row.answered_within_threshold <= row.answered
        assert row.abandoned_within_threshold <= row.abandoned
        assert row.answered_overflowed <= row.answered
        assert row.max_wait_seconds >= 0
        # Busy and staffed time are sums of many float spans: allow their rounding.
        assert row.busy_seconds <= row.staffed_seconds + 1e-5 * max(1.0, row.staffed_seconds)
    day = add_up([result.day])
    assert add_up(list(result.intervals)) == pytest.approx(day)
    assert add_up(list(result.queue_days.values())) == pytest.approx(day)
    assert add_up(list(result.priorities.values())) == pytest.approx(day)
    for queue_id, rows in result.queues.items():
        assert add_up(list(rows)) == pytest.approx(add_up([result.queue_days[queue_id]]))
        counted = result.router_stats[queue_id]
        mine = result.queue_days[queue_id]
        assert (counted.offered, counted.answered, counted.abandoned) == (
            mine.offered,
            mine.answered,
            mine.abandoned,
        )
        assert counted.answered_within_threshold == mine.answered_within_threshold
