"""SLA clocks: worked examples a support manager would recognise, then properties.

Invariants checked by the property tests, for clocks recomputed from a status history:

* elapsed business time never exceeds the wall time of the spans the clock ran;
* elapsed is monotonic in ``now``;
* a running clock measured again at its ``deadline`` has used exactly its target and
  ``breached_at == deadline``; the deadline closes open time (the instant before is open);
* ``warned_at <= breached_at``;
* taking running time away (a pause) never makes a deadline earlier;
* the same history at the same ``now`` gives the same clock, whatever was computed in
  between (no drift), and the same as ``running_spans`` + ``measure`` and as the day walk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from escalade.engines.business_time import (
    Calendar,
    _walk_add_business_minutes,
    _walk_business_minutes_between,
    add_business_minutes,
    business_minutes_between,
    is_open,
)
from escalade.engines.sla import (
    RESOLUTION_PAUSE_STATUSES,
    RESOLUTION_STOP_STATUSES,
    Clock,
    ClockState,
    Span,
    first_response_clock,
    handoff_clock,
    measure,
    resolution_clock,
    running_spans,
)

PARIS = ZoneInfo("Europe/Paris")
ONE_US = timedelta(microseconds=1)
HOURS = 60.0  # minutes


def office_hours(tz: str, country: str, subdiv: str | None = None) -> Calendar:
    public_holidays = holidays.country_holidays(country, subdiv=subdiv, years=range(2025, 2028))
    return Calendar.weekly(tz, {day: [(time(9), time(18))] for day in range(5)}, public_holidays)


PARIS_DESK = office_hours("Europe/Paris", "FR")
LONDON_DESK = office_hours("Europe/London", "GB", subdiv="ENG")
PREMIER_24X7 = Calendar.twenty_four_seven("Europe/Paris")


def paris(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def severity_2_resolution(history: Sequence[tuple[datetime, str]], now: datetime) -> Clock:
    """Severity 2 on the Paris business-hours plan: resolution within 4 business hours."""
    return resolution_clock(calendar=PARIS_DESK, target_minutes=4 * HOURS, history=history, now=now)


# --- worked examples ---------------------------------------------------------------------

# Friday 13 March 2026, 17:00 in Paris; the next Monday is an ordinary working day.
FRIDAY_5PM = paris(3, 13, 17)


def test_severity_2_opened_friday_5pm_breaches_monday_noon() -> None:
    # Given a severity-2 incident opened on Friday at 17:00 with a 4-business-hour target,
    history = [(FRIDAY_5PM, "new"), (paris(3, 13, 17, 5), "open")]

    # when the clock is read on Saturday,
    saturday = severity_2_resolution(history, paris(3, 14, 11))
    # then one hour was used on Friday and the deadline is Monday 12:00 local;
    assert saturday.state is ClockState.RUNNING
    assert saturday.elapsed_minutes == 1 * HOURS
    assert saturday.remaining_minutes == 3 * HOURS
    assert saturday.deadline == paris(3, 16, 12)
    assert not saturday.breached

    # and read at Monday 12:00 it is breached exactly then.
    monday_noon = severity_2_resolution(history, paris(3, 16, 12))
    assert monday_noon.breached
    assert monday_noon.breached_at == monday_noon.deadline == paris(3, 16, 12)
    assert monday_noon.fraction_used == 1.0

    later = severity_2_resolution(history, paris(3, 16, 15))
    assert later.remaining_minutes == -3 * HOURS
    assert later.deadline == paris(3, 16, 12)
    assert later.deadline is not None
    assert later.deadline.tzinfo is UTC


def test_waiting_on_the_customer_pushes_the_deadline_by_the_business_time_waited() -> None:
    # Given the same incident, pending on the customer from Monday 10:00 to Tuesday 10:00,
    history = [
        (FRIDAY_5PM, "new"),
        (paris(3, 16, 10), "pending_customer"),
        (paris(3, 17, 10), "open"),
    ]

    # while waiting the clock is paused with no deadline;
    waiting = severity_2_resolution(history, paris(3, 16, 15))
    assert waiting.state is ClockState.PAUSED
    assert waiting.elapsed_minutes == 2 * HOURS
    assert waiting.deadline is None

    # once the customer answers, the deadline moved from Monday 12:00 to Tuesday 12:00:
    resumed = severity_2_resolution(history, paris(3, 17, 10, 30))
    assert resumed.state is ClockState.RUNNING
    assert resumed.deadline == paris(3, 17, 12)
    # by exactly the business time of the wait (Monday 10-18 and Tuesday 9-10: 9 hours).
    waited = business_minutes_between(PARIS_DESK, paris(3, 16, 10), paris(3, 17, 10))
    pushed = business_minutes_between(PARIS_DESK, paris(3, 16, 12), resumed.deadline)
    assert waited == pushed == 9 * HOURS


def test_a_reopened_incident_continues_from_the_time_already_used() -> None:
    # Given an incident opened Monday 09:00 and resolved at 11:00 (2 of its 4 hours used),
    history = [
        (paris(3, 16, 9), "new"),
        (paris(3, 16, 11), "resolved"),
        (paris(3, 18, 9), "reopened"),
    ]

    # the clock stops at resolution, then the customer reopens it on Wednesday 09:00,
    stopped = severity_2_resolution(history, paris(3, 17, 12))
    assert stopped.state is ClockState.STOPPED
    assert stopped.elapsed_minutes == 2 * HOURS
    assert stopped.deadline is None

    # and the clock resumes with 2 hours left: deadline Wednesday 11:00, no reset.
    reopened = severity_2_resolution(history, paris(3, 18, 9, 30))
    assert reopened.state is ClockState.RUNNING
    assert reopened.elapsed_minutes == 2.5 * HOURS
    assert reopened.deadline == paris(3, 18, 11)


def test_closed_stops_the_clock_like_resolved() -> None:
    history = [(paris(3, 16, 9), "new"), (paris(3, 16, 10), "closed")]
    clock = severity_2_resolution(history, paris(3, 20, 9))
    assert clock.state is ClockState.STOPPED
    assert clock.elapsed_minutes == 1 * HOURS


def test_the_evening_before_bastille_day_the_clock_waits_for_wednesday() -> None:
    # Given 14 July 2026 is a Tuesday and a French public holiday, when an incident opens
    # Monday 17:00 with 4 business hours, then 1 hour runs Monday and 3 on Wednesday.
    clock = severity_2_resolution([(paris(7, 13, 17), "new")], paris(7, 14, 12))

    assert clock.elapsed_minutes == 1 * HOURS
    assert clock.deadline == paris(7, 15, 12)


def test_a_24x7_plan_counts_real_minutes_across_the_clock_change() -> None:
    # Given a premier 24 x 7 plan and an incident opened Saturday 28 March 2026 at 12:00 in
    # Paris, the night the clocks go forward (02:00 -> 03:00) lasts one hour less:
    history = [(paris(3, 28, 12), "new")]
    clock = resolution_clock(
        calendar=PREMIER_24X7, target_minutes=24 * HOURS, history=history, now=paris(3, 29, 12)
    )

    # from Saturday noon to Sunday noon 23 real hours went by, and the 24-hour target
    # ends at 13:00 on the wall clock.
    assert clock.elapsed_minutes == 23 * HOURS
    assert clock.deadline == paris(3, 29, 13)
    assert clock.deadline - paris(3, 28, 12) == timedelta(hours=24)


def test_warning_at_75_percent_lands_after_three_of_four_business_hours() -> None:
    # Given the Friday 17:00 incident and a warning at 75 % of 4 hours (3 hours):
    history = [(FRIDAY_5PM, "new")]

    # before Monday 11:00 the warning is announced for then,
    early = severity_2_resolution(history, paris(3, 16, 10))
    assert early.warn_at == paris(3, 16, 11)
    assert not early.warned
    # and afterwards it has happened at that instant.
    late = severity_2_resolution(history, paris(3, 16, 11, 30))
    assert late.warned
    assert late.warned_at == late.warn_at == paris(3, 16, 11)
    assert late.fraction_used == pytest.approx(3.5 / 4)


def test_warning_share_is_configurable() -> None:
    clock = resolution_clock(
        calendar=PARIS_DESK,
        target_minutes=4 * HOURS,
        warn_ratio=0.5,
        history=[(paris(3, 16, 9), "new")],
        now=paris(3, 16, 9),
    )
    assert clock.warn_at == paris(3, 16, 11)


def test_paused_before_the_warning_has_no_warning_instant() -> None:
    history = [(paris(3, 16, 9), "new"), (paris(3, 16, 10), "pending_customer")]
    clock = severity_2_resolution(history, paris(3, 16, 15))
    assert clock.state is ClockState.PAUSED
    assert clock.warn_at is None
    assert clock.warned_at is None


def test_first_response_is_not_paused_by_waiting_on_the_customer() -> None:
    # Given an incident opened Monday 09:00 that goes pending_customer at 09:10 (the agent
    # asked for logs by the portal) and gets its first response by phone at 09:40,
    created, responded = paris(3, 16, 9), paris(3, 16, 9, 40)
    history = [(created, "new"), (paris(3, 16, 9, 10), "pending_customer")]

    # then the 1-hour first-response clock ran 40 minutes and stopped at the response,
    first_response = first_response_clock(
        calendar=PARIS_DESK,
        target_minutes=1 * HOURS,
        created_at=created,
        responded_at=responded,
        now=paris(3, 16, 12),
    )
    assert first_response.state is ClockState.STOPPED
    assert first_response.elapsed_minutes == 40
    assert first_response.deadline is None
    assert not first_response.breached
    # while the resolution clock stopped counting at 09:10.
    resolution = severity_2_resolution(history, paris(3, 16, 12))
    assert resolution.state is ClockState.PAUSED
    assert resolution.elapsed_minutes == 10


def test_first_response_not_given_yet_breaches_at_closing_time() -> None:
    # Given a 1-hour first-response target from Friday 17:00 and nobody answering, then
    # the clock breaches at 18:00 sharp (not on Monday 09:00) and still runs on Monday.
    clock = first_response_clock(
        calendar=PARIS_DESK,
        target_minutes=1 * HOURS,
        created_at=FRIDAY_5PM,
        responded_at=None,
        now=paris(3, 16, 10),
    )
    assert clock.state is ClockState.RUNNING
    assert clock.breached_at == clock.deadline == paris(3, 13, 18)
    assert clock.warned_at == paris(3, 13, 17, 45)
    assert clock.elapsed_minutes == 2 * HOURS


def test_each_stay_in_a_tier_has_its_own_handoff_clock() -> None:
    # Given L2 may hold a case 6 business hours: the case enters L2 Monday 14:00, goes back
    # to L1 Tuesday 10:00 (5 hours used), and returns to L2 Wednesday 09:00.
    first_stay = handoff_clock(
        calendar=PARIS_DESK,
        target_minutes=6 * HOURS,
        entered_at=paris(3, 16, 14),
        left_at=paris(3, 17, 10),
        now=paris(3, 18, 10),
    )
    second_stay = handoff_clock(
        calendar=PARIS_DESK,
        target_minutes=6 * HOURS,
        entered_at=paris(3, 18, 9),
        left_at=None,
        now=paris(3, 18, 10),
    )

    assert first_stay.state is ClockState.STOPPED
    assert first_stay.elapsed_minutes == 5 * HOURS
    assert second_stay.state is ClockState.RUNNING
    assert second_stay.elapsed_minutes == 1 * HOURS
    assert second_stay.deadline == paris(3, 18, 15)


def test_london_desk_follows_english_bank_holidays() -> None:
    # Easter Monday 6 April 2026 is a bank holiday in England: Thursday 2 April 17:00 plus
    # 4 hours runs 1 hour Thursday, skips Good Friday and Easter Monday, ends Tuesday 12:00.
    london = ZoneInfo("Europe/London")
    clock = resolution_clock(
        calendar=LONDON_DESK,
        target_minutes=4 * HOURS,
        history=[(datetime(2026, 4, 2, 17, tzinfo=london), "new")],
        now=datetime(2026, 4, 3, 12, tzinfo=london),
    )
    assert clock.deadline == datetime(2026, 4, 7, 12, tzinfo=london)


def test_running_spans_follow_pauses_stops_and_reopening() -> None:
    history = [
        (paris(3, 16, 9), "new"),
        (paris(3, 16, 9, 5), "open"),
        (paris(3, 16, 10), "pending_customer"),
        (paris(3, 16, 11), "pending_vendor"),  # waiting on a vendor: the clock runs
        (paris(3, 16, 12), "resolved"),
        (paris(3, 16, 13), "reopened"),
        (paris(3, 16, 14), "closed"),
        (paris(3, 16, 15), "reopened"),
    ]
    spans = running_spans(
        history=history,
        pause_statuses=RESOLUTION_PAUSE_STATUSES,
        stop_statuses=RESOLUTION_STOP_STATUSES,
        now=paris(3, 16, 16),
    )
    assert spans == [
        (paris(3, 16, 9), paris(3, 16, 10)),
        (paris(3, 16, 11), paris(3, 16, 12)),
        (paris(3, 16, 13), paris(3, 16, 14)),
        (paris(3, 16, 15), None),
    ]


def test_history_out_of_order_is_sorted_and_later_transitions_are_ignored() -> None:
    history = [
        (paris(3, 16, 12), "resolved"),
        (paris(3, 16, 9), "new"),
        (paris(3, 16, 10), "pending_customer"),
        (paris(3, 16, 10), "open"),  # same instant: kept after pending_customer (stable)
    ]
    spans = running_spans(
        history=history,
        pause_statuses=RESOLUTION_PAUSE_STATUSES,
        stop_statuses=RESOLUTION_STOP_STATUSES,
        now=paris(3, 16, 11),
    )
    assert spans == [(paris(3, 16, 9), paris(3, 16, 10)), (paris(3, 16, 10), None)]
    assert severity_2_resolution(history, paris(3, 16, 11)).elapsed_minutes == 2 * HOURS


def test_measure_reports_paused_only_when_told() -> None:
    spans: list[Span] = [(paris(3, 16, 9), paris(3, 16, 10))]
    now = paris(3, 16, 11)
    stopped = measure(calendar=PARIS_DESK, target_minutes=240, spans=spans, now=now)
    paused = measure(calendar=PARIS_DESK, target_minutes=240, spans=spans, now=now, paused=True)
    assert stopped.state is ClockState.STOPPED
    assert paused.state is ClockState.PAUSED
    assert paused.elapsed_minutes == stopped.elapsed_minutes == 60


def test_spans_are_clipped_to_now() -> None:
    spans: list[Span] = [(paris(3, 16, 9), paris(3, 16, 12)), (paris(3, 16, 14), None)]
    clock = measure(calendar=PARIS_DESK, target_minutes=240, spans=spans, now=paris(3, 16, 10))
    assert clock.state is ClockState.RUNNING  # the first span still runs at 10:00
    assert clock.elapsed_minutes == 60
    assert clock.deadline == paris(3, 16, 13)


# --- invalid input -------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 16, 9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: severity_2_resolution([(NAIVE, "new")], paris(3, 16, 10)),
            "timezone-aware",
            id="naive-history",
        ),
        pytest.param(
            lambda: severity_2_resolution([(paris(3, 16, 9), "new")], NAIVE),
            "timezone-aware",
            id="naive-now",
        ),
        pytest.param(
            lambda: measure(
                calendar=PARIS_DESK, target_minutes=60, spans=[(NAIVE, None)], now=paris(3, 16)
            ),
            "timezone-aware",
            id="naive-span",
        ),
        pytest.param(
            lambda: severity_2_resolution([], paris(3, 16, 10)), "empty", id="empty-history"
        ),
        pytest.param(
            lambda: severity_2_resolution([(paris(3, 16, 9), "new")], paris(3, 16, 8)),
            "before the incident was created",
            id="now-before-creation",
        ),
        pytest.param(
            lambda: first_response_clock(
                calendar=PARIS_DESK,
                target_minutes=60,
                created_at=paris(3, 16, 9),
                responded_at=paris(3, 16, 8),
                now=paris(3, 16, 10),
            ),
            "before it starts",
            id="response-before-creation",
        ),
        pytest.param(
            lambda: measure(
                calendar=PARIS_DESK,
                target_minutes=60,
                spans=[(paris(3, 16, 9), None), (paris(3, 16, 11), paris(3, 16, 12))],
                now=paris(3, 16, 13),
            ),
            "Only the last span",
            id="open-span-not-last",
        ),
        pytest.param(
            lambda: measure(
                calendar=PARIS_DESK,
                target_minutes=60,
                spans=[(paris(3, 16, 9), paris(3, 16, 11)), (paris(3, 16, 10), None)],
                now=paris(3, 16, 13),
            ),
            "must not overlap",
            id="overlap",
        ),
        pytest.param(
            lambda: measure(
                calendar=PARIS_DESK,
                target_minutes=60,
                spans=[(paris(3, 16, 11), paris(3, 16, 10))],
                now=paris(3, 16, 13),
            ),
            "before it starts",
            id="span-backwards",
        ),
        pytest.param(
            lambda: running_spans(
                history=[(paris(3, 16, 9), "new")],
                pause_statuses=frozenset({"pending_customer"}),
                stop_statuses=frozenset({"pending_customer", "resolved"}),
                now=paris(3, 16, 10),
            ),
            "both pause and stop",
            id="status-pauses-and-stops",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("target", [0.0, -5.0, float("nan"), float("inf"), 1e-12])
def test_target_must_be_positive_and_finite(target: float) -> None:
    with pytest.raises(ValueError, match="target_minutes"):
        resolution_clock(
            calendar=PARIS_DESK,
            target_minutes=target,
            history=[(paris(3, 16, 9), "new")],
            now=paris(3, 16, 10),
        )


@pytest.mark.parametrize("ratio", [0.0, 1.0, 1.5, -0.1, float("nan")])
def test_warn_ratio_must_be_strictly_between_0_and_1(ratio: float) -> None:
    with pytest.raises(ValueError, match="warn_ratio"):
        resolution_clock(
            calendar=PARIS_DESK,
            target_minutes=60,
            warn_ratio=ratio,
            history=[(paris(3, 16, 9), "new")],
            now=paris(3, 16, 10),
        )


# --- properties ----------------------------------------------------------------------------

PROPERTIES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATUSES = ("open", "pending_customer", "pending_vendor", "resolved", "closed", "reopened")
NEW_YORK_NIGHTS = Calendar.weekly(  # an overnight shift, across a DST zone's midnights
    "America/New_York", {day: [(time(20), time.max), (time(0), time(4))] for day in range(5)}
)
LORD_HOWE_DAYS = Calendar.weekly(  # a half-hour DST shift
    "Australia/Lord_Howe", {day: [(time(8), time(12)), (time(13), time(17))] for day in range(6)}
)
CALENDARS = (PARIS_DESK, LONDON_DESK, PREMIER_24X7, NEW_YORK_NIGHTS, LORD_HOWE_DAYS)
# Around the 2026 clock changes of those zones, and anywhere in 2026.
CLOCK_CHANGES = (date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4))


def creation_instants() -> st.SearchStrategy[datetime]:
    anywhere = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1), timezones=st.just(UTC))
    near_clock_change = st.builds(
        lambda day, seconds: datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds),
        st.sampled_from(CLOCK_CHANGES),
        st.integers(-4 * 86_400, 2 * 86_400),
    )
    return st.one_of(anywhere, near_clock_change)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[datetime, str]]:
    at = draw(creation_instants())
    history = [(at, "new")]
    for status in draw(st.lists(st.sampled_from(STATUSES), max_size=8)):
        at += timedelta(seconds=draw(st.integers(0, 3 * 86_400)))
        history.append((at, status))
    return history


def targets() -> st.SearchStrategy[float]:
    return st.one_of(
        st.sampled_from([30.0, 60.0, 240.0, 480.0, 1_440.0, 2_880.0]),
        st.floats(0.5, 5_000, allow_nan=False, allow_infinity=False),
    )


def offsets() -> st.SearchStrategy[timedelta]:
    return st.integers(0, 20 * 86_400_000_000).map(lambda us: timedelta(microseconds=us))


def spans_of(history: list[tuple[datetime, str]], now: datetime) -> list[Span]:
    return running_spans(
        history=history,
        pause_statuses=RESOLUTION_PAUSE_STATUSES,
        stop_statuses=RESOLUTION_STOP_STATUSES,
        now=now,
    )


def resolution(
    calendar: Calendar, target: float, history: list[tuple[datetime, str]], now: datetime
) -> Clock:
    return resolution_clock(calendar=calendar, target_minutes=target, history=history, now=now)


@PROPERTIES
@given(st.sampled_from(CALENDARS), targets(), histories(), offsets())
def test_elapsed_never_exceeds_the_wall_time_the_clock_ran(
    calendar: Calendar, target: float, history: list[tuple[datetime, str]], after: timedelta
) -> None:
    now = history[0][0] + after
    clock = resolution(calendar, target, history, now)

    wall = sum(((end or now) - start for start, end in spans_of(history, now)), timedelta())
    assert 0 <= clock.elapsed_minutes <= wall / timedelta(minutes=1) + 1e-9
    # Targets are kept to the microsecond (1 µs is 1.7e-8 minutes).
    assert clock.target_minutes == pytest.approx(target, abs=1e-8)
    assert clock.remaining_minutes == pytest.approx(
        clock.target_minutes - clock.elapsed_minutes, abs=1e-9
    )


@PROPERTIES
@given(st.sampled_from(CALENDARS), targets(), histories(), offsets(), offsets())
def test_elapsed_is_monotonic_in_now(
    calendar: Calendar,
    target: float,
    history: list[tuple[datetime, str]],
    a: timedelta,
    b: timedelta,
) -> None:
    earlier, later = (history[0][0] + offset for offset in sorted((a, b)))

    first = resolution(calendar, target, history, earlier)
    second = resolution(calendar, target, history, later)

    assert first.elapsed_minutes <= second.elapsed_minutes
    if first.breached:
        assert second.breached_at == first.breached_at
    if first.warned:
        assert second.warned_at == first.warned_at


@PROPERTIES
@given(st.sampled_from(CALENDARS), targets(), histories(), offsets())
def test_a_running_clock_read_at_its_deadline_has_used_exactly_its_target(
    calendar: Calendar, target: float, history: list[tuple[datetime, str]], after: timedelta
) -> None:
    now = history[0][0] + after
    past = [entry for entry in history if entry[0] <= now]  # what is known at `now`
    clock = resolution(calendar, target, past, now)
    assume(clock.state is ClockState.RUNNING and not clock.breached)
    assert clock.deadline is not None
    assert clock.warn_at is not None

    at_deadline = resolution(calendar, target, past, clock.deadline)

    assert at_deadline.elapsed_minutes == pytest.approx(target, abs=1e-6)
    assert at_deadline.breached_at == clock.deadline == at_deadline.deadline
    assert is_open(calendar, clock.deadline - ONE_US)  # a deadline closes open time
    assert clock.deadline > now
    assert clock.warn_at <= clock.deadline


@PROPERTIES
@given(st.sampled_from(CALENDARS), targets(), st.floats(0.05, 0.95), histories(), offsets())
def test_warning_comes_before_breach(
    calendar: Calendar,
    target: float,
    ratio: float,
    history: list[tuple[datetime, str]],
    after: timedelta,
) -> None:
    now = history[0][0] + after
    clock = resolution_clock(
        calendar=calendar, target_minutes=target, warn_ratio=ratio, history=history, now=now
    )

    if clock.breached:
        assert clock.warned_at is not None
        assert clock.breached_at is not None
        assert clock.warned_at <= clock.breached_at <= now
        assert is_open(calendar, clock.breached_at - ONE_US)
    if clock.warned_at is not None:
        assert clock.warned_at <= now
        assert clock.warn_at == clock.warned_at


@PROPERTIES
@given(
    st.sampled_from(CALENDARS), targets(), histories(), offsets(), offsets(), st.integers(0, 86_400)
)
def test_pausing_never_brings_a_deadline_forward(
    calendar: Calendar,
    target: float,
    history: list[tuple[datetime, str]],
    after: timedelta,
    pause_offset: timedelta,
    pause_seconds: int,
) -> None:
    now = history[0][0] + after
    spans = spans_of(history, now)
    pause_start = history[0][0] + pause_offset
    pause_end = pause_start + timedelta(seconds=pause_seconds)
    # The same spans with [pause_start, pause_end) taken out.
    paused_spans: list[Span] = []
    for start, end in spans:
        if (end is not None and end <= pause_start) or start >= pause_end:
            paused_spans.append((start, end))
            continue
        if start < pause_start:
            paused_spans.append((start, pause_start))
        if end is None or end > pause_end:
            paused_spans.append((pause_end, end))

    plain = measure(calendar=calendar, target_minutes=target, spans=spans, now=now)
    with_pause = measure(calendar=calendar, target_minutes=target, spans=paused_spans, now=now)

    assert with_pause.elapsed_minutes <= plain.elapsed_minutes
    if plain.deadline is not None and with_pause.deadline is not None:
        assert with_pause.deadline >= plain.deadline


@PROPERTIES
@given(st.sampled_from(CALENDARS), targets(), histories(), offsets())
def test_a_clock_recomputed_from_the_same_history_is_identical(
    calendar: Calendar, target: float, history: list[tuple[datetime, str]], after: timedelta
) -> None:
    now = history[0][0] + after
    clock = resolution(calendar, target, history, now)

    # Unrelated reads far before and after grow the calendar's cached index in between.
    business_minutes_between(calendar, datetime(2023, 1, 2, tzinfo=UTC), now)
    add_business_minutes(calendar, now, 200_000)

    assert resolution(calendar, target, history, now) == clock
    via_spans = measure(
        calendar=calendar,
        target_minutes=target,
        spans=spans_of(history, now),
        now=now,
        paused=clock.state is ClockState.PAUSED,
    )
    assert via_spans == clock


@PROPERTIES
@given(st.sampled_from(CALENDARS), targets(), histories(), offsets())
def test_clock_agrees_with_the_day_walk(
    calendar: Calendar, target: float, history: list[tuple[datetime, str]], after: timedelta
) -> None:
    now = history[0][0] + after
    clock = resolution(calendar, target, history, now)

    walked = sum(
        _walk_business_minutes_between(calendar, start, end or now)
        for start, end in spans_of(history, now)
    )
    assert clock.elapsed_minutes == pytest.approx(walked, abs=1e-9)
    if clock.state is ClockState.RUNNING and not clock.breached:
        assert clock.deadline == _walk_add_business_minutes(calendar, now, clock.remaining_minutes)
