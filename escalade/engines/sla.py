"""SLA clocks of an incident: first response, resolution and tier handoffs.

A clock is never a stored counter: it is recomputed from the incident's status history and
``now`` every time, so it cannot drift and a late or corrected transition simply gives the
right answer on the next read. Rules:

* **first response** runs from creation until the first response (``responded_at``); no
  status pauses it;
* **resolution** runs from creation, is paused while the status is ``pending_customer``,
  stops at ``resolved`` or ``closed``, and on ``reopened`` resumes from the time it had
  already used (no reset);
* **handoff** (internal target per tier) runs for one stay of the incident in a tier, from
  entering it until leaving it (escalation, de-escalation) or resolution: one clock per stay.

A clock counts business time in the plan's calendar over the spans during which it runs,
warns at ``warn_ratio`` of its target and is breached when it reaches the target. All the
arithmetic is in integer microseconds on a compiled calendar index, so a clock costs a few
bisects (see ``business_time.CompiledCalendar``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import le

from escalade.engines.business_time import (
    Calendar,
    CompiledCalendar,
    advance_us,
    compile_calendar,
)

__all__ = [
    "DEFAULT_WARN_RATIO",
    "RESOLUTION_PAUSE_STATUSES",
    "RESOLUTION_STOP_STATUSES",
    "Clock",
    "ClockState",
    "Span",
    "first_response_clock",
    "handoff_clock",
    "measure",
    "resolution_clock",
    "running_spans",
]

DEFAULT_WARN_RATIO = 0.75
# Waiting on the customer is not the vendor's time; waiting on a third-party vendor is.
RESOLUTION_PAUSE_STATUSES: frozenset[str] = frozenset({"pending_customer"})
RESOLUTION_STOP_STATUSES: frozenset[str] = frozenset({"resolved", "closed"})

# A half-open span ``[start, end)`` during which a clock runs; ``end is None``: still running.
Span = tuple[datetime, datetime | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Clock:
    """One SLA clock as seen at ``now``; all instants are aware UTC datetimes.

    ``deadline`` is when the clock breaches if it keeps running: the past instant of the
    breach once breached (whatever the state), ``None`` when paused or stopped before
    breaching. ``warn_at`` likewise for the warning: ``warned_at`` once warned, the future
    instant while running, ``None`` when paused or stopped before warning.
    """

    target_minutes: float
    elapsed_minutes: float
    remaining_minutes: float  # negative once breached
    state: ClockState
    deadline: datetime | None
    warn_at: datetime | None
    breached_at: datetime | None
    warned_at: datetime | None

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def warned(self) -> bool:
        return self.warned_at is not None

    @property
    def fraction_used(self) -> float:
        return self.elapsed_minutes / self.target_minutes


def running_spans(
    *,
    history: Sequence[tuple[datetime, str]],
    pause_statuses: frozenset[str],
    stop_statuses: frozenset[str],
    now: datetime,
) -> list[Span]:
    """The spans during which a clock ran, from ``(at, status)`` transitions up to ``now``.

    The clock runs from the first transition while the status is neither a pause nor a
    stop status; transitions after ``now`` are ignored; the last span is open (``None``)
    when the clock runs at ``now``. The history is sorted by instant if needed (stable:
    transitions at the same instant keep their order). Empty spans are left out.
    """
    _check_statuses(pause_statuses, stop_statuses)
    times, order = _sorted_history(history)
    index_spans, _ = _track(
        times, [history[i][1] for i in order], pause_statuses, stop_statuses, _us(now, "now")
    )
    return [
        (history[order[s]][0], None if e is None else history[order[e]][0]) for s, e in index_spans
    ]


def measure(
    *,
    calendar: Calendar,
    target_minutes: float,
    spans: Sequence[Span],
    now: datetime,
    warn_ratio: float = DEFAULT_WARN_RATIO,
    paused: bool = False,
) -> Clock:
    """The clock that ran over ``spans`` (sorted, disjoint, only the last open), at ``now``.

    Spans are clipped to ``now``: what starts later has not happened yet and a span ending
    after ``now`` is still running. When no span runs at ``now`` the state is STOPPED, or
    PAUSED if ``paused`` (only the caller knows why the clock is idle).
    """
    target_us, warn_us = _limits(target_minutes, warn_ratio)
    spans_us: list[tuple[int, int | None]] = []
    previous_end: int | None = None
    for position, (start, end) in enumerate(spans):
        start_us = _us(start, "span start")
        end_us = None if end is None else _us(end, "span end")
        if end_us is None and position != len(spans) - 1:
            raise ValueError("Only the last span may be open (end None).")
        if end_us is not None and end_us < start_us:
            raise ValueError(f"A span ends ({end}) before it starts ({start}).")
        if previous_end is not None and start_us < previous_end:
            raise ValueError("Spans must be sorted and must not overlap.")
        previous_end = end_us
        spans_us.append((start_us, end_us))
    idle = ClockState.PAUSED if paused else ClockState.STOPPED
    return _measure(calendar, target_us, warn_us, spans_us, _us(now, "now"), idle)


def first_response_clock(
    *,
    calendar: Calendar,
    target_minutes: float,
    created_at: datetime,
    responded_at: datetime | None,
    now: datetime,
    warn_ratio: float = DEFAULT_WARN_RATIO,
) -> Clock:
    """From creation to the first response; statuses (pending customer…) do not pause it."""
    return _one_stay(calendar, target_minutes, warn_ratio, created_at, responded_at, now)


def resolution_clock(
    *,
    calendar: Calendar,
    target_minutes: float,
    history: Sequence[tuple[datetime, str]],
    now: datetime,
    warn_ratio: float = DEFAULT_WARN_RATIO,
    pause_statuses: frozenset[str] = RESOLUTION_PAUSE_STATUSES,
    stop_statuses: frozenset[str] = RESOLUTION_STOP_STATUSES,
) -> Clock:
    """From creation (the first transition of ``history``) to resolution, minus the pauses.

    A reopened incident resumes from the time already used: any status that is neither a
    pause nor a stop status makes the clock run.
    """
    target_us, warn_us = _limits(target_minutes, warn_ratio)
    _check_statuses(pause_statuses, stop_statuses)
    now_us = _us(now, "now")
    times, order = _sorted_history(history)
    if not times:
        raise ValueError("The history is empty: it must start with the incident's creation.")
    if now_us < times[0]:
        raise ValueError(f"now ({now}) is before the incident was created.")
    statuses = [history[i][1] for i in order]
    index_spans, state = _track(times, statuses, pause_statuses, stop_statuses, now_us)
    spans_us = [(times[s], None if e is None else times[e]) for s, e in index_spans]
    idle = ClockState.STOPPED if state is None else state
    return _measure(calendar, target_us, warn_us, spans_us, now_us, idle)


def handoff_clock(
    *,
    calendar: Calendar,
    target_minutes: float,
    entered_at: datetime,
    left_at: datetime | None,
    now: datetime,
    warn_ratio: float = DEFAULT_WARN_RATIO,
) -> Clock:
    """One stay in a tier: from entering it until leaving it or resolution (``left_at``)."""
    return _one_stay(calendar, target_minutes, warn_ratio, entered_at, left_at, now)


# --- internals ---------------------------------------------------------------------------


def _us(value: datetime, name: str) -> int:
    """Epoch microseconds; the subtraction itself rejects naive datetimes (cheapest check)."""
    try:
        return (value - _EPOCH) // _ONE_US
    except TypeError:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}.") from None


def _from_us(instant: int) -> datetime:
    return _EPOCH + timedelta(0, 0, instant)  # positional: markedly faster than keywords


def _limits(target_minutes: float, warn_ratio: float) -> tuple[int, int]:
    if not math.isfinite(target_minutes) or target_minutes <= 0:
        raise ValueError(f"target_minutes must be a finite number > 0, got {target_minutes!r}.")
    # `not 0 < x < 1` also rejects NaN.
    if not 0 < warn_ratio < 1:
        raise ValueError(f"warn_ratio must be between 0 and 1 (exclusive), got {warn_ratio!r}.")
    target_us = round(target_minutes * _US_PER_MINUTE)
    if target_us < 1:
        raise ValueError(f"target_minutes must be at least a microsecond, got {target_minutes!r}.")
    return target_us, max(1, round(target_us * warn_ratio))


def _check_statuses(pause_statuses: frozenset[str], stop_statuses: frozenset[str]) -> None:
    if both := pause_statuses & stop_statuses:
        raise ValueError(f"Statuses cannot both pause and stop a clock: {sorted(both)}.")


def _sorted_history(history: Sequence[tuple[datetime, str]]) -> tuple[list[int], list[int]]:
    """Epoch µs of the transitions in time order, and their positions in ``history``."""
    try:
        times = [(at - _EPOCH) // _ONE_US for at, _ in history]  # inlined: the hot loop
    except TypeError:
        times = [_us(at, "history instant") for at, _ in history]  # raises with a message
    order = list(range(len(times)))
    if not all(map(le, times, times[1:])):
        order.sort(key=times.__getitem__)  # list.sort is stable: same-instant order is kept
        times = [times[i] for i in order]
    return times, order


def _track(
    times: Sequence[int],
    statuses: Sequence[str],
    pause_statuses: frozenset[str],
    stop_statuses: frozenset[str],
    now_us: int,
) -> tuple[list[tuple[int, int | None]], ClockState | None]:
    """Running spans as positions in ``times``, and the state at ``now`` (None: not created)."""
    spans: list[tuple[int, int | None]] = []
    started = -1  # position where the current run started, -1 while idle
    state: ClockState | None = None
    for position, (at, status) in enumerate(zip(times, statuses, strict=True)):
        if at > now_us:
            break
        if status in pause_statuses:
            state = ClockState.PAUSED
        elif status in stop_statuses:
            state = ClockState.STOPPED
        else:
            state = ClockState.RUNNING
            if started < 0:
                started = position
            continue
        if started >= 0:
            if at > times[started]:
                spans.append((started, position))
            started = -1
    if started >= 0:
        spans.append((started, None))
    return spans, state


def _one_stay(
    calendar: Calendar,
    target_minutes: float,
    warn_ratio: float,
    start: datetime,
    end: datetime | None,
    now: datetime,
) -> Clock:
    target_us, warn_us = _limits(target_minutes, warn_ratio)
    start_us, now_us = _us(start, "start"), _us(now, "now")
    end_us = None if end is None else _us(end, "end")
    if end_us is not None and end_us < start_us:
        raise ValueError(f"The clock stops ({end}) before it starts ({start}).")
    if now_us < start_us:
        raise ValueError(f"now ({now}) is before the clock starts ({start}).")
    spans = [(start_us, end_us)]
    return _measure(calendar, target_us, warn_us, spans, now_us, ClockState.STOPPED)


def _measure(
    calendar: Calendar,
    target_us: int,
    warn_us: int,
    spans: Sequence[tuple[int, int | None]],
    now_us: int,
    idle: ClockState,
) -> Clock:
    if calendar.always_open:
        return _measure_always_open(target_us, warn_us, spans, now_us, idle)
    earliest = min(spans[0][0], now_us) if spans else now_us
    index = compile_calendar(calendar, start_us=earliest, end_us=now_us)
    position = index.open_us_before
    elapsed = 0
    running = False
    warned_at: int | None = None
    breached_at: int | None = None
    for start, end in spans:
        if start > now_us:
            break
        if end is None or end > now_us:
            end = now_us
            running = True
        at_start = position(start)
        length = position(end) - at_start
        if length <= 0:
            continue
        # A threshold is crossed inside the first span that reaches it.
        if warned_at is None and elapsed + length >= warn_us:
            warned_at = _after(calendar, index, start, warn_us - elapsed)
        if breached_at is None and elapsed + length >= target_us:
            breached_at = _after(calendar, index, start, target_us - elapsed)
        elapsed += length
    if breached_at is not None:
        deadline: int | None = breached_at
    elif running:
        deadline = _after(calendar, index, now_us, target_us - elapsed)
    else:
        deadline = None
    if warned_at is not None:
        warn_at: int | None = warned_at
    elif running:
        warn_at = _after(calendar, index, now_us, warn_us - elapsed)
    else:
        warn_at = None
    return Clock(
        target_minutes=target_us / _US_PER_MINUTE,
        elapsed_minutes=elapsed / _US_PER_MINUTE,
        remaining_minutes=(target_us - elapsed) / _US_PER_MINUTE,
        state=ClockState.RUNNING if running else idle,
        deadline=None if deadline is None else _from_us(deadline),
        warn_at=None if warn_at is None else _from_us(warn_at),
        breached_at=None if breached_at is None else _from_us(breached_at),
        warned_at=None if warned_at is None else _from_us(warned_at),
    )


def _measure_always_open(
    target_us: int,
    warn_us: int,
    spans: Sequence[tuple[int, int | None]],
    now_us: int,
    idle: ClockState,
) -> Clock:
    """``_measure`` for a 24 x 7 calendar, where business time is real time."""
    elapsed = 0
    running = False
    warned_at: int | None = None
    breached_at: int | None = None
    for start, end in spans:
        if start > now_us:
            break
        if end is None or end > now_us:
            end = now_us
            running = True
        length = end - start
        if length <= 0:
            continue
        if warned_at is None and elapsed + length >= warn_us:
            warned_at = start + warn_us - elapsed
        if breached_at is None and elapsed + length >= target_us:
            breached_at = start + target_us - elapsed
        elapsed += length
    if breached_at is not None:
        deadline: int | None = breached_at
    else:
        deadline = now_us + target_us - elapsed if running else None
    if warned_at is not None:
        warn_at: int | None = warned_at
    else:
        warn_at = now_us + warn_us - elapsed if running else None
    return Clock(
        target_minutes=target_us / _US_PER_MINUTE,
        elapsed_minutes=elapsed / _US_PER_MINUTE,
        remaining_minutes=(target_us - elapsed) / _US_PER_MINUTE,
        state=ClockState.RUNNING if running else idle,
        deadline=None if deadline is None else _from_us(deadline),
        warn_at=None if warn_at is None else _from_us(warn_at),
        breached_at=None if breached_at is None else _from_us(breached_at),
        warned_at=None if warned_at is None else _from_us(warned_at),
    )


def _after(calendar: Calendar, index: CompiledCalendar, start_us: int, amount_us: int) -> int:
    """The instant ``amount_us > 0`` of open time after ``start_us``, the index first."""
    found = index.instant_at(index.open_us_before(start_us) + amount_us)
    return advance_us(calendar, start_us, amount_us) if found is None else found
