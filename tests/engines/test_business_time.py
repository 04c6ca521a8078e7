"""Business-time engine: worked examples a support manager would recognise, then properties.

Invariants checked by the property tests (``r = add_business_minutes(cal, s, m)``):

* deadline closes an open period: for ``m > 0`` (after rounding to the microsecond),
  ``r > s``, the instant ``r - 1 µs`` is open, and ``r`` is exactly the end of the last open
  interval of ``[s, r)``; so ``r`` is either open or the (closed) end of an open period;
* round trip: ``business_minutes_between(cal, s, r) == m`` within 1e-6 minutes;
* monotonicity: ``m1 <= m2`` implies ``add(s, m1) <= add(s, m2)``, strictly if they differ
  by at least a microsecond;
* additivity: ``add(add(s, a), b) == add(s, a + b)`` for ``b > 0``, and
  ``add(add(s, a), 0) == next_open(add(s, a))``;
* ``add(s, 0) == next_open(s)``;
* ``n = next_open(cal, at)`` is open, ``n >= at``, equals ``at`` when ``at`` is open, and
  nothing in ``[at, n)`` is open;
* ``is_open`` agrees with ``open_intervals``; ``open_intervals`` are UTC, sorted, non-empty,
  separated by closed time (contiguous periods are merged) and clipped to the query range;
* ``business_minutes_between`` is additive over a split point;
* the compiled index (bisection over precomputed intervals) gives exactly, to the
  microsecond, the answers of the reference day walk, whichever way its cache grew.
"""

from __future__ import annotations

