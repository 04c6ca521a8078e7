"""Business-time engine: opening hours, holidays and deadlines across time zones.

A calendar describes weekly opening windows in local wall-clock time. Every query turns
those windows, one local day at a time, into half-open ``[start, end)`` UTC intervals and
works on the intervals only, so daylight-saving rules are applied in exactly one place
(``_local_to_utc``):

* a local time that does not exist (spring-forward gap) maps to the instant the clock jumps;
* an ambiguous local time (autumn fold) uses ``fold=0``, its first occurrence;
* a window ending at ``time.max`` runs until the next local midnight.

Durations are counted in whole microseconds (the resolution of ``datetime``) so that adding
and measuring business time round-trip exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SEARCH_HORIZON_DAYS",
    "Calendar",
    "CalendarError",
    "OpenWindow",
    "add_business_minutes",
    "business_minutes_between",
    "is_open",
    "next_open",
    "open_intervals",
]

# Searching further than this for open time means the calendar is effectively always closed.
SEARCH_HORIZON_DAYS = 3 * 366

_ONE_DAY = timedelta(days=1)
_ONE_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_MIDNIGHT = time(0, 0)

Interval = tuple[datetime, datetime]


class CalendarError(ValueError):
    """An invalid calendar, or a query a calendar cannot answer."""


@dataclass(frozen=True, slots=True)
class OpenWindow:
    """One opening window on a weekday, in naive local wall-clock time.

    ``end == time.max`` means "until midnight"; windows never cross midnight, so an
    overnight shift is two windows (they are merged back into one period by the queries).
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise CalendarError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}.")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise CalendarError("Window times must be naive local times.")
        if self.end <= self.start:
            raise CalendarError(
                f"Window end {self.end} must be after its start {self.start}; "
                "use time.max for 'until midnight'."
            )


@dataclass(frozen=True, slots=True)
class Calendar:
    """Weekly opening hours in one time zone, minus whole-day holidays (or 24 x 7)."""

    time_zone: str
    windows: tuple[OpenWindow, ...] = ()
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    def __post_init__(self) -> None:
        _zone(self.time_zone)
        # Sorted windows give order-independent equality/hashing and make overlaps adjacent.
        windows = tuple(sorted(self.windows, key=lambda w: (w.weekday, w.start, w.end)))
        for previous, current in pairwise(windows):
            if previous.weekday == current.weekday and current.start < previous.end:
                raise CalendarError(f"Overlapping windows: {previous} and {current}.")
        holidays = frozenset(self.holidays)
        # A datetime never equals a date, so it would silently never match.
        if any(isinstance(day, datetime) for day in holidays):
            raise CalendarError("Holidays must be dates, not datetimes.")
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "holidays", holidays)

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC") -> Calendar:
        return cls(time_zone=time_zone, always_open=True)

    @classmethod
    def weekly(
        cls,
        time_zone: str,
        hours: Mapping[int, Sequence[tuple[time, time]]],
        holidays: Iterable[date] = (),
    ) -> Calendar:
        """Build from ``{weekday: [(start, end), ...]}``, e.g. ``{0: [(time(9), time(18))]}``."""
        windows = tuple(
            OpenWindow(weekday, start, end)
            for weekday, spans in hours.items()
            for start, end in spans
        )
        return cls(time_zone=time_zone, windows=windows, holidays=frozenset(holidays))


def is_open(calendar: Calendar, at: datetime) -> bool:
    """Whether ``at`` lies inside an open period (periods are half-open: the end is closed)."""
    _require_aware(at)
    if calendar.always_open:
        return True
    zone = _zone(calendar.time_zone)
    local_day = at.astimezone(zone).date()
    # Neighbouring days too: a fold around midnight can put a day's window on either side.
    for day in (local_day - _ONE_DAY, local_day, local_day + _ONE_DAY):
        for start, end in _day_intervals(calendar, zone, day):
            if start <= at < end:
                return True
    return False


def next_open(calendar: Calendar, at: datetime) -> datetime:
    """``at`` itself (in UTC) if open, else the start of the next open period."""
    _require_aware(at)
    at_utc = at.astimezone(UTC)
    if calendar.always_open:
        return at_utc
    return next(_intervals_after(calendar, at_utc))[0]


