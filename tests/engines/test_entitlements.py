"""Contract eligibility and incident allowance, as a support manager would check them.

Properties: ``used`` is never negative whatever refunds the ledger holds, ``remaining`` is
``max(0, allowance - used)``, and allowance periods contain their date, start on an
anniversary of the contract start and tile the contract without gaps or overlaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalade.engines.business_time import Calendar
from escalade.engines.entitlements import (
    REASON_MESSAGES,
    ContractState,
    ContractTerms,
    EntitlementTerms,
    EntryKind,
    LedgerEntry,
    Period,
    Reason,
    bug_refund,
    check_eligibility,
    contract_state,
    period_window,
    remaining_allowance,
)

PARIS = ZoneInfo("Europe/Paris")
PRODUCT_SERVER, PRODUCT_DESKTOP, PRODUCT_LEGACY = 1, 2, 99


def paris_desk() -> Calendar:
    french_holidays = holidays.country_holidays("FR", years=range(2025, 2028))
    return Calendar.weekly(
        "Europe/Paris", {day: [(time(9), time(18))] for day in range(5)}, french_holidays.keys()
    )


def contract(
    *,
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2026, 12, 31),
    cancelled_on: date | None = None,
    calendar: Calendar | None = None,
) -> ContractTerms:
    return ContractTerms(
        starts_on=starts_on,
        ends_on=ends_on,
        cancelled_on=cancelled_on,
        product_ids=frozenset({PRODUCT_SERVER, PRODUCT_DESKTOP}),
        channels=frozenset({"phone", "email", "web"}),
        calendar=calendar or paris_desk(),
    )


TWO_A_YEAR = EntitlementTerms(
    entitlement_id=10,
    name="Critical incidents",
    allowance=2,
    period=Period.YEARLY,
    counted_severities=frozenset({1, 2}),
    excludes_bugs=True,
)


def consume(entry_id: int, when: datetime, entitlement_id: int = 10) -> LedgerEntry:
    return LedgerEntry(entry_id, entitlement_id, EntryKind.CONSUME, 1, when)


def refund(
    entry_id: int, when: datetime, refunds: int | None, entitlement_id: int = 10, quantity: int = 1
) -> LedgerEntry:
    return LedgerEntry(entry_id, entitlement_id, EntryKind.REFUND, quantity, when, refunds)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def request(
    terms: ContractTerms,
    *,
    entries: Sequence[LedgerEntry] = (),
    product_id: int = PRODUCT_SERVER,
    channel: str = "email",
    severity: int = 1,
    at: datetime | None = None,
) -> tuple[Reason, ...]:
    return check_eligibility(
        contract=terms,
        entitlements=[TWO_A_YEAR],
        entries=entries,
        product_id=product_id,
        channel=channel,
        severity=severity,
        at=at or paris(2026, 6, 10, 10),  # a Wednesday, mid-morning
    ).reasons


# --- two critical incidents a year, bugs refunded ------------------------------------------


def test_two_incidents_a_year_then_the_allowance_is_exhausted() -> None:
    # Given two critical incidents already this contract year,
    entries = [consume(1, paris(2026, 2, 3, 10)), consume(2, paris(2026, 5, 4, 15))]

    # when a third critical request arrives, then it is refused for the allowance only.
    eligibility = check_eligibility(
        contract=contract(),
        entitlements=[TWO_A_YEAR],
        entries=entries,
        product_id=PRODUCT_SERVER,
        channel="phone",
        severity=1,
        at=paris(2026, 6, 10, 10),
    )

    assert not eligibility.covered
    assert eligibility.reasons == (Reason.ALLOWANCE_EXHAUSTED,)
    (allowance,) = eligibility.allowances
    assert (allowance.used, allowance.remaining) == (2, 0)
    assert (allowance.period_start, allowance.period_end) == (date(2026, 1, 1), date(2026, 12, 31))


def test_an_incident_that_turns_out_to_be_a_bug_gives_its_unit_back() -> None:
    # Given two incidents this year, when the May one is found to be a product bug,
    first, second = consume(1, paris(2026, 2, 3, 10)), consume(2, paris(2026, 5, 4, 15))
    give_back = bug_refund(
        terms=TWO_A_YEAR, consume=second, entry_id=3, occurred_at=paris(2026, 5, 20, 11)
    )
    assert give_back is not None

    # then one incident is left for the rest of the year.
    allowance = remaining_allowance(
        terms=TWO_A_YEAR,
        contract=contract(),
        entries=[first, second, give_back],
        on=date(2026, 6, 10),
        tz="Europe/Paris",
    )
    assert (allowance.used, allowance.remaining) == (1, 1)
    assert request(contract(), entries=[first, second, give_back]) == ()


def test_bugs_count_like_any_incident_when_the_entitlement_says_so() -> None:
    counts_bugs = EntitlementTerms(10, "All incidents", 2, Period.YEARLY, frozenset({1}), False)
    incident = consume(1, paris(2026, 2, 3, 10))
    assert (
        bug_refund(terms=counts_bugs, consume=incident, entry_id=2, occurred_at=paris(2026, 2, 4))
        is None
    )


def test_a_late_refund_gives_back_in_the_period_of_the_incident() -> None:
    # Given a yearly allowance running from each 1 June, an incident on 20 May 2026 and its
    # bug refund on 10 June 2026 (next contract year),
    terms = contract(starts_on=date(2025, 6, 1), ends_on=date(2027, 5, 31))
    entries = [consume(1, paris(2026, 5, 20, 10)), refund(2, paris(2026, 6, 10, 9), refunds=1)]

    def used_on(day: date) -> int:
        return remaining_allowance(
            terms=TWO_A_YEAR, contract=terms, entries=entries, on=day, tz="Europe/Paris"
        ).used

    # then the May year gets its unit back and the new year is not credited an extra one.
    assert used_on(date(2026, 5, 25)) == 0
    assert used_on(date(2026, 6, 15)) == 0


def test_a_refund_without_its_incident_counts_on_its_own_date() -> None:
    entries = [
        consume(1, paris(2026, 2, 3)),
        consume(2, paris(2026, 3, 3)),
        refund(3, paris(2026, 4, 1), None),
    ]
    allowance = remaining_allowance(
        terms=TWO_A_YEAR,
        contract=contract(),
        entries=entries,
        on=date(2026, 6, 1),
        tz="Europe/Paris",
    )
    assert (allowance.used, allowance.remaining) == (1, 1)


def test_a_duplicated_refund_row_does_not_credit_twice() -> None:
    entries = [
        consume(1, paris(2026, 2, 3)),
        consume(2, paris(2026, 3, 3)),
        refund(3, paris(2026, 4, 1), refunds=2),
        refund(4, paris(2026, 4, 1), refunds=2),
    ]
    allowance = remaining_allowance(
        terms=TWO_A_YEAR,
        contract=contract(),
        entries=entries,
        on=date(2026, 6, 1),
        tz="Europe/Paris",
    )
    assert (allowance.used, allowance.remaining) == (1, 1)


def test_other_entitlements_entries_are_ignored() -> None:
    entries = [consume(1, paris(2026, 2, 3), entitlement_id=11), consume(2, paris(2026, 3, 3))]
    allowance = remaining_allowance(
        terms=TWO_A_YEAR,
        contract=contract(),
        entries=entries,
        on=date(2026, 6, 1),
        tz="Europe/Paris",
    )
    assert allowance.used == 1


def test_usage_is_bucketed_by_local_date() -> None:
    # 31 December 23:30 UTC is already 1 January in Paris: next month's allowance.
    monthly = EntitlementTerms(12, "Monthly", 5, Period.MONTHLY, frozenset({1, 2, 3, 4}), False)
    terms = contract(ends_on=date(2027, 12, 31))
    entries = [consume(1, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), entitlement_id=12)]

    def used_on(day: date) -> int:
        return remaining_allowance(
            terms=monthly, contract=terms, entries=entries, on=day, tz="Europe/Paris"
        ).used

    assert used_on(date(2026, 12, 15)) == 0
    assert used_on(date(2027, 1, 15)) == 1


def test_used_is_reported_even_beyond_the_allowance() -> None:
    entries = [consume(n, paris(2026, 2, n)) for n in range(1, 4)]
    allowance = remaining_allowance(
        terms=TWO_A_YEAR,
        contract=contract(),
        entries=entries,
        on=date(2026, 6, 1),
        tz="Europe/Paris",
    )
    assert (allowance.allowance, allowance.used, allowance.remaining) == (2, 3, 0)


def test_severities_not_counted_do_not_consume_nor_get_refused() -> None:
    # Given the critical allowance is used up, a severity-4 question is still covered.
    entries = [consume(1, paris(2026, 2, 3)), consume(2, paris(2026, 3, 3))]
    eligibility = check_eligibility(
        contract=contract(),
        entitlements=[TWO_A_YEAR],
        entries=entries,
        product_id=PRODUCT_SERVER,
        channel="web",
        severity=4,
        at=paris(2026, 6, 10, 10),
    )
    assert eligibility.covered
    assert eligibility.allowances == ()


# --- allowance periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(date(2024, 3, 1), (date(2024, 2, 29), date(2025, 2, 27)), id="first-year"),
        pytest.param(date(2025, 2, 27), (date(2024, 2, 29), date(2025, 2, 27)), id="last-day"),
        pytest.param(date(2025, 2, 28), (date(2025, 2, 28), date(2026, 2, 27)), id="feb-28"),
        pytest.param(date(2027, 12, 1), (date(2027, 2, 28), date(2028, 2, 28)), id="to-leap"),
        pytest.param(date(2028, 2, 29), (date(2028, 2, 29), date(2028, 12, 31)), id="clipped"),
    ],
)
def test_yearly_allowance_renews_on_the_29_february_anniversary(
    on: date, expected: tuple[date, date]
) -> None:
    # A contract signed on 29 February renews on 28 February in common years.
    window = period_window(
        period=Period.YEARLY,
        contract_start=date(2024, 2, 29),
        contract_end=date(2028, 12, 31),
        on=on,
    )
    assert window == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(date(2026, 2, 15), (date(2026, 1, 31), date(2026, 2, 27))),
        pytest.param(date(2026, 2, 28), (date(2026, 2, 28), date(2026, 3, 30))),
        pytest.param(date(2026, 3, 31), (date(2026, 3, 31), date(2026, 4, 29))),
        pytest.param(date(2026, 4, 30), (date(2026, 4, 30), date(2026, 5, 30))),
    ],
)
def test_monthly_allowance_renews_on_the_start_day_clamped_to_short_months(
    on: date, expected: tuple[date, date]
) -> None:
    window = period_window(
        period=Period.MONTHLY,
        contract_start=date(2026, 1, 31),
        contract_end=date(2027, 1, 30),
        on=on,
    )
    assert window == expected


def test_contract_term_allowance_spans_the_whole_contract() -> None:
    window = period_window(
        period=Period.CONTRACT_TERM,
        contract_start=date(2026, 1, 1),
        contract_end=date(2028, 6, 30),
        on=date(2027, 4, 1),
    )
    assert window == (date(2026, 1, 1), date(2028, 6, 30))


def test_dates_outside_the_contract_use_its_first_or_last_period() -> None:
    def window(on: date) -> tuple[date, date]:
        return period_window(
            period=Period.YEARLY,
            contract_start=date(2025, 6, 1),
            contract_end=date(2027, 5, 31),
            on=on,
        )

    assert window(date(2024, 1, 1)) == (date(2025, 6, 1), date(2026, 5, 31))
    assert window(date(2030, 1, 1)) == (date(2026, 6, 1), date(2027, 5, 31))


# --- contract state ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "cancelled_on", "state"),
    [
        pytest.param(date(2025, 12, 31), None, ContractState.PENDING, id="day-before-start"),
        pytest.param(date(2026, 1, 1), None, ContractState.ACTIVE, id="first-day"),
        pytest.param(date(2026, 12, 31), None, ContractState.ACTIVE, id="last-day"),
        pytest.param(date(2027, 1, 1), None, ContractState.EXPIRED, id="day-after-end"),
        pytest.param(date(2026, 6, 9), date(2026, 6, 10), ContractState.ACTIVE, id="before-cancel"),
        pytest.param(
            date(2026, 6, 10), date(2026, 6, 10), ContractState.CANCELLED, id="cancel-day"
        ),
        pytest.param(
            date(2025, 12, 1), date(2025, 11, 1), ContractState.CANCELLED, id="never-began"
        ),
        pytest.param(date(2027, 3, 1), date(2027, 2, 1), ContractState.EXPIRED, id="cancel-late"),
    ],
)
def test_contract_state(today: date, cancelled_on: date | None, state: ContractState) -> None:
    assert contract_state(contract(cancelled_on=cancelled_on), today) == state


# --- eligibility ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        pytest.param(contract(starts_on=date(2026, 7, 1)), Reason.CONTRACT_PENDING, id="pending"),
        pytest.param(contract(ends_on=date(2026, 3, 31)), Reason.CONTRACT_EXPIRED, id="expired"),
        pytest.param(
            contract(cancelled_on=date(2026, 5, 1)), Reason.CONTRACT_CANCELLED, id="cancelled"
        ),
    ],
)
def test_requests_outside_the_contract_life_are_refused(
    terms: ContractTerms, reason: Reason
) -> None:
    assert request(terms) == (reason,)


def test_contract_end_is_judged_on_the_local_date() -> None:
    # 31 December 23:30 UTC is 1 January 00:30 in Paris: the contract has ended there.
    late_evening = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert request(contract(), at=late_evening) == (Reason.CONTRACT_EXPIRED,)


def test_product_not_covered() -> None:
    assert request(contract(), product_id=PRODUCT_LEGACY) == (Reason.PRODUCT_NOT_COVERED,)


def test_phone_outside_hours_is_refused_but_email_is_accepted() -> None:
    # Given business hours 09:00-18:00, on Saturday morning the phone line is closed but an
    # email simply waits in the queue until Monday.
    saturday = paris(2026, 6, 13, 10)
    assert request(contract(), channel="phone", at=saturday) == (Reason.OUTSIDE_HOURS,)
    assert request(contract(), channel="email", at=saturday) == ()
    assert request(contract(), channel="web", at=saturday) == ()
    assert request(contract(), channel="phone", at=paris(2026, 6, 12, 10)) == ()


def test_phone_on_a_public_holiday_is_outside_hours() -> None:
    assert request(contract(), channel="phone", at=paris(2026, 7, 14, 10)) == (
        Reason.OUTSIDE_HOURS,
    )


def test_twenty_four_seven_phone_line_is_always_open() -> None:
    terms = contract(calendar=Calendar.twenty_four_seven("Europe/Paris"))
    assert request(terms, channel="phone", at=paris(2026, 6, 14, 3)) == ()


def test_chat_not_in_contract_and_closed_reports_both() -> None:
    saturday = paris(2026, 6, 13, 10)
    assert request(contract(), channel="chat", at=saturday) == (
        Reason.CHANNEL_NOT_ALLOWED,
        Reason.OUTSIDE_HOURS,
    )


def test_every_failing_reason_is_reported_at_once() -> None:
    # Given an expired contract, an uncovered product, a Sunday phone call and no incident
    # left, then all four problems are listed, each with a readable message.
    terms = contract(starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    entries = [consume(1, paris(2025, 3, 3)), consume(2, paris(2025, 9, 3))]

    eligibility = check_eligibility(
        contract=terms,
        entitlements=[TWO_A_YEAR],
        entries=entries,
        product_id=PRODUCT_LEGACY,
        channel="phone",
        severity=2,
        at=paris(2026, 2, 1, 10),
    )

    assert not eligibility.covered
    assert eligibility.reasons == (
        Reason.CONTRACT_EXPIRED,
        Reason.PRODUCT_NOT_COVERED,
        Reason.OUTSIDE_HOURS,
        Reason.ALLOWANCE_EXHAUSTED,
    )
    assert eligibility.messages() == tuple(REASON_MESSAGES[r] for r in eligibility.reasons)
    assert eligibility.messages()[0] == "The support contract has expired."


def test_every_reason_has_a_message() -> None:
    assert set(REASON_MESSAGES) == set(Reason)
    assert all(message.endswith(".") for message in REASON_MESSAGES.values())


def test_reason_values_are_snake_case() -> None:
    # The values are stored and sent to the API, so they must stay stable identifiers.
    assert [reason.value for reason in Reason] == [reason.name.lower() for reason in Reason]
    assert str(Reason.OUTSIDE_HOURS) == "outside_hours"


def test_naive_request_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        request(contract(), at=datetime(2026, 6, 10, 10))


# --- properties ----------------------------------------------------------------------------

PROPERTIES = settings(max_examples=200, deadline=None)


@st.composite
def ledgers(draw: st.DrawFn) -> list[LedgerEntry]:
    moments = st.datetimes(datetime(2025, 12, 1), datetime(2027, 2, 1), timezones=st.just(UTC))
    entries: list[LedgerEntry] = []
    for entry_id in range(1, draw(st.integers(0, 12)) + 1):
        entitlement_id = draw(st.sampled_from([10, 10, 10, 11]))
        quantity = draw(st.integers(0, 3))
        if draw(st.booleans()):
            entries.append(
                LedgerEntry(entry_id, entitlement_id, EntryKind.CONSUME, quantity, draw(moments))
            )
        else:
            # Refunds may point at nothing, at an unknown id, at a refund, or twice at one consume.
            target = draw(st.none() | st.integers(1, 14))
            entries.append(
                LedgerEntry(
                    entry_id, entitlement_id, EntryKind.REFUND, quantity, draw(moments), target
                )
            )
    return entries


@PROPERTIES
@given(ledgers(), st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.integers(0, 4))
def test_used_is_never_negative_and_remaining_is_what_is_left(
    entries: list[LedgerEntry], on: date, allowance: int
) -> None:
    terms = EntitlementTerms(10, "Incidents", allowance, Period.MONTHLY, frozenset({1}), True)

    result = remaining_allowance(
        terms=terms, contract=contract(), entries=entries, on=on, tz="Europe/Paris"
    )

    consumed = sum(
        e.quantity
        for e in entries
        if e.entitlement_id == 10
        and e.kind == EntryKind.CONSUME
        and result.period_start <= e.occurred_at.astimezone(PARIS).date() <= result.period_end
    )
    assert 0 <= result.used <= consumed
    assert result.remaining == max(0, allowance - result.used)
    assert result.period_start <= on <= result.period_end


@PROPERTIES
@given(
    st.sampled_from([Period.YEARLY, Period.MONTHLY, Period.CONTRACT_TERM]),
    st.dates(date(2023, 1, 1), date(2026, 12, 31)),
    st.integers(0, 3 * 366),
)
def test_periods_tile_the_contract(period: Period, start: date, length_days: int) -> None:
    end = start + timedelta(days=length_days)
    day = start
    while day <= end:
        begin, finish = period_window(period=period, contract_start=start, contract_end=end, on=day)
        assert begin == day
        assert begin <= finish <= end
        if period != Period.CONTRACT_TERM:
            assert begin.day == min(start.day, _month_length(begin)) or begin == start
        assert period_window(period=period, contract_start=start, contract_end=end, on=finish) == (
            begin,
            finish,
        )
        day = finish + timedelta(days=1)
    assert day == end + timedelta(days=1)


def _month_length(day: date) -> int:
    next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return (next_month - timedelta(days=1)).day