import math
import random
import time as stopwatch
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import holidays
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from escalade.engines.business_time import (
    Calendar,
    CalendarError,
    OpenWindow,
    _local_to_utc,
    _local_to_utc_us,
    _walk_add_business_minutes,
    _walk_business_minutes_between,
    _walk_is_open,
    _walk_next_open,
    _walk_open_intervals,
    add_business_minutes,
    business_minutes_between,
    compile_calendar,
    epoch_us,
    from_epoch_us,
    is_open,
    next_open,
    open_intervals,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
ONE_US = timedelta(microseconds=1)
WEEKDAYS = range(5)


def office_hours(
    tz: str, holidays: Iterable[date] = (), opens: time = time(9), closes: time = time(18)
) -> Calendar:
    return Calendar.weekly(tz, {day: [(opens, closes)] for day in WEEKDAYS}, holidays)


def paris_office() -> Calendar:
    """Paris support desk: 09:00-18:00 Monday to Friday, closed on French public holidays."""
    french_holidays = holidays.country_holidays("FR", years=range(2025, 2028))
    return office_hours("Europe/Paris", french_holidays.keys())


def all_day_every_day(tz: str) -> Calendar:
    """Windows 00:00-24:00 every day: same hours as 24 x 7 but computed through the windows."""
    return Calendar.weekly(tz, {day: [(time(0), time.max)] for day in range(7)})


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


# --- worked examples ---------------------------------------------------------------------


def test_four_business_hours_from_friday_afternoon_land_monday_late_morning() -> None:
    # Given the Paris desk, when a ticket with a 4-business-hour target opens Friday 16:00,
    # then 2 hours are spent on Friday and the deadline is Monday 11:00.
    deadline = add_business_minutes(paris_office(), local(PARIS, 2026, 3, 13, 16), 4 * 60)

    assert deadline == local(PARIS, 2026, 3, 16, 11)
    assert deadline.tzinfo is UTC


def test_ticket_opened_the_evening_before_bastille_day_waits_for_wednesday() -> None:
    # Given 14 July 2026 is a Tuesday and a public holiday, when a ticket arrives Monday
    # 20:00, then the clock starts Wednesday 09:00 and a 4-hour target ends 13:00.
    desk = paris_office()
    opened = local(PARIS, 2026, 7, 13, 20)

    assert not is_open(desk, local(PARIS, 2026, 7, 14, 11))
    assert next_open(desk, opened) == local(PARIS, 2026, 7, 15, 9)
    assert add_business_minutes(desk, opened, 4 * 60) == local(PARIS, 2026, 7, 15, 13)


@pytest.mark.parametrize(
    ("tz", "friday", "monday", "wall_hours_elapsed"),
    [
        pytest.param("Europe/Paris", date(2026, 3, 27), date(2026, 3, 30), 66, id="paris-spring"),
        pytest.param("Europe/Paris", date(2026, 10, 23), date(2026, 10, 26), 68, id="paris-autumn"),
        pytest.param("America/New_York", date(2026, 3, 6), date(2026, 3, 9), 66, id="ny-spring"),
        pytest.param("America/New_York", date(2026, 10, 30), date(2026, 11, 2), 68, id="ny-autumn"),
    ],
)
def test_dst_weekend_does_not_change_the_local_deadline(
    tz: str, friday: date, monday: date, wall_hours_elapsed: int
) -> None:
    # Given office hours and a clock change on the weekend, when a 4-hour target starts
    # Friday 16:00, then it still ends Monday 11:00 local; only the real elapsed time differs.
    zone = ZoneInfo(tz)
    opened = datetime.combine(friday, time(16), tzinfo=zone)

    deadline = add_business_minutes(office_hours(tz), opened, 4 * 60)

    assert deadline == datetime.combine(monday, time(11), tzinfo=zone)
    assert deadline - opened == timedelta(hours=wall_hours_elapsed)


@pytest.mark.parametrize(
    ("start", "expected_local_wall_time"),
    [
        pytest.param(
            local(PARIS, 2026, 3, 28, 12), local(PARIS, 2026, 3, 29, 13), id="paris-spring"
        ),
        pytest.param(
            local(PARIS, 2026, 10, 24, 12), local(PARIS, 2026, 10, 25, 11), id="paris-autumn"
        ),
        pytest.param(
            local(NEW_YORK, 2026, 3, 7, 12), local(NEW_YORK, 2026, 3, 8, 13), id="ny-spring"
        ),
        pytest.param(
            local(NEW_YORK, 2026, 10, 31, 12), local(NEW_YORK, 2026, 11, 1, 11), id="ny-autumn"
        ),
    ],
)
def test_twenty_four_seven_counts_real_elapsed_minutes_across_dst(
    start: datetime, expected_local_wall_time: datetime
) -> None:
    # Given a 24 x 7 contract, when a 24-hour target spans a clock change, then it ends
    # 24 real hours later, which reads 13:00 (spring) or 11:00 (autumn) on the wall clock.
    calendar = Calendar.twenty_four_seven(str(start.tzinfo))

    deadline = add_business_minutes(calendar, start, 24 * 60)

    assert deadline == expected_local_wall_time
    assert deadline - start == timedelta(hours=24)


@pytest.mark.parametrize(
    ("tz", "day", "open_hours"),
    [
        pytest.param("Europe/Paris", date(2026, 3, 22), 24, id="paris-normal"),
        pytest.param("Europe/Paris", date(2026, 3, 29), 23, id="paris-spring"),
        pytest.param("Europe/Paris", date(2026, 10, 25), 25, id="paris-autumn"),
        pytest.param("America/New_York", date(2026, 3, 8), 23, id="ny-spring"),
        pytest.param("America/New_York", date(2026, 11, 1), 25, id="ny-autumn"),
        pytest.param("Australia/Lord_Howe", date(2026, 4, 5), 24.5, id="lord-howe-autumn"),
        pytest.param("Australia/Lord_Howe", date(2026, 10, 4), 23.5, id="lord-howe-spring"),
        pytest.param("Asia/Kolkata", date(2026, 3, 29), 24, id="kolkata-no-dst"),
    ],
)
def test_a_midnight_to_midnight_window_lasts_as_long_as_the_local_day(
    tz: str, day: date, open_hours: float
) -> None:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)

    assert business_minutes_between(all_day_every_day(tz), start, end) == open_hours * 60
    assert business_minutes_between(Calendar.twenty_four_seven(tz), start, end) == open_hours * 60


