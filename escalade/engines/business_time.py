"""Business-time engine: opening hours, holidays and deadlines across time zones.

A calendar describes weekly opening windows in local wall-clock time. Every query turns
those windows, one local day at a time, into half-open ``[start, end)`` UTC intervals and
works on the intervals only, so daylight-saving rules are applied in exactly one place
(``_local_to_utc``, and its faster twin ``_local_to_utc_us`` for compiling):

* a local time that does not exist (spring-forward gap) maps to the instant the clock jumps;
* an ambiguous local time (autumn fold) uses ``fold=0``, its first occurrence;
* a window ending at ``time.max`` runs until the next local midnight.

Durations are counted in whole microseconds (the resolution of ``datetime``) so that adding
and measuring business time round-trip exactly.

Queries are answered from a compiled index (``CompiledCalendar``): the merged open intervals
of a run of local days as sorted integer microseconds since the Unix epoch, with the open
time accumulated up to each boundary. Measuring is then two bisects and adding one bisect
plus arithmetic. One index per calendar is cached and grows by blocks of days as queries
reach further; ranges it will not hold (far past or future, decades long) are answered by
walking the days, the original algorithm, which the property tests use as the reference.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SEARCH_HORIZON_DAYS",
    "Calendar",
    "CalendarError",
    "CompiledCalendar",
    "OpenWindow",
    "add_business_minutes",
    "advance_us",
    "business_minutes_between",
    "compile_calendar",
    "epoch_us",
    "from_epoch_us",
    "is_open",
    "next_open",
    "open_intervals",
]

# Searching further than this for open time means the calendar is effectively always closed.
SEARCH_HORIZON_DAYS = 3 * 366

_ONE_DAY = timedelta(days=1)
_ONE_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 86_400_000_000
_MIDNIGHT = time(0, 0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# The cached index grows by blocks of local days: small enough that a calendar seen once
# (a test, a one-off query) compiles in about a millisecond, large enough that a stream of
# queries over the last months extends it a handful of times.
_BLOCK_DAYS = 32
# Beyond these the index is not kept: queries fall back to walking the days.
_MAX_INDEX_DAYS = 25 * 366
_FIRST_INDEX_DAY = date(1900, 1, 1)
_LAST_INDEX_DAY = date(2300, 1, 1)
_CACHE_SIZE = 128
# The day walk gives up after SEARCH_HORIZON_DAYS idle days counted from the day before the
# start; three days less is a safe margin for the local/UTC day shift.
_LONG_GAP_US = (SEARCH_HORIZON_DAYS - 3) * _US_PER_DAY
# Sentinels wide enough for any datetime, for the coverage of 24 x 7 calendars.
_NEVER_BEFORE = -(2**62)
_NEVER_AFTER = 2**62

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
    instant = epoch_us(at)
    index = _cached_index(calendar, instant, instant)
    if index is None:
        return _walk_is_open(calendar, at)
    return index.is_open_at(instant)


def next_open(calendar: Calendar, at: datetime) -> datetime:
    """``at`` itself (in UTC) if open, else the start of the next open period."""
    _require_aware(at)
    at_utc = at.astimezone(UTC)
    if calendar.always_open:
        return at_utc
    if calendar.windows:
        instant = epoch_us(at)
        found = _search_ahead(calendar, instant, lambda index: index.next_open_at(instant))
        if found is not None:
            return from_epoch_us(found)
    return _walk_next_open(calendar, at_utc)


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
    amount = round(minutes * _US_PER_MINUTE)
    if amount == 0:
        return next_open(calendar, start)
    return from_epoch_us(advance_us(calendar, epoch_us(start), amount))


def business_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Open minutes in ``[start, end)``; 0 when ``end <= start``."""
    _require_aware(start)
    _require_aware(end)
    low, high = epoch_us(start), epoch_us(end)
    if high <= low:
        return 0.0
    if calendar.always_open:
        return (high - low) / _US_PER_MINUTE
    index = _cached_index(calendar, low, high)
    if index is None:
        return _walk_business_minutes_between(calendar, start, end)
    return (index.open_us_before(high) - index.open_us_before(low)) / _US_PER_MINUTE


