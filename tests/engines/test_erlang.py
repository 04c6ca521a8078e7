"""Erlang B, C and A: published figures a workforce planner would recognise, independent
cross-checks of the Erlang A chain, then properties.

Erlang A is checked three ways, none of which shares code with the engine:

* patience → ∞ gives Erlang C; patience = handle time gives M/M/∞ (number in system
  Poisson(A)), where the waits have closed binomial forms;
* a brute-force reference: the birth–death chain in plain floats and, for every queue
  position, the tagged caller's phase chain solved by uniformization (Poisson-weighted
  steps of a discrete chain) and by first-step analysis;
* Little's law and rate balance: P(abandon) = θ·E[queue]/λ.

Properties: C ≥ B; service level grows with agents and abandonment with impatience; every
probability stays in [0, 1]; staffing searches return the smallest n (n − 1 misses).
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalade.engines.erlang import (
    ErlangAResult,
    agents_required,
    agents_required_erlang_a,
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    halfin_whitt_beta,
    halfin_whitt_probability_of_waiting,
    occupancy,
    scheduled_headcount,
    service_level,
    square_root_staffing,
)

HOUR = 3600.0
THREE_MINUTES = 180.0


# --- Erlang B and C: published figures -----------------------------------------------------


@pytest.mark.parametrize(
    ("traffic", "agents", "blocking"),
    [
        (10.0, 15, 0.0365),  # classic Erlang B table
        (5.0, 10, 0.0184),
        (1.0, 1, 0.5),  # B(A, 1) = A / (1 + A)
        (2.0, 2, 0.4),  # (4/2) / (1 + 2 + 4/2)
    ],
)
def test_erlang_b_table_values(traffic: float, agents: int, blocking: float) -> None:
    assert erlang_b(traffic=traffic, agents=agents) == pytest.approx(blocking, abs=5e-5)


def test_erlang_b_without_agents_blocks_every_call() -> None:
    assert erlang_b(traffic=3.0, agents=0) == 1.0
    assert erlang_b(traffic=0.0, agents=4) == 0.0


def test_helpdesk_of_200_calls_an_hour_needs_14_agents_for_80_in_20() -> None:
    # Given 200 calls an hour of 3 minutes each (10 Erlangs) and an 80/20 service target,
    staffing = agents_required(
        calls_per_interval=200,
        interval_seconds=HOUR,
        handle_time=THREE_MINUTES,
        target_service_level=0.80,
        target_seconds=20,
    )
    # then the desk needs 14 agents on the phones, the textbook answer,
    assert staffing.traffic == pytest.approx(10.0)
    assert staffing.agents == 14
    assert staffing.scheduled == 14
    assert round(staffing.service_level, 3) == 0.888
    assert staffing.probability_of_waiting == pytest.approx(0.1741, abs=1e-4)
    assert staffing.average_speed_of_answer == pytest.approx(7.84, abs=0.01)  # seconds
    assert round(staffing.occupancy, 3) == 0.714
    # and 13 agents would miss the target.
    assert service_level(traffic=10, agents=13, handle_time=180, target_seconds=20) < 0.80


def test_the_single_figure_functions_agree_with_the_staffing_result() -> None:
    assert erlang_c(traffic=10, agents=14) == pytest.approx(0.17413, abs=1e-5)
    assert service_level(traffic=10, agents=14, handle_time=180, target_seconds=20) == (
        pytest.approx(0.88835, abs=1e-5)
    )
    assert average_speed_of_answer(traffic=10, agents=14, handle_time=180) == (
        pytest.approx(0.17413 * 180 / 4, abs=1e-3)
    )
    assert occupancy(traffic=10, agents=14) == pytest.approx(10 / 14)


def test_shrinkage_schedules_more_heads_than_seats_without_float_surprises() -> None:
    # Given 30 % shrinkage, 14 seats need 20 heads: 14 / 0.7 is 20.000000000000004 in floats.
    staffing = agents_required(
        calls_per_interval=200,
        interval_seconds=HOUR,
        handle_time=THREE_MINUTES,
        target_service_level=0.80,
        target_seconds=20,
        shrinkage=0.30,
    )
    assert (staffing.agents, staffing.scheduled) == (14, 20)
    assert scheduled_headcount(agents=15, shrinkage=0.30) == 22  # 21.43 → 22
    assert scheduled_headcount(agents=0, shrinkage=0.5) == 0


def test_an_occupancy_cap_adds_agents_beyond_the_service_target() -> None:
    # Given the same desk with agents busy at most 70 % of their time,
    staffing = agents_required(
        calls_per_interval=200,
        interval_seconds=HOUR,
        handle_time=THREE_MINUTES,
        target_service_level=0.80,
        target_seconds=20,
        max_occupancy=0.70,
    )
    # then 10 / 14 = 71.4 % is too busy: 15 agents (66.7 %).
    assert staffing.agents == 15
    assert staffing.occupancy <= 0.70


def test_a_quiet_interval_needs_no_agent() -> None:
    staffing = agents_required(
        calls_per_interval=0,
        interval_seconds=1800,
        handle_time=300,
        target_service_level=0.9,
        target_seconds=30,
    )
    assert (staffing.agents, staffing.scheduled, staffing.service_level) == (0, 0, 1.0)


def test_an_overloaded_queue_has_no_steady_state() -> None:
    # Convention: with agents <= traffic every call waits and the wait grows without bound.
    assert erlang_c(traffic=10, agents=10) == 1.0
    assert erlang_c(traffic=10.5, agents=10) == 1.0
    assert service_level(traffic=10, agents=9, handle_time=180, target_seconds=20) == 0.0
    assert average_speed_of_answer(traffic=10, agents=10, handle_time=180) == math.inf
    assert occupancy(traffic=12, agents=10) == 1.0


def test_large_center_runs_fast_without_overflow() -> None:
    start = time.perf_counter()
    blocking = erlang_b(traffic=500, agents=530)
    waiting = erlang_c(traffic=500, agents=530)
    level = service_level(traffic=500, agents=530, handle_time=300, target_seconds=20)
    huge = erlang_c(traffic=5000, agents=5100)
    staffing = agents_required(
        calls_per_interval=20_000,
        interval_seconds=HOUR,
        handle_time=THREE_MINUTES,
        target_service_level=0.90,
        target_seconds=15,
    )
    assert time.perf_counter() - start < 0.5
    assert 0.0 < blocking < waiting < 1.0
    assert 0.0 < level < 1.0
    assert 0.0 < huge < 1.0
    assert 1000 < staffing.agents < 1100  # 1,000 Erlangs
    assert 0.0 <= erlang_b(traffic=1.0, agents=5000) < 1e-300  # 1 / 5000! underflows, no error


# --- square-root staffing ------------------------------------------------------------------


def test_square_root_staffing_rounds_up_the_safety_margin() -> None:
    assert square_root_staffing(traffic=100, beta=1.0) == 110  # exactly 110, not 111
    assert square_root_staffing(traffic=100, beta=0.55) == 106  # 105.5 → 106
    assert square_root_staffing(traffic=0, beta=2.0) == 0


def test_halfin_whitt_beta_inverts_the_waiting_probability() -> None:
    assert halfin_whitt_probability_of_waiting(beta=0.0) == 1.0
    beta = halfin_whitt_beta(probability_of_waiting=0.5)
    assert beta == pytest.approx(0.506, abs=1e-3)
    assert halfin_whitt_probability_of_waiting(beta=beta) == pytest.approx(0.5, abs=1e-12)
    assert halfin_whitt_beta(probability_of_waiting=1.0) == 0.0
    assert 30 < halfin_whitt_beta(probability_of_waiting=1e-250) < 40  # no overflow


@pytest.mark.parametrize("traffic", [100.0, 1000.0])
def test_square_root_staffing_matches_exact_erlang_c_in_large_centers(traffic: float) -> None:
    # Given a target of at most 20 % of calls waiting,
    beta = halfin_whitt_beta(probability_of_waiting=0.20)
    agents = square_root_staffing(traffic=traffic, beta=beta)
    # then the square-root rule gives the exact Erlang C answer: n meets it, n - 1 does not.
    assert erlang_c(traffic=traffic, agents=agents) <= 0.20
    assert erlang_c(traffic=traffic, agents=agents - 1) > 0.20


# --- Erlang A: limits and closed forms ------------------------------------------------------


def test_erlang_a_with_endless_patience_is_erlang_c() -> None:
    # Given the 10-Erlang desk with 14 agents and callers who (almost) never hang up,
    nearly = erlang_a(traffic=10, agents=14, handle_time=180, patience=1e9, target_seconds=20)
    never = erlang_a(traffic=10, agents=14, handle_time=180, patience=math.inf, target_seconds=20)
    # then Erlang A gives the Erlang C figures.
    assert nearly.probability_of_waiting == pytest.approx(0.1741319, rel=1e-6)
    assert nearly.service_level == pytest.approx(0.8883500, rel=1e-6)
    assert nearly.average_speed_of_answer == pytest.approx(7.835937, rel=1e-6)
    assert nearly.occupancy == pytest.approx(10 / 14, rel=1e-6)
    assert nearly.probability_of_abandoning < 1e-7
    assert never.probability_of_waiting == erlang_c(traffic=10, agents=14)
    assert never.probability_of_abandoning == 0.0
    assert never.average_wait == never.average_speed_of_answer


def test_erlang_a_without_abandons_and_too_few_agents_follows_the_erlang_c_convention() -> None:
    result = erlang_a(traffic=10, agents=9, handle_time=180, patience=math.inf, target_seconds=20)
    assert (result.probability_of_waiting, result.service_level) == (1.0, 0.0)
    assert result.average_speed_of_answer == math.inf


def _poisson_pmf(mean: float, k: int) -> float:
    return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))


def _binomial_at_least(trials: int, p: float, successes: int) -> float:
    return math.fsum(
        math.comb(trials, i) * p**i * (1 - p) ** (trials - i) for i in range(successes, trials + 1)
    )


@pytest.mark.parametrize(("traffic", "agents"), [(4.0, 3), (8.0, 10), (20.0, 18)])
def test_erlang_a_with_patience_equal_to_handle_time_is_an_infinite_server_system(
    traffic: float, agents: int
) -> None:
    # Given callers as patient as a call is long (θ = μ), every caller in the system leaves
    # at rate μ, so the number in system is Poisson(A) (M/M/∞). A caller finding j waiting
    # is answered once j + 1 of the n + j + 1 exponential clocks ahead (agents, callers
    # ahead, itself) ring before its own, with probability n / (n + j + 1), within T with
    # P(at least j + 1 of n + j + 1 Exp(μ) clocks ring by T).
    handle, target = 240.0, 30.0
    result = erlang_a(
        traffic=traffic, agents=agents, handle_time=handle, patience=handle, target_seconds=target
    )
    upto = agents + 200
    pmf = [_poisson_pmf(traffic, k) for k in range(upto)]
    ring = -math.expm1(-target / handle)
    waiting = math.fsum(pmf[agents:])
    abandoning = math.fsum(pmf[k] * (k - agents) for k in range(agents, upto)) / traffic
    answered_in_time = math.fsum(pmf[:agents]) + math.fsum(
        pmf[agents + j]
        * agents
        / (agents + j + 1)
        * _binomial_at_least(agents + j + 1, ring, j + 1)
        for j in range(upto - agents)
    )
    assert result.probability_of_waiting == pytest.approx(waiting, rel=1e-10)
    assert result.probability_of_abandoning == pytest.approx(abandoning, rel=1e-10)
    assert result.service_level == pytest.approx(answered_in_time, rel=1e-10)


# --- Erlang A: brute-force reference ---------------------------------------------------------


def _reference_erlang_a(
    traffic: float, agents: int, handle: float, patience: float, target: float
) -> tuple[float, float, float, float]:
    """(P(abandon), answered within T, abandoned within T, ASA) by brute force.

    Chain in plain floats; per queue position, the tagged caller's phases solved by
    uniformization for the within-T figures and by first-step analysis for the wait.
    """
    mu, theta = 1 / handle, 1 / patience
    lam = traffic * mu
    weights = [1.0]
    k = 0
    while k < agents + 400:
        k += 1
        weights.append(weights[-1] * lam / (min(k, agents) * mu + max(k - agents, 0) * theta))
    total = math.fsum(weights)
    pi = [w / total for w in weights]
    served_in_time = math.fsum(pi[:agents])
    abandoned_in_time = abandon = served_wait = 0.0
    for j in range(len(pi) - agents):
        p = pi[agents + j]
        if p < 1e-18:
            continue
        # Uniformization: phases j..0 ahead, then "served" / "abandoned" absorbing.
        rate = agents * mu + (j + 1) * theta
        state = [0.0] * (j + 1)
        state[j] = 1.0
        served = gone = 0.0
        poisson = math.exp(-rate * target)
        served_by = gone_by = 0.0
        step = 0
        while True:
            served_by += poisson * served
            gone_by += poisson * gone
            step += 1
            if step > rate * target + 60 and poisson < 1e-20:
                break
            new = [0.0] * (j + 1)
            for i, mass in enumerate(state):
                advance = (agents * mu + i * theta) / rate
                if i == 0:
                    served += mass * advance
                else:
                    new[i - 1] += mass * advance
                gone += mass * theta / rate
                new[i] += mass * (1 - advance - theta / rate)
            state = new
            poisson *= rate * target / step
        served_in_time += p * served_by
        abandoned_in_time += p * gone_by
        # First-step analysis from phase i: (P(served), E[wait · 1{served}]).
        answered, time_if = 1.0, 0.0
        for i in range(j + 1):
            out = agents * mu + (i + 1) * theta
            go = (agents * mu + i * theta) / out
            answered, time_if = go * answered, go * (answered / out + time_if)
        abandon += p * (1 - answered)
        served_wait += p * time_if
    asa = served_wait / (1 - abandon)
    return abandon, served_in_time, abandoned_in_time, asa


@pytest.mark.parametrize(
    ("traffic", "agents", "handle", "patience", "target"),
    [
        (4.0, 5, 180.0, 60.0, 20.0),  # impatient callers, light load
        (6.0, 5, 300.0, 600.0, 30.0),  # overloaded, patient callers
        (10.0, 14, 180.0, 120.0, 20.0),  # the textbook desk with 2-minute patience
    ],
)
def test_erlang_a_matches_a_brute_force_reference(
    traffic: float, agents: int, handle: float, patience: float, target: float
) -> None:
    result = erlang_a(
        traffic=traffic, agents=agents, handle_time=handle, patience=patience, target_seconds=target
    )
    abandon, served_in_time, abandoned_in_time, asa = _reference_erlang_a(
        traffic, agents, handle, patience, target
    )
    assert result.probability_of_abandoning == pytest.approx(abandon, rel=1e-9)
    assert result.service_level == pytest.approx(served_in_time, rel=1e-9)
    assert result.abandoned_within_target == pytest.approx(abandoned_in_time, rel=1e-8)
    assert result.average_speed_of_answer == pytest.approx(asa, rel=1e-9)


def test_erlang_a_textbook_desk_with_two_minute_patience() -> None:
    # Given the 10-Erlang desk of 14 agents and callers who wait 2 minutes on average,
    result = erlang_a(traffic=10, agents=14, handle_time=180, patience=120, target_seconds=20)
    # then some hang up, the others wait less than in Erlang C, and the service level rises.
    assert 0.0 < result.probability_of_abandoning < 0.05
    assert result.probability_of_waiting < erlang_c(traffic=10, agents=14)
    assert result.average_speed_of_answer < 7.84
    assert result.service_level > 0.888
    assert result.occupancy == pytest.approx(10 * (1 - result.probability_of_abandoning) / 14)


def test_erlang_a_with_no_wait_target_answers_only_the_callers_who_find_a_free_agent() -> None:
    result = erlang_a(traffic=10, agents=12, handle_time=180, patience=90, target_seconds=0)
    assert result.service_level == pytest.approx(1 - result.probability_of_waiting, rel=1e-12)
    assert result.abandoned_within_target == 0.0


def test_erlang_a_stays_stable_when_overloaded_and_large() -> None:
    # Given 500 Erlangs on 450 agents (no Erlang C steady state) with 2-minute patience,
    start = time.perf_counter()
    result = erlang_a(traffic=500, agents=450, handle_time=180, patience=120, target_seconds=20)
    elapsed = time.perf_counter() - start
    # then the abandons balance the load: about 50 / 500 Erlangs hang up.
    assert elapsed < 0.2
    assert result.probability_of_abandoning == pytest.approx(0.1, abs=0.01)
    assert 0.0 < result.service_level < 1.0
    assert result.occupancy == pytest.approx(1.0, abs=0.01)


def test_erlang_a_refuses_a_chain_too_long_to_solve() -> None:
    with pytest.raises(ValueError, match=r"patience=math\.inf"):
        erlang_a(traffic=20, agents=10, handle_time=180, patience=1e12, target_seconds=20)


def test_erlang_a_staffing_needs_fewer_agents_than_erlang_c() -> None:
    # Given 2,000 calls an hour of 3 minutes (100 Erlangs), 80/20, 2-minute patience,
    common = {
        "calls_per_interval": 2000,
        "interval_seconds": HOUR,
        "handle_time": THREE_MINUTES,
        "target_service_level": 0.80,
        "target_seconds": 20,
    }
    with_abandons = agents_required_erlang_a(patience=120, shrinkage=0.25, **common)
    without = agents_required(**common)
    # then counting the abandons needs fewer agents, and n - 1 misses the target.
    assert with_abandons.agents < without.agents
    assert with_abandons.performance.service_level >= 0.80
    missed = erlang_a(
        traffic=100,
        agents=with_abandons.agents - 1,
        handle_time=180,
        patience=120,
        target_seconds=20,
    )
    assert missed.service_level < 0.80
    assert with_abandons.scheduled == math.ceil(with_abandons.agents / 0.75 - 1e-9)


def test_erlang_a_staffing_with_an_abandonment_cap() -> None:
    common = {
        "calls_per_interval": 2000,
        "interval_seconds": HOUR,
        "handle_time": THREE_MINUTES,
        "patience": 120.0,
        "target_service_level": 0.5,
        "target_seconds": 20,
    }
    loose = agents_required_erlang_a(**common)
    capped = agents_required_erlang_a(max_abandonment=0.01, **common)
    assert capped.agents > loose.agents
    assert capped.performance.probability_of_abandoning <= 0.01
    below = erlang_a(
        traffic=100, agents=capped.agents - 1, handle_time=180, patience=120, target_seconds=20
    )
    assert below.probability_of_abandoning > 0.01
    quiet = agents_required_erlang_a(**{**common, "calls_per_interval": 0})
    assert (quiet.agents, quiet.performance.service_level) == (0, 1.0)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_b(traffic=-1, agents=3), "traffic"),
        (lambda: erlang_b(traffic=math.nan, agents=3), "traffic"),
        (lambda: erlang_b(traffic=math.inf, agents=3), "traffic"),
        (lambda: erlang_b(traffic=1, agents=-1), "agents"),
        (lambda: erlang_c(traffic=1, agents=0), "agents"),
        (lambda: erlang_c(traffic=1, agents=True), "agents"),
        (lambda: erlang_c(traffic=1, agents=2.0), "agents"),  # type: ignore[arg-type]
        (lambda: service_level(traffic=1, agents=2, handle_time=0, target_seconds=20), "handle"),
        (lambda: service_level(traffic=1, agents=2, handle_time=60, target_seconds=-1), "target"),
        (lambda: average_speed_of_answer(traffic=1, agents=2, handle_time=-5), "handle_time"),
        (lambda: square_root_staffing(traffic=10, beta=-0.5), "beta"),
        (lambda: halfin_whitt_beta(probability_of_waiting=0.0), "probability_of_waiting"),
        (lambda: scheduled_headcount(agents=3, shrinkage=1.0), "shrinkage"),
        (
            lambda: erlang_a(traffic=1, agents=2, handle_time=60, patience=0, target_seconds=20),
            "patience",
        ),
        (
            lambda: agents_required(
                calls_per_interval=10,
                interval_seconds=900,
                handle_time=60,
                target_service_level=1.0,
                target_seconds=20,
            ),
            "target_service_level",
        ),
        (
            lambda: agents_required(
                calls_per_interval=-10,
                interval_seconds=900,
                handle_time=60,
                target_service_level=0.8,
                target_seconds=20,
            ),
            "calls_per_interval",
        ),
        (
            lambda: agents_required(
                calls_per_interval=10,
                interval_seconds=0,
                handle_time=60,
                target_service_level=0.8,
                target_seconds=20,
            ),
            "interval_seconds",
        ),
        (
            lambda: agents_required(
                calls_per_interval=10,
                interval_seconds=900,
                handle_time=60,
                target_service_level=0.8,
                target_seconds=20,
                max_occupancy=0,
            ),
            "max_occupancy",
        ),
        (
            lambda: agents_required_erlang_a(
                calls_per_interval=10,
                interval_seconds=900,
                handle_time=60,
                patience=60,
                target_service_level=0.8,
                target_seconds=20,
                max_abandonment=0,
            ),
            "max_abandonment",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()


# --- properties -----------------------------------------------------------------------------

traffics = st.floats(min_value=0.0, max_value=300.0, allow_nan=False)
agent_counts = st.integers(min_value=1, max_value=400)
handle_times = st.floats(min_value=10.0, max_value=1200.0)
targets = st.floats(min_value=0.0, max_value=120.0)
patience_ratios = st.floats(min_value=0.05, max_value=20.0)  # patience / handle time


@settings(max_examples=150, deadline=None)
@given(traffic=traffics, agents=agent_counts)
def test_waiting_is_at_least_as_likely_as_blocking(traffic: float, agents: int) -> None:
    blocking = erlang_b(traffic=traffic, agents=agents)
    waiting = erlang_c(traffic=traffic, agents=agents)
    assert 0.0 <= blocking <= waiting <= 1.0


@settings(max_examples=150, deadline=None)
@given(traffic=traffics, agents=agent_counts, handle=handle_times, target=targets)
def test_service_level_grows_with_agents(
    traffic: float, agents: int, handle: float, target: float
) -> None:
    fewer = service_level(traffic=traffic, agents=agents, handle_time=handle, target_seconds=target)
    more = service_level(
        traffic=traffic, agents=agents + 1, handle_time=handle, target_seconds=target
    )
    assert 0.0 <= fewer <= more <= 1.0
    assert 0.0 <= occupancy(traffic=traffic, agents=agents) <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    calls=st.floats(min_value=0.0, max_value=3000.0),
    handle=handle_times,
    goal=st.floats(min_value=0.0, max_value=0.99),
    target=targets,
    cap=st.none() | st.floats(min_value=0.5, max_value=1.0),
)
def test_agents_required_is_the_smallest_staff_meeting_the_targets(
    calls: float, handle: float, goal: float, target: float, cap: float | None
) -> None:
    staffing = agents_required(
        calls_per_interval=calls,
        interval_seconds=HOUR,
        handle_time=handle,
        target_service_level=goal,
        target_seconds=target,
        max_occupancy=cap,
    )
    traffic = staffing.traffic
    assert staffing.service_level >= goal
    assert cap is None or staffing.occupancy <= cap
    for value in (staffing.service_level, staffing.probability_of_waiting, staffing.occupancy):
        assert 0.0 <= value <= 1.0
    if staffing.agents > 1:
        fewer = staffing.agents - 1
        level = service_level(
            traffic=traffic, agents=fewer, handle_time=handle, target_seconds=target
        )
        # n - 1 misses: no steady state, service level or occupancy.
        assert fewer <= traffic or level < goal or (cap is not None and traffic / fewer > cap)


def _probabilities(result: ErlangAResult) -> list[float]:
    return [
        result.probability_of_waiting,
        result.probability_of_abandoning,
        result.service_level,
        result.abandoned_within_target,
        result.occupancy,
    ]


@settings(max_examples=100, deadline=None)
@given(
    traffic=st.floats(min_value=0.01, max_value=150.0),
    agents=st.integers(min_value=1, max_value=200),
    handle=handle_times,
    ratio=patience_ratios,
    target=targets,
)
def test_erlang_a_figures_are_consistent(
    traffic: float, agents: int, handle: float, ratio: float, target: float
) -> None:
    patience = ratio * handle
    result = erlang_a(
        traffic=traffic, agents=agents, handle_time=handle, patience=patience, target_seconds=target
    )
    more = erlang_a(
        traffic=traffic,
        agents=agents + 1,
        handle_time=handle,
        patience=patience,
        target_seconds=target,
    )
    hastier = erlang_a(
        traffic=traffic,
        agents=agents,
        handle_time=handle,
        patience=patience / 2,
        target_seconds=target,
    )
    for value in _probabilities(result):
        assert 0.0 <= value <= 1.0
    # Rate balance: callers abandon at rate θ·E[queue] = θ·λ·(mean wait) (Little).
    assert result.probability_of_abandoning == pytest.approx(
        result.average_wait / patience, rel=1e-9, abs=1e-15
    )
    # Nobody is both answered and gone within T.
    assert result.service_level + result.abandoned_within_target <= 1.0 + 1e-12
    # Another agent helps; less patience means more hang-ups.
    assert more.service_level >= result.service_level - 1e-12
    assert more.probability_of_abandoning <= result.probability_of_abandoning + 1e-15
    assert hastier.probability_of_abandoning >= result.probability_of_abandoning * (1 - 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    calls=st.floats(min_value=1.0, max_value=2000.0),
    handle=handle_times,
    ratio=patience_ratios,
    goal=st.floats(min_value=0.0, max_value=0.95),
    target=targets,
    abandon_cap=st.none() | st.floats(min_value=0.005, max_value=0.5),
    busy_cap=st.none() | st.floats(min_value=0.5, max_value=1.0),
)
def test_agents_required_erlang_a_is_the_smallest_staff(
    calls: float,
    handle: float,
    ratio: float,
    goal: float,
    target: float,
    abandon_cap: float | None,
    busy_cap: float | None,
) -> None:
    staffing = agents_required_erlang_a(
        calls_per_interval=calls,
        interval_seconds=HOUR,
        handle_time=handle,
        patience=ratio * handle,
        target_service_level=goal,
        target_seconds=target,
        max_abandonment=abandon_cap,
        max_occupancy=busy_cap,
    )

    def meets(result: ErlangAResult) -> bool:
        return (
            result.service_level >= goal
            and (abandon_cap is None or result.probability_of_abandoning <= abandon_cap)
            and (busy_cap is None or result.occupancy <= busy_cap)
        )

    assert meets(staffing.performance)
    if staffing.agents > 1:
        fewer = erlang_a(
            traffic=staffing.performance.traffic,
            agents=staffing.agents - 1,
            handle_time=handle,
            patience=ratio * handle,
            target_seconds=target,
        )
        assert not meets(fewer)