def test_office_day_is_nine_real_hours() -> None:
    monday = local(PARIS, 2026, 3, 16)
    minutes = business_minutes_between(paris_office(), monday, monday + timedelta(days=1))
    assert minutes == 9 * 60


def test_window_opening_inside_the_spring_gap_opens_when_the_clock_jumps() -> None:
    # Given a Sunday window 02:30-04:00 in Paris, on 29 March 2026 02:30 never happens
    # (02:00 -> 03:00): the window opens at the jump (03:00 CEST) and lasts one real hour.
    calendar = Calendar.weekly("Europe/Paris", {6: [(time(2, 30), time(4))]})
    day_start, day_end = local(PARIS, 2026, 3, 29), local(PARIS, 2026, 3, 30)

    assert list(open_intervals(calendar, day_start, day_end)) == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 2, tzinfo=UTC))
    ]


def test_window_entirely_inside_a_half_hour_gap_does_not_open() -> None:
    # Lord Howe Island moves its clocks 02:00 -> 02:30 on 4 October 2026.
    calendar = Calendar.weekly("Australia/Lord_Howe", {6: [(time(2), time(2, 20))]})
    saturday = local(LORD_HOWE, 2026, 10, 3, 12)

    assert next_open(calendar, saturday) == local(LORD_HOWE, 2026, 10, 11, 2)


def test_window_in_the_autumn_fold_starts_at_the_first_occurrence() -> None:
    # Given a Sunday window 02:30-03:30 in Paris, on 25 October 2026 02:30 happens twice:
    # the window starts at the first one (CEST) and runs two real hours.
    calendar = Calendar.weekly("Europe/Paris", {6: [(time(2, 30), time(3, 30))]})
    day_start, day_end = local(PARIS, 2026, 10, 25), local(PARIS, 2026, 10, 26)

    assert list(open_intervals(calendar, day_start, day_end)) == [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC))
    ]


def test_overnight_shift_is_one_period() -> None:
    # Given a night shift written as Monday 22:00-24:00 plus Tuesday 00:00-06:00, then it is
    # reported as a single period and a 3-hour target from 22:00 ends 01:00.
    calendar = Calendar.weekly("Europe/Paris", {0: [(time(22), time.max)], 1: [(time(0), time(6))]})
    monday, wednesday = local(PARIS, 2026, 3, 16), local(PARIS, 2026, 3, 18)

    assert list(open_intervals(calendar, monday, wednesday)) == [
        (local(PARIS, 2026, 3, 16, 22), local(PARIS, 2026, 3, 17, 6))
    ]
    deadline = add_business_minutes(calendar, local(PARIS, 2026, 3, 16, 22), 3 * 60)
    assert deadline == local(PARIS, 2026, 3, 17, 1)


def test_twenty_four_seven_is_one_period() -> None:
    start, end = local(PARIS, 2026, 3, 27, 8), local(PARIS, 2026, 4, 3, 8)
    for calendar in (Calendar.twenty_four_seven("Europe/Paris"), all_day_every_day("Europe/Paris")):
        assert list(open_intervals(calendar, start, end)) == [
            (start.astimezone(UTC), end.astimezone(UTC))
        ]


def test_open_intervals_are_clipped_to_the_query() -> None:
    intervals = list(
        open_intervals(paris_office(), local(PARIS, 2026, 3, 16, 10), local(PARIS, 2026, 3, 18, 12))
    )
    assert intervals == [
        (local(PARIS, 2026, 3, 16, 10), local(PARIS, 2026, 3, 16, 18)),
        (local(PARIS, 2026, 3, 17, 9), local(PARIS, 2026, 3, 17, 18)),
        (local(PARIS, 2026, 3, 18, 9), local(PARIS, 2026, 3, 18, 12)),
    ]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in intervals)