def add_business_minutes(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The instant at which ``minutes`` of open time have elapsed since ``start``.

    ``minutes`` is rounded to the microsecond. For ``minutes == 0`` this is
    ``next_open(start)``. Otherwise the result ``r`` closes the last open period counted:
    the instant just before ``r`` is open and ``r`` may be the (closed) end of a period,
    e.g. exactly 18:00 rather than 09:00 the next morning.
    """
    _require_aware(start)
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}.")
    start_utc = start.astimezone(UTC)
    remaining = round(minutes * _US_PER_MINUTE)
    if remaining == 0:
        return next_open(calendar, start_utc)
    if calendar.always_open:
        return start_utc + timedelta(microseconds=remaining)
    for period_start, period_end in _intervals_after(calendar, start_utc):
        span = (period_end - period_start) // _ONE_US
        if remaining <= span:
            return period_start + timedelta(microseconds=remaining)
        remaining -= span
    raise AssertionError("unreachable: _intervals_after is infinite or raises")


def business_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Open minutes in ``[start, end)``; 0 when ``end <= start``."""
    total = sum((e - s) // _ONE_US for s, e in open_intervals(calendar, start, end))
    return total / _US_PER_MINUTE


def open_intervals(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
    """Open periods clipped to ``[start, end)`` as aware UTC pairs, contiguous ones merged.

    A calendar without any window simply yields nothing here (nothing is being searched for).
    """
    _require_aware(start)
    _require_aware(end)
    start_utc = start.astimezone(UTC)
    end_utc = end.astimezone(UTC)
    if end_utc <= start_utc:
        return iter(())
    if calendar.always_open:
        return iter(((start_utc, end_utc),))
    return _merged(_intervals_between(calendar, start_utc, end_utc))


# --- internals ---------------------------------------------------------------------------


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise CalendarError(f"Datetime {value!r} must be timezone-aware.")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)  # ZoneInfo caches instances, so this is a dict lookup.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise CalendarError(f"Unknown time zone {name!r}.") from exc


@lru_cache(maxsize=256)
def _windows_by_weekday(windows: tuple[OpenWindow, ...]) -> tuple[tuple[OpenWindow, ...], ...]:
    return tuple(tuple(w for w in windows if w.weekday == weekday) for weekday in range(7))


def _local_to_utc(zone: ZoneInfo, day: date, wall: time) -> datetime:
    naive = datetime.combine(day, wall).replace(fold=0)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    return _gap_transition(zone, naive)


def _gap_transition(zone: ZoneInfo, naive: datetime) -> datetime:
    """The instant the clock jumps over the non-existent local time ``naive``."""
    # Inside a gap fold=1 applies the post-jump offset (an instant before the jump) and
    # fold=0 the pre-jump offset (an instant after it). tzdata jumps on whole seconds, so
    # bisect on seconds between the two.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(microsecond=0)
    high = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    offset_after = high.astimezone(zone).utcoffset()
    low_s, high_s = 0, math.ceil((high - low).total_seconds())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if (low + timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset_after:
            high_s = middle
        else:
            low_s = middle
    return low + timedelta(seconds=high_s)


def _day_intervals(calendar: Calendar, zone: ZoneInfo, day: date) -> list[Interval]:
    """Open UTC intervals of the windows of local ``day`` (sorted, touching ones merged)."""
    if day in calendar.holidays:
        return []
    intervals: list[Interval] = []
    for window in _windows_by_weekday(calendar.windows)[day.weekday()]:
        start = _local_to_utc(zone, day, window.start)
        if window.end == time.max:
            end = _local_to_utc(zone, day + _ONE_DAY, _MIDNIGHT)
        else:
            end = _local_to_utc(zone, day, window.end)
        if end <= start:  # the whole window fell into a DST gap
            continue
        if intervals and start <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], max(end, intervals[-1][1]))
        else:
            intervals.append((start, end))
    return intervals


def _intervals_after(calendar: Calendar, start: datetime) -> Iterator[Interval]:
    """Endless open intervals from ``start`` on (first one clipped), not merged across days.

    Raises CalendarError when nothing is open for SEARCH_HORIZON_DAYS in a row.
    """
    if not calendar.windows:
        raise CalendarError("The calendar has no opening window, so it is never open.")
    zone = _zone(calendar.time_zone)
    day = start.astimezone(zone).date() - _ONE_DAY
    idle_days = 0
    while True:
        found = False
        for period_start, period_end in _day_intervals(calendar, zone, day):
            if period_end > start:
                found = True
                yield max(period_start, start), period_end
        if found:
            idle_days = 0
        else:
            idle_days += 1
            if idle_days > SEARCH_HORIZON_DAYS:
                since = day - _ONE_DAY * idle_days
                raise CalendarError(
                    f"No open time within {SEARCH_HORIZON_DAYS} days after {since}."
                )
        day += _ONE_DAY


def _intervals_between(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
    zone = _zone(calendar.time_zone)
    day = start.astimezone(zone).date() - _ONE_DAY
    last_day = end.astimezone(zone).date() + _ONE_DAY
    while day <= last_day:
        for period_start, period_end in _day_intervals(calendar, zone, day):
            if period_end > start and period_start < end:
                yield max(period_start, start), min(period_end, end)
        day += _ONE_DAY


def _merged(intervals: Iterable[Interval]) -> Iterator[Interval]:
    pending: Interval | None = None
    for start, end in intervals:
        if pending is not None and start <= pending[1]:
            pending = (pending[0], max(end, pending[1]))
            continue
        if pending is not None:
            yield pending
        pending = (start, end)
    if pending is not None:
        yield pending
