"""Erlang B, C and A: contact-center staffing from traffic, handle time and patience.

Notation: ``traffic`` A is the offered load in Erlangs (arrival rate λ × mean handle time
h); ``agents`` n is the number of agents on the phones; μ = 1/h; ``patience`` is the mean
of the callers' exponential patience, θ = 1/patience. Times are in seconds (any unit works
as long as every time argument uses the same one).

Models and conventions
----------------------
* **Erlang B** (M/M/n/n, blocked calls lost): the recurrence B(0) = 1,
  B(k) = A·B(k-1) / (k + A·B(k-1)). Every step stays in [0, 1], so it neither overflows nor
  loses precision for thousands of agents; it stops early once B underflows to 0.
* **Erlang C** (M/M/n, callers wait forever): C = n·B / (n − A·(1 − B)), the probability that
  an arrival waits. A steady state exists only when n > A. **Convention for n ≤ A** (the
  queue grows without bound): the probability of waiting is 1, the service level 0, the
  average speed of answer ``math.inf`` and the occupancy 1. Nothing raises, so a staffing
  search simply walks past those n.
* Service level (Erlang C) = share of calls answered within T = 1 − C·e^(−(n−A)·T/h);
  average speed of answer (over all calls, zero waits included) = C·h / (n − A);
  occupancy = A / n.
* **Erlang A** (M/M/n+M): the number in system is the birth–death chain with birth rate λ
  and death rate min(k, n)·μ + max(k − n, 0)·θ. Its stationary law is computed in log space
  for k = 0…n, then up the queue until the (geometrically bounded) tail mass falls below
  1e-15 of the mass of the queue states (not only of the total), so even a tiny probability
  of waiting or abandoning keeps about 1e-13 relative precision.

  An arrival sees the stationary law (PASTA). One that finds k = n + j (j ≥ 0 callers
  already waiting) needs, FCFS, j + 1 "advances" to reach an agent; in the phase with i
  callers still ahead the next advance comes at rate nμ + iθ (a service completion or an
  abandonment ahead) while its own patience runs out at rate θ. Hence, for that arrival:

  - it is answered with probability s_j = ∏_{i=0..j} (nμ + iθ) / (nμ + (i+1)θ)
    = nμ / (nμ + (j+1)θ) (the product telescopes);
  - given that it is answered, its wait is H_{j+1} = Σ_{m=1..j+1} Exp(nμ + mθ) (in each
    phase the first event comes at the total rate, whichever event it is), so
    E[wait | answered] = Σ_{m=1..j+1} 1 / (nμ + mθ) and
    P(answered within T) = s_j · P(H_{j+1} ≤ T);
  - its offered wait (what it would wait with endless patience) is
    V_{j+1} = Σ_{i=0..j} Exp(nμ + iθ); it is still waiting at T iff V > T and its patience
    > T, so P(abandoned within T) = 1 − e^(−θT)·P(V_{j+1} > T) − P(answered within T).

  Both sums of exponentials have rates in arithmetic progression: Σ_{m=0..M−1} Exp(c + mθ)
  has the law of −ln(U)/θ with U ~ Beta(c/θ, M) (compare Laplace transforms), so its
  survival at T is the regularized incomplete beta I_x(c/θ, M), x = e^(−θT), which for
  integer M is the negative-binomial sum Σ_{b<M} Γ(s+b)/(Γ(s)·b!) · x^s · (1−x)^b
  (shape s = c/θ: nμ/θ + 1 for H, nμ/θ for V). Its terms are positive and follow
  t_{b+1} = t_b·(s+b)/(b+1)·(1−x), so one pass over j gives every P(H_{j+1} > T) and
  P(V_{j+1} > T) without cancellation (t_0 is carried in log space).

  Over all arrivals the mean wait is E[queue length]/λ (Little's law) and, by rate balance,
  P(abandon) = θ·E[queue length]/λ; the tests check the latter against Σ π_{n+j}·(1 − s_j).

  Reported figures (all exact for the model, up to the 1e-15 truncation):

  - ``probability_of_waiting``: P(an arrival finds every agent busy) = P(k ≥ n);
  - ``probability_of_abandoning``: share of all arrivals that hang up before an answer;
  - ``service_level``: **calls answered within T over all arrivals** — callers answered at
    once count as met; callers who abandon (at any time) count as missed, and stay in the
    denominator;
  - ``abandoned_within_target``: share of all arrivals that hung up within T, so other
    conventions follow, e.g. excluding short abandons:
    service_level / (1 − abandoned_within_target);
  - ``average_speed_of_answer``: mean wait of the **answered** callers (zero waits
    included);
  - ``average_wait``: mean time in queue over all arrivals, abandoners included (equals
    E[queue length] / λ, Little's law);
  - ``occupancy``: carried load per agent = A·(1 − P(abandon)) / n.

  ``patience=math.inf`` means nobody abandons: Erlang C, with its n ≤ A convention.

* **Square-root staffing** (Halfin–Whitt): n = ⌈A + β·√A⌉; in that regime
  P(wait) ≈ 1 / (1 + β·Φ(β)/φ(β)), which ``halfin_whitt_beta`` inverts.

Staffing searches return the smallest n meeting every target (``service level ≥ target``,
compared exactly, no tolerance; Erlang C also insists on a steady state, n > A) and the
headcount to schedule after shrinkage: the smallest m with m·(1 − shrinkage) ≥ n, i.e.
⌈n / (1 − shrinkage)⌉ without float-rounding surprises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "MAX_CHAIN_STATES",
    "ErlangAResult",
    "ErlangAStaffingResult",
    "StaffingResult",
    "agents_required",
    "agents_required_erlang_a",
    "average_speed_of_answer",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "halfin_whitt_beta",
    "halfin_whitt_probability_of_waiting",
    "occupancy",
    "scheduled_headcount",
    "service_level",
    "square_root_staffing",
]

# Above this many queue states the Erlang A chain is refused (patience far longer than the
# time the overload takes to drain): use patience=math.inf (Erlang C) instead. The chain
# costs about 1.5 µs a state, so the worst accepted case takes a few seconds.
MAX_CHAIN_STATES = 2_000_000
_LOG_TAIL_TOLERANCE = math.log(1e-15)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_ROUNDING_SLACK = 1e-9


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Erlang C staffing for one interval: ``agents`` on the phones, ``scheduled`` headcount."""

    traffic: float
    agents: int
    scheduled: int
    service_level: float
    probability_of_waiting: float
    average_speed_of_answer: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Erlang A (M/M/n+M) figures; see the module docstring for each definition."""

    traffic: float
    agents: int
    probability_of_waiting: float
    probability_of_abandoning: float
    service_level: float
    abandoned_within_target: float
    average_speed_of_answer: float
    average_wait: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class ErlangAStaffingResult:
    """Erlang A staffing: ``agents`` on the phones, ``scheduled`` headcount, their figures."""

    agents: int
    scheduled: int
    performance: ErlangAResult


# --- Erlang B and C ------------------------------------------------------------------------


def erlang_b(*, traffic: float, agents: int) -> float:
    """Blocking probability of an M/M/n/n loss system (n = 0 blocks every call)."""
    return _erlang_b(_traffic(traffic), _agents(agents, minimum=0))


def erlang_c(*, traffic: float, agents: int) -> float:
    """Probability that a call waits in an M/M/n queue; 1.0 when agents ≤ traffic."""
    return _erlang_c(_traffic(traffic), _agents(agents, minimum=1))


def service_level(
    *, traffic: float, agents: int, handle_time: float, target_seconds: float
) -> float:
    """Share of calls answered within ``target_seconds`` (Erlang C); 0.0 when agents ≤ traffic."""
    a, n = _traffic(traffic), _agents(agents, minimum=1)
    h = _positive("handle_time", handle_time)
    t = _non_negative("target_seconds", target_seconds)
    return _service_level_c(a, n, h, t, _erlang_c(a, n))


def average_speed_of_answer(*, traffic: float, agents: int, handle_time: float) -> float:
    """Mean wait over all calls (Erlang C), in the unit of ``handle_time``; inf if agents ≤ A."""
    a, n = _traffic(traffic), _agents(agents, minimum=1)
    h = _positive("handle_time", handle_time)
    return _asa_c(a, n, h, _erlang_c(a, n))


def occupancy(*, traffic: float, agents: int) -> float:
    """Share of their time agents spend handling calls: A / n, capped at 1 when agents ≤ A."""
    a, n = _traffic(traffic), _agents(agents, minimum=1)
    return min(a / n, 1.0)


def agents_required(
    *,
    calls_per_interval: float,
    interval_seconds: float,
    handle_time: float,
    target_service_level: float,
    target_seconds: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """Smallest number of agents (Erlang C) answering ``target_service_level`` of the calls
    within ``target_seconds`` and, if given, with occupancy ≤ ``max_occupancy``. The answer
    always has a steady state (n > A), even for a target of 0.

    No calls → 0 agents (service level 1, no wait, occupancy 0). Both constraints are
    monotone in n, so the answer is the first n from max(⌊A⌋ + 1, ⌈A / max_occupancy⌉)
    that meets the service level; B is carried along by its recurrence (O(n) in all).
    """
    a = _offered_traffic(calls_per_interval, interval_seconds, handle_time)
    h = float(handle_time)
    target = _target_fraction(target_service_level)
    t = _non_negative("target_seconds", target_seconds)
    max_occ = _max_occupancy(max_occupancy)
    s = _shrinkage(shrinkage)
    if a == 0.0:
        return StaffingResult(a, 0, 0, 1.0, 0.0, 0.0, 0.0)
    n = math.floor(a) + 1
    if max_occ is not None:
        n = max(n, _min_agents_for_occupancy(a, max_occ))
    b = _erlang_b(a, n)
    while True:
        c = _c_from_b(a, n, b)
        sl = _service_level_c(a, n, h, t, c)
        if sl >= target:
            return StaffingResult(
                traffic=a,
                agents=n,
                scheduled=_scheduled(n, s),
                service_level=sl,
                probability_of_waiting=c,
                average_speed_of_answer=_asa_c(a, n, h, c),
                occupancy=a / n,
            )
        n += 1
        ab = a * b
        b = ab / (n + ab)


def scheduled_headcount(*, agents: int, shrinkage: float) -> int:
    """Smallest headcount m with m·(1 − shrinkage) ≥ agents: ⌈agents / (1 − shrinkage)⌉."""
    return _scheduled(_agents(agents, minimum=0), _shrinkage(shrinkage))


# --- square-root staffing ------------------------------------------------------------------


def square_root_staffing(*, traffic: float, beta: float) -> int:
    """n = ⌈A + β·√A⌉ (β ≥ 0: the quality-of-service margin in units of √A)."""
    a = _traffic(traffic)
    if not _is_number(beta) or not math.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}.")
    return _ceil(a + beta * math.sqrt(a))


def halfin_whitt_probability_of_waiting(*, beta: float) -> float:
    """Halfin–Whitt limit of P(wait) when n = A + β√A: 1 / (1 + β·Φ(β)/φ(β)), β ≥ 0."""
    if not _is_number(beta) or math.isnan(beta) or beta < 0:
        raise ValueError(f"beta must be a number >= 0, got {beta!r}.")
    return _halfin_whitt(float(beta))


def halfin_whitt_beta(*, probability_of_waiting: float) -> float:
    """The β ≥ 0 whose Halfin–Whitt probability of waiting is ``probability_of_waiting``.

    Feed it to ``square_root_staffing``; the exact Erlang C of the result is close to the
    target for a few Erlangs already and converges as traffic grows.
    """
    p = probability_of_waiting
    if not _is_number(p) or not 0.0 < p <= 1.0:
        raise ValueError(f"probability_of_waiting must be in (0, 1], got {p!r}.")
    if p == 1.0:
        return 0.0
    low, high = 0.0, 1.0
    while _halfin_whitt(high) > p:
        low, high = high, 2.0 * high
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if _halfin_whitt(mid) > p:
            low = mid
        else:
            high = mid
    return high


# --- Erlang A ------------------------------------------------------------------------------


def erlang_a(
    *, traffic: float, agents: int, handle_time: float, patience: float, target_seconds: float
) -> ErlangAResult:
    """Exact M/M/n+M figures for ``traffic`` Erlangs, ``agents`` agents, mean ``handle_time``
    and mean ``patience`` (``math.inf``: nobody abandons, Erlang C), with service level
    measured at ``target_seconds``. Definitions in the module docstring.
    """
    return _erlang_a(
        _traffic(traffic),
        _agents(agents, minimum=1),
        _positive("handle_time", handle_time),
        _patience(patience),
        _non_negative("target_seconds", target_seconds),
    )


def agents_required_erlang_a(
    *,
    calls_per_interval: float,
    interval_seconds: float,
    handle_time: float,
    patience: float,
    target_service_level: float,
    target_seconds: float,
    max_abandonment: float | None = None,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> ErlangAStaffingResult:
    """Smallest n (Erlang A) with service level ≥ ``target_service_level`` at
    ``target_seconds`` and, if given, P(abandon) ≤ ``max_abandonment`` and occupancy ≤
    ``max_occupancy``.

    Every figure improves as agents are added, so the search doubles n until the targets are
    met, then bisects: about 2·log2(n) evaluations of the chain. No calls → 0 agents.
    """
    a = _offered_traffic(calls_per_interval, interval_seconds, handle_time)
    h = float(handle_time)
    theta_mean = _patience(patience)
    target = _target_fraction(target_service_level)
    t = _non_negative("target_seconds", target_seconds)
    max_occ = _max_occupancy(max_occupancy)
    if max_abandonment is not None and (
        not _is_number(max_abandonment) or not 0.0 < max_abandonment <= 1.0
    ):
        raise ValueError(f"max_abandonment must be in (0, 1], got {max_abandonment!r}.")
    s = _shrinkage(shrinkage)
    if a == 0.0:
        return ErlangAStaffingResult(0, 0, ErlangAResult(a, 0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0))

    results: dict[int, ErlangAResult] = {}

    def meets(n: int) -> bool:
        result = results[n] = _erlang_a(a, n, h, theta_mean, t)
        return (
            result.service_level >= target
            and (max_abandonment is None or result.probability_of_abandoning <= max_abandonment)
            and (max_occ is None or result.occupancy <= max_occ)
        )

    low, high = 0, max(1, math.ceil(a))  # n = 0 never serves anyone
    while not meets(high):
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    return ErlangAStaffingResult(
        agents=high, scheduled=_scheduled(high, s), performance=results[high]
    )


# --- internals -----------------------------------------------------------------------------


def _erlang_b(a: float, n: int) -> float:
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
        if b == 0.0:
            break
    return b


def _c_from_b(a: float, n: int, b: float) -> float:
    if n <= a:
        return 1.0
    return min(1.0, n * b / (n - a * (1.0 - b)))


def _erlang_c(a: float, n: int) -> float:
    return 1.0 if n <= a else _c_from_b(a, n, _erlang_b(a, n))


def _service_level_c(a: float, n: int, h: float, t: float, c: float) -> float:
    if n <= a:
        return 0.0
    return min(1.0, max(0.0, 1.0 - c * math.exp(-(n - a) * t / h)))


def _asa_c(a: float, n: int, h: float, c: float) -> float:
    return math.inf if n <= a else c * h / (n - a)


def _erlang_c_as_a(a: float, n: int, h: float, t: float) -> ErlangAResult:
    if n <= a:
        return ErlangAResult(a, n, 1.0, 0.0, 0.0, 0.0, math.inf, math.inf, 1.0)
    c = _erlang_c(a, n)
    asa = _asa_c(a, n, h, c)
    return ErlangAResult(a, n, c, 0.0, _service_level_c(a, n, h, t, c), 0.0, asa, asa, a / n)


def _erlang_a(a: float, n: int, h: float, patience: float, t: float) -> ErlangAResult:
    if a == 0.0:
        return ErlangAResult(a, n, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    if math.isinf(patience):
        return _erlang_c_as_a(a, n, h, t)
    mu, theta = 1.0 / h, 1.0 / patience
    lam = a * mu
    service = n * mu  # nμ: the rate at which the queue advances by service
    log_lam = math.log(lam)

    # Unnormalised log π_k for k ≤ n (π_k ∝ A^k / k!), then up the queue (k = n + j).
    log_a = math.log(a)
    below = [k * log_a - math.lgamma(k + 1) for k in range(n + 1)]
    peak = max(below)
    if (lam - service) / theta > MAX_CHAIN_STATES:
        raise _chain_too_long(a, n, patience)
    queue = [below[n]]
    queue_peak = queue[0]
    while True:
        ratio = lam / (service + len(queue) * theta)  # π_{n+j+1} / π_{n+j}, decreasing
        tail_bound = queue[-1] + math.log(ratio / (1.0 - ratio)) if ratio < 1.0 else math.inf
        # Relative to the queue's own mass, so even a tiny P(wait) keeps 1e-15 precision.
        if tail_bound < queue_peak + _LOG_TAIL_TOLERANCE:
            break
        if len(queue) >= MAX_CHAIN_STATES:
            raise _chain_too_long(a, n, patience)
        queue.append(queue[-1] + log_lam - math.log(service + len(queue) * theta))
        queue_peak = max(queue_peak, queue[-1])
    peak = max(peak, queue_peak)

    total = math.fsum(math.exp(w - peak) for w in below[:n]) + math.fsum(
        math.exp(w - peak) for w in queue
    )
    p_no_wait = math.fsum(math.exp(w - peak) for w in below[:n]) / total

    # Walk the queue states: an arrival finding j callers waiting ahead (state n + j).
    # P(H_{j+1} > T) = Σ_{b≤j} t_b (negative binomial, shape nμ/θ + 1) and
    # P(V_{j+1} > T) = Σ_{b≤j} u_b (shape nμ/θ), both with success probability x = e^(−θT).
    shape = service / theta
    log_t = -(service + theta) * t
    log_u = -service * t
    if theta * t == 0.0:  # T = 0, or so small that θT underflows: nothing ends by T
        t = 0.0
    log_one_minus_x = math.log(-math.expm1(-theta * t)) if t > 0 else -math.inf
    keeps_waiting = math.exp(-theta * t)  # P(patience > T)
    h_survival = v_survival = 0.0
    mean_answer_time = 0.0  # E[H_{j+1}]: mean wait of this arrival if it is answered
    p_wait = p_abandon = queue_length = served_within = abandoned_within = served_wait = 0.0
    for j, w in enumerate(queue):
        p = math.exp(w - peak) / total
        rate = service + (j + 1) * theta
        answered = service / rate
        mean_answer_time += 1.0 / rate
        if t > 0:
            h_survival += math.exp(log_t)
            v_survival += math.exp(log_u)
            step = log_one_minus_x - math.log(j + 1)
            log_t += math.log(shape + 1.0 + j) + step
            log_u += math.log(shape + j) + step
            answered_by_t = answered * max(0.0, 1.0 - h_survival)
            # The wait ends by T unless both the offered wait V and the patience exceed T.
            ended_by_t = max(0.0, 1.0 - keeps_waiting * min(1.0, v_survival))
            abandoned_by_t = max(0.0, ended_by_t - answered_by_t)
        else:
            answered_by_t = abandoned_by_t = 0.0
        p_wait += p
        p_abandon += p * ((j + 1) * theta / rate)
        queue_length += p * j
        served_within += p * answered_by_t
        abandoned_within += p * abandoned_by_t
        served_wait += p * answered * mean_answer_time

    served = 1.0 - p_abandon
    return ErlangAResult(
        traffic=a,
        agents=n,
        probability_of_waiting=min(1.0, p_wait),
        probability_of_abandoning=min(1.0, p_abandon),
        service_level=min(1.0, p_no_wait + served_within),
        abandoned_within_target=min(1.0, abandoned_within),
        average_speed_of_answer=served_wait / served,
        average_wait=queue_length / lam,
        occupancy=min(1.0, a * served / n),
    )


def _chain_too_long(a: float, n: int, patience: float) -> ValueError:
    return ValueError(
        f"Erlang A needs more than {MAX_CHAIN_STATES} queue states for traffic={a}, "
        f"agents={n}: patience ({patience}) is far longer than the overload takes to "
        "drain; use patience=math.inf (Erlang C) or add agents."
    )


def _halfin_whitt(beta: float) -> float:
    if beta == 0.0:
        return 1.0
    if math.isinf(beta):
        return 0.0
    # log(β Φ(β) / φ(β)), with Φ(β) = erfc(−β/√2)/2 and log φ(β) = −β²/2 − log √(2π).
    log_ratio = (
        math.log(beta) + math.log(0.5 * math.erfc(-beta / math.sqrt(2.0))) + beta * beta / 2
    ) + _LOG_SQRT_2PI
    if log_ratio > 0:
        e = math.exp(-log_ratio)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(log_ratio))


def _min_agents_for_occupancy(a: float, max_occ: float) -> int:
    n = max(1, math.ceil(a / max_occ) - 1)
    while a / n > max_occ:
        n += 1
    return n


def _scheduled(n: int, shrinkage: float) -> int:
    available = 1.0 - shrinkage
    m = math.ceil(n / available)
    while m > n and (m - 1) * available >= n - _ROUNDING_SLACK:
        m -= 1
    return m


def _ceil(x: float) -> int:
    m = math.ceil(x)
    if m - 1 >= x - _ROUNDING_SLACK * max(1.0, x):
        m -= 1
    return m


# --- validation ----------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _traffic(traffic: float) -> float:
    if not _is_number(traffic) or not math.isfinite(traffic) or traffic < 0:
        raise ValueError(f"traffic must be a finite number of Erlangs >= 0, got {traffic!r}.")
    return float(traffic)


def _agents(agents: int, *, minimum: int) -> int:
    if not isinstance(agents, int) or isinstance(agents, bool) or agents < minimum:
        raise ValueError(f"agents must be an integer >= {minimum}, got {agents!r}.")
    return agents


def _positive(name: str, value: float) -> float:
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def _patience(patience: float) -> float:
    if not _is_number(patience) or math.isnan(patience) or patience <= 0:
        raise ValueError(
            f"patience must be a number > 0 (math.inf: no abandons), got {patience!r}."
        )
    return float(patience)


def _offered_traffic(calls: float, interval_seconds: float, handle_time: float) -> float:
    calls = _non_negative("calls_per_interval", calls)
    interval = _positive("interval_seconds", interval_seconds)
    return calls * _positive("handle_time", handle_time) / interval


def _target_fraction(target: float) -> float:
    if not _is_number(target) or not 0.0 <= target < 1.0:
        raise ValueError(
            f"target_service_level must be in [0, 1) (a share; 1 is never reached), got {target!r}."
        )
    return float(target)


def _max_occupancy(max_occupancy: float | None) -> float | None:
    if max_occupancy is None:
        return None
    if not _is_number(max_occupancy) or not 0.0 < max_occupancy <= 1.0:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}.")
    return float(max_occupancy)


def _shrinkage(shrinkage: float) -> float:
    if not _is_number(shrinkage) or not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage!r}.")
    return float(shrinkage)