def test_opening_hours_are_half_open() -> None:
    desk = paris_office()
    assert is_open(desk, local(PARIS, 2026, 3, 16, 9))
    assert is_open(desk, local(PARIS, 2026, 3, 16, 18) - ONE_US)
    assert not is_open(desk, local(PARIS, 2026, 3, 16, 18))
    assert not is_open(desk, local(PARIS, 2026, 3, 16, 9) - ONE_US)


def test_a_target_that_uses_up_the_day_ends_at_closing_time_not_next_morning() -> None:
    desk = paris_office()
    deadline = add_business_minutes(desk, local(PARIS, 2026, 3, 16, 9), 9 * 60)

    assert deadline == local(PARIS, 2026, 3, 16, 18)
    assert add_business_minutes(desk, deadline, 0) == local(PARIS, 2026, 3, 17, 9)


def test_zero_minutes_is_the_next_opening() -> None:
    desk = paris_office()
    saturday = local(PARIS, 2026, 3, 14, 10)
    assert add_business_minutes(desk, saturday, 0) == local(PARIS, 2026, 3, 16, 9)
    assert add_business_minutes(desk, local(PARIS, 2026, 3, 16, 10), 0) == local(
        PARIS, 2026, 3, 16, 10
    )


def test_inputs_in_any_zone_outputs_in_utc() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    opened = local(tokyo, 2026, 3, 14, 0)  # Friday 16:00 in Paris
    deadline = add_business_minutes(paris_office(), opened, 4 * 60)
    assert deadline == local(PARIS, 2026, 3, 16, 11)
    assert deadline.tzinfo is UTC


def test_long_targets_are_computed_day_by_day_not_minute_by_minute() -> None:
    # 56 business days of 9 hours from Monday 5 January 2026 (no holiday before Easter).
    started = stopwatch.perf_counter()
    deadline = add_business_minutes(paris_office(), local(PARIS, 2026, 1, 5, 9), 56 * 9 * 60)
    elapsed = stopwatch.perf_counter() - started

    assert deadline == local(PARIS, 2026, 3, 23, 18)
    assert elapsed < 0.5


# --- invalid calendars and inputs ----------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c, at: is_open(c, at),
        lambda c, at: next_open(c, at),
        lambda c, at: add_business_minutes(c, at, 10),
        lambda c, at: business_minutes_between(c, at, at + timedelta(days=1)),
        lambda c, at: list(open_intervals(c, at, at + timedelta(days=1))),
    ],
)
def test_naive_datetimes_are_rejected(call: object) -> None:
    assert callable(call)
    with pytest.raises(CalendarError, match="timezone-aware"):
        call(paris_office(), datetime(2026, 3, 16, 10))


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Calendar("Mars/Olympus_Mons"), id="unknown-zone"),
        pytest.param(lambda: Calendar("../etc/passwd"), id="bad-zone"),
        pytest.param(lambda: OpenWindow(0, time(18), time(9)), id="end-before-start"),
        pytest.param(lambda: OpenWindow(0, time(9), time(9)), id="empty"),
        pytest.param(lambda: OpenWindow(0, time(22), time(0)), id="midnight-as-zero"),
        pytest.param(lambda: OpenWindow(7, time(9), time(18)), id="weekday"),
        pytest.param(
            lambda: Calendar.weekly("UTC", {0: [(time(9), time(13)), (time(12), time(18))]}),
            id="overlap",
        ),
        pytest.param(
            lambda: Calendar("UTC", (OpenWindow(0, time(9), time(18)),) * 2), id="duplicate"
        ),
        pytest.param(
            lambda: Calendar("UTC", holidays=frozenset({datetime(2026, 7, 14)})),
            id="datetime-holiday",
        ),
    ],
)
def test_invalid_calendars_are_rejected(build: object) -> None:
    assert callable(build)
    with pytest.raises(CalendarError):
        build()


def test_calendar_without_any_window_cannot_schedule() -> None:
    closed = Calendar("Europe/Paris")
    at = local(PARIS, 2026, 3, 16, 10)

    assert not is_open(closed, at)
    assert business_minutes_between(closed, at, at + timedelta(days=30)) == 0
    with pytest.raises(CalendarError, match="no opening window"):
        next_open(closed, at)
    with pytest.raises(CalendarError, match="no opening window"):
        add_business_minutes(closed, at, 60)