def open_intervals(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
    """Open periods clipped to ``[start, end)`` as aware UTC pairs, contiguous ones merged.

    A calendar without any window simply yields nothing here (nothing is being searched for).
    """
    _require_aware(start)
    _require_aware(end)
    low, high = epoch_us(start), epoch_us(end)
    if high <= low or calendar.always_open:
        return _walk_open_intervals(calendar, start, end)
    index = _cached_index(calendar, low, high)
    if index is None:
        return _walk_open_intervals(calendar, start, end)
    return iter(
        [(from_epoch_us(s), from_epoch_us(e)) for s, e in index.intervals_between(low, high)]
    )


# --- compiled index ----------------------------------------------------------------------


def epoch_us(at: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact integer arithmetic)."""
    try:
        return (at - _EPOCH) // _ONE_US
    except TypeError:  # naive: subtracting it from an aware datetime is refused
        raise CalendarError(f"Datetime {at!r} must be timezone-aware.") from None


def from_epoch_us(instant: int) -> datetime:
    """The aware UTC datetime ``instant`` microseconds after the Unix epoch."""
    return _EPOCH + timedelta(0, 0, instant)  # positional: markedly faster than keywords


@dataclass(frozen=True, slots=True, eq=False)
class CompiledCalendar:
    """The open intervals of a calendar over a range of instants, ready for bisection.

    All instants are integer microseconds since the Unix epoch (``epoch_us``). ``bounds``
    holds the merged open intervals flattened, ``[s0, e0, s1, e1, ...]``, and
    ``open_before[i]`` the open time before ``bounds[i]`` counted from an arbitrary origin:
    only differences between two positions of the same index mean anything (a grown index
    has another origin). Answers are exact inside ``[start_us, end_us]``; methods return
    ``None`` when the answer lies beyond it. A 24 x 7 calendar covers every instant and its
    position is the instant itself.
    """

    calendar: Calendar
    first_day: date  # local days compiled, inclusive
    last_day: date
    start_us: int
    end_us: int
    bounds: tuple[int, ...]
    open_before: tuple[int, ...]
    # Openings that end a closed stretch of nearly SEARCH_HORIZON_DAYS or more: a search
    # across one is left to the day walk, which decides whether the calendar gave up.
    long_gap_ends: tuple[int, ...] = ()

    def covers(self, start_us: int, end_us: int) -> bool:
        return self.start_us <= start_us and end_us <= self.end_us

    def open_us_before(self, instant: int) -> int:
        """Position of ``instant``: open microseconds from the origin up to ``instant``."""
        if self.calendar.always_open:
            return instant
        bounds = self.bounds
        i = bisect_right(bounds, instant)
        if i & 1:  # inside the open interval starting at bounds[i - 1]
            return self.open_before[i - 1] + instant - bounds[i - 1]
        return self.open_before[i - 1] if i else 0  # before the first opening: the origin

    def instant_at(self, position: int) -> int | None:
        """The first instant whose position is ``position``, which must be past the origin.

        That instant closes the open time it counts: e.g. 18:00 sharp, never 09:00 the next
        day. ``None`` when it lies beyond the compiled range.
        """
        if self.calendar.always_open:
            return position
        j = bisect_left(self.open_before, position)
        if j == 0 or j == len(self.bounds):
            return None
        # open_before repeats at each closed gap (end, next start), so the first bound that
        # reaches ``position`` is an interval end: the answer lies in that interval.
        found = self.bounds[j - 1] + position - self.open_before[j - 1]
        return found if found <= self.end_us else None

    def is_open_at(self, instant: int) -> bool:
        if self.calendar.always_open:
            return True
        return bool(bisect_right(self.bounds, instant) & 1)

    def next_open_at(self, instant: int) -> int | None:
        """``instant`` if open, else the next opening; ``None`` when beyond the range."""
        if self.calendar.always_open:
            return instant
        i = bisect_right(self.bounds, instant)
        if i & 1:
            return instant
        if i == len(self.bounds) or self.bounds[i] >= self.end_us:
            return None
        return self.bounds[i]

    def crosses_long_gap(self, start: int, end: int) -> bool:
        i = bisect_right(self.long_gap_ends, start)
        return i < len(self.long_gap_ends) and self.long_gap_ends[i] <= end

    def intervals_between(self, start: int, end: int) -> list[tuple[int, int]]:
        """Open intervals clipped to ``[start, end)`` (contiguous ones already merged)."""
        if end <= start:
            return []
        if self.calendar.always_open:
            return [(start, end)]
        bounds = self.bounds
        first = bisect_right(bounds, start) // 2
        stop = (bisect_left(bounds, end) + 1) // 2
        return [
            (max(bounds[2 * k], start), min(bounds[2 * k + 1], end)) for k in range(first, stop)
        ]


def compile_calendar(calendar: Calendar, *, start_us: int, end_us: int) -> CompiledCalendar:
    """An index of ``calendar`` exact over at least ``[start_us, end_us]``.

    The cached index of the calendar when it covers the range (grown if needed); for ranges
    the cache does not hold, a one-off index of just that range.
    """
    if end_us < start_us:
        raise CalendarError("The end of the range to compile must not be before its start.")
    if calendar.always_open:
        return _always_open_index(calendar)
    index = _cached_index(calendar, start_us, end_us)
    if index is None:
        index = _grown(calendar, None, start_us, end_us, limit=False)
    assert index is not None  # unlimited growth always compiles
    return index


def advance_us(calendar: Calendar, start_us: int, amount_us: int) -> int:
    """The instant at which ``amount_us > 0`` microseconds of open time have elapsed.

    ``add_business_minutes`` in microseconds since the epoch; raises CalendarError when the
    calendar never opens again.
    """
    if calendar.always_open:
        return start_us + amount_us
    if calendar.windows:
        found = _search_ahead(
            calendar,
            start_us,
            lambda index: index.instant_at(index.open_us_before(start_us) + amount_us),
        )
        if found is not None:
            return found
    return epoch_us(_walk_add(calendar, from_epoch_us(start_us), amount_us))


@lru_cache(maxsize=_CACHE_SIZE)
def _always_open_index(calendar: Calendar) -> CompiledCalendar:
    return CompiledCalendar(
        calendar, date.min, date.max, _NEVER_BEFORE, _NEVER_AFTER, bounds=(), open_before=()
    )


_cache: dict[Calendar, CompiledCalendar] = {}
_cache_lock = threading.Lock()
# Hashing a calendar (its windows, its holidays) costs more than a clock's bisects, and
# callers pass the same calendar object again and again: look it up by identity first.
# The entry holds the calendar, so its id cannot be reused while the entry lives.
_by_identity: dict[int, tuple[Calendar, CompiledCalendar]] = {}


def _cached_index(calendar: Calendar, start_us: int, end_us: int) -> CompiledCalendar | None:
    """The cached index covering ``[start_us, end_us]``, grown if needed; None if too wide."""
    entry = _by_identity.get(id(calendar))
    if entry is not None and entry[0] is calendar:
        index: CompiledCalendar | None = entry[1]
        if index is not None and index.start_us <= start_us and end_us <= index.end_us:
            return index
    index = _cache.get(calendar)
    if index is None or not index.covers(start_us, end_us):
        with _cache_lock:  # one thread grows an index at a time; readers never wait
            index = _cache.get(calendar)
            if index is None or not index.covers(start_us, end_us):
                index = _grown(calendar, index, start_us, end_us, limit=True)
                if index is None:
                    return None
                _cache.pop(calendar, None)
                _cache[calendar] = index
                while len(_cache) > _CACHE_SIZE:  # evict the least recently grown
                    del _cache[next(iter(_cache))]
    if len(_by_identity) >= 2 * _CACHE_SIZE:  # bounded: entries may pin superseded indexes
        _by_identity.clear()
    _by_identity[id(calendar)] = (calendar, index)
    return index


def _search_ahead(
    calendar: Calendar, start_us: int, find: Callable[[CompiledCalendar], int | None]
) -> int | None:
    """``find`` on indexes reaching further and further past ``start_us``; None if too far.

    Gives up after SEARCH_HORIZON_DAYS so that the day walk raises its own error for a
    calendar that never opens again (or answers a target set years ahead).
    """
    reach = _BLOCK_DAYS * _US_PER_DAY
    while True:
        index = _cached_index(calendar, start_us, start_us + reach)
        if index is None:
            return None
        found = find(index)
        if found is not None:
            if index.long_gap_ends and index.crosses_long_gap(start_us, found):
                return None
            return found
        if reach > SEARCH_HORIZON_DAYS * _US_PER_DAY:
            return None
        reach = max(reach, index.end_us - start_us) * 2


def _utc_day(instant: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + instant // _US_PER_DAY)


def _grown(
    calendar: Calendar,
    index: CompiledCalendar | None,
    start_us: int,
    end_us: int,
    *,
    limit: bool,
) -> CompiledCalendar | None:
    """``index`` grown (or a new one) to cover ``[start_us, end_us]``.

    Two spare local days on each side: a local day lies within a day of its UTC date, and
    the coverage leaves out the first and last compiled days, whose neighbours (not
    compiled) may touch them.
    """
    first = _utc_day(start_us) - 2 * _ONE_DAY
    last = _utc_day(end_us) + 2 * _ONE_DAY
    if limit:
        # Whole blocks, so that close queries share one growth.
        first = date.fromordinal(first.toordinal() // _BLOCK_DAYS * _BLOCK_DAYS)
        last = date.fromordinal((last.toordinal() // _BLOCK_DAYS + 1) * _BLOCK_DAYS - 1)
    if index is not None:
        first, last = min(first, index.first_day), max(last, index.last_day)
    if limit and (
        first < _FIRST_INDEX_DAY or last > _LAST_INDEX_DAY or (last - first).days > _MAX_INDEX_DAYS
    ):
        return None
    zone = _zone(calendar.time_zone)
    if index is None:
        bounds = _compile_days(calendar, zone, first, last)
    else:
        bounds = _compile_days(calendar, zone, first, index.first_day - _ONE_DAY)
        _append_merged(bounds, index.bounds)
        _append_merged(bounds, _compile_days(calendar, zone, index.last_day + _ONE_DAY, last))
    open_before = [0] * len(bounds)
    long_gap_ends: list[int] = []
    total = 0
    previous_end = _local_to_utc_us(zone, first, _MIDNIGHT)
    for i in range(0, len(bounds), 2):
        if bounds[i] - previous_end > _LONG_GAP_US:
            long_gap_ends.append(bounds[i])
        previous_end = bounds[i + 1]
        open_before[i] = total
        total += bounds[i + 1] - bounds[i]
        open_before[i + 1] = total
    return CompiledCalendar(
        calendar,
        first,
        last,
        start_us=_local_to_utc_us(zone, first + _ONE_DAY, _MIDNIGHT),
        end_us=_local_to_utc_us(zone, last, _MIDNIGHT),
        bounds=tuple(bounds),
        open_before=tuple(open_before),
        long_gap_ends=tuple(long_gap_ends),
    )


def _compile_days(calendar: Calendar, zone: ZoneInfo, first: date, last: date) -> list[int]:
    """Flattened merged open intervals of local days ``first..last``, as epoch µs."""
    bounds: list[int] = []
    by_weekday = _windows_by_weekday(calendar.windows)
    holidays = calendar.holidays
    day = first
    while day <= last:
        if day not in holidays:
            for window in by_weekday[day.weekday()]:
                start = _local_to_utc_us(zone, day, window.start)
                if window.end == time.max:
                    end = _local_to_utc_us(zone, day + _ONE_DAY, _MIDNIGHT)
                else:
                    end = _local_to_utc_us(zone, day, window.end)
                if end <= start:  # the whole window fell into a DST gap
                    continue
                if bounds and start <= bounds[-1]:  # touching or overlapping: one period
                    bounds[-1] = max(bounds[-1], end)
                else:
                    bounds += (start, end)
        day += _ONE_DAY
    return bounds


def _append_merged(bounds: list[int], more: Sequence[int]) -> None:
    if bounds and more and more[0] <= bounds[-1]:
        bounds[-1] = max(bounds[-1], more[1])
        bounds.extend(more[2:])
    else:
        bounds.extend(more)


def _local_to_utc_us(zone: ZoneInfo, day: date, wall: time) -> int:
    """``_local_to_utc`` as epoch µs, about five times faster (compiling calls it a lot).

    PEP 495: a wall time in a gap gets a smaller offset with ``fold=0`` than with
    ``fold=1``; everywhere else ``fold=0`` is right (the first occurrence in a fold).
    """
    local = datetime(
        day.year, day.month, day.day, wall.hour, wall.minute, wall.second, wall.microsecond, zone
    )  # fold=0 whatever the fold of ``wall``, as in _local_to_utc
    offset = local.utcoffset()
    assert offset is not None  # ZoneInfo always has an offset
    later = local.replace(fold=1).utcoffset()
    assert later is not None
    if offset < later:
        return epoch_us(_gap_transition(zone, local.replace(tzinfo=None)))
    return epoch_us(local)


# --- reference day walk (fallback beyond the index; oracle for the property tests) ---------


def _walk_is_open(calendar: Calendar, at: datetime) -> bool:
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


def _walk_next_open(calendar: Calendar, at: datetime) -> datetime:
    at_utc = at.astimezone(UTC)
    if calendar.always_open:
        return at_utc
    return next(_intervals_after(calendar, at_utc))[0]


def _walk_add(calendar: Calendar, start: datetime, amount_us: int) -> datetime:
    """``amount_us > 0`` microseconds of open time after ``start``, day by day."""
    start_utc = start.astimezone(UTC)
    if calendar.always_open:
        return start_utc + timedelta(microseconds=amount_us)
    remaining = amount_us
    for period_start, period_end in _intervals_after(calendar, start_utc):
        span = (period_end - period_start) // _ONE_US
        if remaining <= span:
            return period_start + timedelta(microseconds=remaining)
        remaining -= span
    raise AssertionError("unreachable: _intervals_after is infinite or raises")


def _walk_add_business_minutes(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    amount = round(minutes * _US_PER_MINUTE)
    if amount == 0:
        return _walk_next_open(calendar, start)
    return _walk_add(calendar, start, amount)


def _walk_business_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    total = sum((e - s) // _ONE_US for s, e in _walk_open_intervals(calendar, start, end))
    return total / _US_PER_MINUTE


def _walk_open_intervals(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
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