def test_calendar_closed_for_three_years_stops_searching() -> None:
    # Open Mondays only, and every Monday for four years is a holiday.
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(4 * 53)]
    calendar = Calendar.weekly("Europe/Paris", {0: [(time(9), time(18))]}, mondays)
    with pytest.raises(CalendarError, match="No open time"):
        next_open(calendar, local(PARIS, 2026, 1, 1))
    with pytest.raises(CalendarError, match="No open time"):
        add_business_minutes(calendar, local(PARIS, 2026, 1, 1), 60)


@pytest.mark.parametrize("minutes", [-1.0, math.nan, math.inf])
def test_minutes_must_be_finite_and_not_negative(minutes: float) -> None:
    with pytest.raises(ValueError, match="minutes"):
        add_business_minutes(paris_office(), local(PARIS, 2026, 3, 16, 10), minutes)


def test_window_order_does_not_matter() -> None:
    morning, afternoon = OpenWindow(0, time(9), time(12)), OpenWindow(0, time(14), time(18))
    assert Calendar("UTC", (afternoon, morning)) == Calendar("UTC", (morning, afternoon))
    assert hash(Calendar("UTC", (afternoon, morning))) == hash(
        Calendar("UTC", (morning, afternoon))
    )


# --- properties ----------------------------------------------------------------------------

TIME_ZONES = ("Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
# Days on which one of those zones changes its clocks, to land near transitions often.
TRANSITION_DAYS = (
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
)
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def quarter_hour(index: int) -> time:
    return time.max if index == 96 else time(index // 4, index % 4 * 15)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    tz = draw(st.sampled_from(TIME_ZONES))
    if draw(st.integers(0, 7)) == 0:
        return Calendar.twenty_four_seven(tz)
    windows: list[OpenWindow] = []
    for weekday in range(7):
        # Sorted distinct quarter-hour cuts, paired up: disjoint windows of >= 15 minutes.
        cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        windows += [
            OpenWindow(weekday, quarter_hour(a), quarter_hour(b))
            for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        ]
    if not windows:
        windows.append(OpenWindow(draw(st.integers(0, 6)), time(9), time(17)))
    closed_days = draw(st.frozensets(st.dates(date(2025, 12, 20), date(2027, 2, 1)), max_size=8))
    return Calendar(tz, tuple(windows), closed_days)


def instants() -> st.SearchStrategy[datetime]:
    anywhere = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
    near_clock_change = st.builds(
        lambda day, seconds: datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds),
        st.sampled_from(TRANSITION_DAYS),
        st.integers(-3 * 86_400, 3 * 86_400),
    )
    return st.one_of(anywhere, near_clock_change)


def durations() -> st.SearchStrategy[float]:
    return st.one_of(
        st.integers(0, 2_000).map(float),
        st.floats(0, 2_000, allow_nan=False, allow_infinity=False),
    )


@PROPERTIES
@given(calendars(), instants(), durations())
def test_deadline_closes_an_open_period_and_round_trips(
    calendar: Calendar, start: datetime, minutes: float
) -> None:
    assume(round(minutes * 60_000_000) > 0)

    deadline = add_business_minutes(calendar, start, minutes)

    assert deadline.tzinfo is UTC
    assert deadline > start
    assert is_open(calendar, deadline - ONE_US)
    assert list(open_intervals(calendar, start, deadline))[-1][1] == deadline
    assert business_minutes_between(calendar, start, deadline) == pytest.approx(minutes, abs=1e-6)


@PROPERTIES
@given(calendars(), instants(), durations(), durations())
def test_more_minutes_never_give_an_earlier_deadline(
    calendar: Calendar, start: datetime, a: float, b: float
) -> None:
    shorter, longer = sorted((a, b))
    early = add_business_minutes(calendar, start, shorter)
    late = add_business_minutes(calendar, start, longer)

    assert early <= late
    if round(shorter * 60_000_000) != round(longer * 60_000_000):
        assert early < late


@PROPERTIES
@given(calendars(), instants(), st.integers(0, 1_500), st.integers(0, 1_500))
def test_adding_in_two_steps_equals_adding_at_once(
    calendar: Calendar, start: datetime, a: int, b: int
) -> None:
    first_leg = add_business_minutes(calendar, start, a)
    two_steps = add_business_minutes(calendar, first_leg, b)

    if b > 0:
        assert two_steps == add_business_minutes(calendar, start, a + b)
    else:
        assert two_steps == next_open(calendar, first_leg)


@PROPERTIES
@given(calendars(), instants())
def test_next_open_is_open_and_nothing_before_it_is(calendar: Calendar, at: datetime) -> None:
    opening = next_open(calendar, at)

    assert opening >= at
    assert is_open(calendar, opening)
    assert list(open_intervals(calendar, at, opening)) == []
    assert business_minutes_between(calendar, at, opening) == 0
    assert add_business_minutes(calendar, at, 0) == opening
    if is_open(calendar, at):
        assert opening == at


@PROPERTIES
@given(calendars(), instants(), st.integers(0, 5 * 86_400), st.integers(0, 5 * 86_400))
def test_open_intervals_are_well_formed_and_agree_with_is_open(
    calendar: Calendar, start: datetime, first_s: int, second_s: int
) -> None:
    middle = start + timedelta(seconds=first_s)
    end = middle + timedelta(seconds=second_s)

    intervals = list(open_intervals(calendar, start, end))

    for s, e in intervals:
        assert s.tzinfo is UTC
        assert e.tzinfo is UTC
        assert start <= s < e <= end
    for (_, previous_end), (next_start, _) in pairwise(intervals):
        assert previous_end < next_start
        assert not is_open(calendar, previous_end)
    if middle < end:
        assert is_open(calendar, middle) == any(s <= middle < e for s, e in intervals)
    assert business_minutes_between(calendar, start, end) == pytest.approx(
        business_minutes_between(calendar, start, middle)
        + business_minutes_between(calendar, middle, end),
        abs=1e-9,
    )


# --- compiled index against the reference day walk -----------------------------------------


def agrees_with_the_day_walk(calendar: Calendar, a: datetime, b: datetime, minutes: float) -> None:
    start, end = sorted((a, b))
    assert is_open(calendar, a) == _walk_is_open(calendar, a)
    assert next_open(calendar, a) == _walk_next_open(calendar, a)
    assert add_business_minutes(calendar, a, minutes) == _walk_add_business_minutes(
        calendar, a, minutes
    )
    assert business_minutes_between(calendar, start, end) == _walk_business_minutes_between(
        calendar, start, end
    )
    assert list(open_intervals(calendar, start, end)) == list(
        _walk_open_intervals(calendar, start, end)
    )


@PROPERTIES
@given(calendars(), instants(), instants(), durations())
def test_compiled_index_agrees_with_the_day_walk(
    calendar: Calendar, a: datetime, b: datetime, minutes: float
) -> None:
    agrees_with_the_day_walk(calendar, a, b, minutes)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(available_timezones())),
    st.dates(date(1970, 1, 1), date(2040, 12, 31)),
    st.integers(0, 95).map(quarter_hour),
)
def test_fast_local_to_utc_matches_the_reference(zone_name: str, day: date, wall: time) -> None:
    zone = ZoneInfo(zone_name)
    assert _local_to_utc_us(zone, day, wall) == epoch_us(_local_to_utc(zone, day, wall))


@pytest.mark.parametrize("zone_name", TIME_ZONES)
def test_fast_local_to_utc_matches_the_reference_on_every_2026_transition(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    for day in TRANSITION_DAYS:
        for minute in range(0, 24 * 60, 10):
            wall = time(minute // 60, minute % 60)
            assert _local_to_utc_us(zone, day, wall) == epoch_us(_local_to_utc(zone, day, wall))


def night_shift() -> Calendar:
    """22:00-06:00 every night in New York: periods cross midnight, so block seams merge."""
    return Calendar.weekly(
        "America/New_York", {day: [(time(22), time.max), (time(0), time(6))] for day in range(7)}
    )


@pytest.mark.parametrize(
    "calendar",
    [
        pytest.param(paris_office(), id="paris-office"),
        pytest.param(night_shift(), id="night-shift"),
        pytest.param(all_day_every_day("Australia/Lord_Howe"), id="lord-howe-all-day"),
    ],
)
def test_the_cached_index_grows_both_ways_without_changing_answers(calendar: Calendar) -> None:
    # Given queries jumping back and forth over eight years, the cached index is grown at
    # both ends and merged at the seams; every answer stays the day walk's.
    rng = random.Random(3)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(40):
        a = base + timedelta(seconds=rng.randrange(-4 * 366 * 86_400, 4 * 366 * 86_400))
        b = a + timedelta(seconds=rng.randrange(0, 40 * 86_400))
        agrees_with_the_day_walk(calendar, a, b, rng.choice([0, 1, 90, 9 * 60, 5_000]))


def test_far_and_long_queries_fall_back_to_the_day_walk() -> None:
    # Outside the years the index holds, and over a range longer than it keeps.
    desk = paris_office()
    for at in (datetime(1850, 3, 1, tzinfo=UTC), datetime(2400, 3, 1, tzinfo=UTC)):
        agrees_with_the_day_walk(desk, at, at + timedelta(days=10), 600)
    start, end = datetime(1990, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert business_minutes_between(desk, start, end) == _walk_business_minutes_between(
        desk, start, end
    )


def test_calendar_closed_for_two_years_is_found_through_the_index() -> None:
    # Open Mondays only, every Monday of 2026 and 2027 a holiday: the first opening is
    # Monday 3 January 2028, within the three-year search horizon.
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(104)]
    calendar = Calendar.weekly("Europe/Paris", {0: [(time(9), time(18))]}, mondays)
    new_year = local(PARIS, 2026, 1, 1)

    assert next_open(calendar, new_year) == local(PARIS, 2028, 1, 3, 9)
    assert add_business_minutes(calendar, new_year, 60) == local(PARIS, 2028, 1, 3, 10)


def test_compile_calendar_covers_the_range_asked() -> None:
    desk = paris_office()
    start, end = epoch_us(local(PARIS, 2026, 3, 16)), epoch_us(local(PARIS, 2026, 3, 23))

    index = compile_calendar(desk, start_us=start, end_us=end)

    assert index.covers(start, end)
    assert index.open_us_before(end) - index.open_us_before(start) == 45 * 3_600_000_000
    friday_noon = epoch_us(local(PARIS, 2026, 3, 20, 12))
    assert index.is_open_at(friday_noon)
    assert from_epoch_us(index.next_open_at(friday_noon + 6 * 3_600_000_000) or 0) == local(
        PARIS, 2026, 3, 23, 9
    )
    # A range longer than the cache keeps is compiled once, for that call only.
    decades = compile_calendar(desk, start_us=epoch_us(local(PARIS, 1980, 1, 1)), end_us=end)
    assert decades.covers(epoch_us(local(PARIS, 1980, 1, 1)), end)
    with pytest.raises(CalendarError):
        compile_calendar(desk, start_us=end, end_us=start)


def test_business_time_queries_are_a_few_microseconds() -> None:
    # The SLA clocks of 100,000 incidents rest on these; the day walk took ~40-120 µs each.
    desk = paris_office()
    opened = local(PARIS, 2026, 3, 13, 16)
    add_business_minutes(desk, opened, 240)  # compile once
    started = stopwatch.perf_counter()
    for minutes in range(2_000):
        deadline = add_business_minutes(desk, opened, minutes)
        business_minutes_between(desk, opened, deadline)
    elapsed = stopwatch.perf_counter() - started

    assert elapsed < 0.5  # ~10 ms on a laptop; generous for loaded CI machines
