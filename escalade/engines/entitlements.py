"""Contract eligibility and incident allowance.

Pure functions over plain dataclasses: the Django layer loads a contract, its entitlements
and their ledger rows, asks ``check_eligibility`` whether a new request is covered, and
translates ``REASON_MESSAGES`` for the customer.

Dates (contract validity, allowance periods) are local dates in the contract calendar's time
zone; ledger instants are aware datetimes converted to that zone before being bucketed.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from escalade.engines.business_time import Calendar, is_open

__all__ = [
    "LIVE_CHANNELS",
    "REASON_MESSAGES",
    "Allowance",
    "ContractState",
    "ContractTerms",
    "Eligibility",
    "EntitlementTerms",
    "EntryKind",
    "LedgerEntry",
    "Period",
    "Reason",
    "bug_refund",
    "check_eligibility",
    "contract_state",
    "period_window",
    "remaining_allowance",
]

_ONE_DAY = timedelta(days=1)

# Channels where someone has to pick up right now, so they follow the business hours.
LIVE_CHANNELS: frozenset[str] = frozenset({"phone", "chat"})


class Period(StrEnum):
    CONTRACT_TERM = "contract_term"
    YEARLY = "yearly"
    MONTHLY = "monthly"


class EntryKind(StrEnum):
    CONSUME = "consume"
    REFUND = "refund"


class ContractState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Reason(StrEnum):
    CONTRACT_PENDING = "contract_pending"
    CONTRACT_EXPIRED = "contract_expired"
    CONTRACT_CANCELLED = "contract_cancelled"
    PRODUCT_NOT_COVERED = "product_not_covered"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    OUTSIDE_HOURS = "outside_hours"
    ALLOWANCE_EXHAUSTED = "allowance_exhausted"


# Source strings for the Django layer to translate; keep them generic (no interpolation).
REASON_MESSAGES: Mapping[Reason, str] = MappingProxyType(
    {
        Reason.CONTRACT_PENDING: "The support contract has not started yet.",
        Reason.CONTRACT_EXPIRED: "The support contract has expired.",
        Reason.CONTRACT_CANCELLED: "The support contract has been cancelled.",
        Reason.PRODUCT_NOT_COVERED: "This product is not covered by the support contract.",
        Reason.CHANNEL_NOT_ALLOWED: "The support contract does not include this contact channel.",
        Reason.OUTSIDE_HOURS: (
            "Live support is closed at this time; it is available during the contract's "
            "business hours."
        ),
        Reason.ALLOWANCE_EXHAUSTED: (
            "The incident allowance for the current period has been used up."
        ),
    }
)


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """A support contract. ``starts_on``/``ends_on`` are inclusive local dates.

    ``cancelled_on`` is the first day without cover.
    """

    starts_on: date
    ends_on: date
    cancelled_on: date | None
    product_ids: frozenset[int]
    channels: frozenset[str]
    calendar: Calendar

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError(
                f"Contract ends on {self.ends_on}, before it starts on {self.starts_on}."
            )


@dataclass(frozen=True, slots=True)
class EntitlementTerms:
    entitlement_id: int
    name: str
    allowance: int
    period: Period
    counted_severities: frozenset[int]
    excludes_bugs: bool

    def __post_init__(self) -> None:
        if self.allowance < 0:
            raise ValueError(f"Allowance must be >= 0, got {self.allowance}.")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    entry_id: int
    entitlement_id: int
    kind: EntryKind
    quantity: int
    occurred_at: datetime
    refunds_entry_id: int | None = None

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"Ledger quantity must be >= 0, got {self.quantity}.")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("Ledger entry occurred_at must be timezone-aware.")
        if self.kind == EntryKind.CONSUME and self.refunds_entry_id is not None:
            raise ValueError("Only a refund can point at another entry.")


@dataclass(frozen=True, slots=True)
class Allowance:
    entitlement_id: int
    name: str
    period_start: date
    period_end: date
    allowance: int
    used: int
    remaining: int


@dataclass(frozen=True, slots=True)
class Eligibility:
    covered: bool
    reasons: tuple[Reason, ...]
    allowances: tuple[Allowance, ...]

    def messages(self) -> tuple[str, ...]:
        return tuple(REASON_MESSAGES[reason] for reason in self.reasons)


class Dated(Protocol):
    """What a contract's state depends on: its dates (terms, or a contract record)."""

    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...
    @property
    def cancelled_on(self) -> date | None: ...


def contract_state(terms: Dated, today: date) -> ContractState:
    # A cancellation dated after the natural end changes nothing: the contract just expired.
    if (
        terms.cancelled_on is not None
        and terms.cancelled_on <= today
        and terms.cancelled_on <= terms.ends_on
    ):
        return ContractState.CANCELLED
    if today < terms.starts_on:
        return ContractState.PENDING
    if today > terms.ends_on:
        return ContractState.EXPIRED
    return ContractState.ACTIVE


def period_window(
    *, period: Period, contract_start: date, contract_end: date, on: date
) -> tuple[date, date]:
    """The inclusive allowance period containing ``on``, clipped to the contract end.

    Yearly and monthly periods are anchored on the contract start (anniversaries), always
    computed from the original start day so a 31st or a 29 February does not drift.
    ``on`` outside the contract is clamped to it (first or last period).
    """
    if contract_end < contract_start:
        raise ValueError(f"Contract ends on {contract_end}, before it starts on {contract_start}.")
    on = min(max(on, contract_start), contract_end)
    if period == Period.CONTRACT_TERM:
        return contract_start, contract_end
    step = 12 if period == Period.YEARLY else 1
    index = ((on.year - contract_start.year) * 12 + on.month - contract_start.month) // step
    begin = _add_months(contract_start, index * step)
    if begin > on:  # same month as the anchor but before its day
        index -= 1
        begin = _add_months(contract_start, index * step)
    next_begin = _add_months(contract_start, (index + 1) * step)
    return begin, min(next_begin - _ONE_DAY, contract_end)


def remaining_allowance(
    *,
    terms: EntitlementTerms,
    contract: ContractTerms,
    entries: Sequence[LedgerEntry],
    on: date,
    tz: str,
) -> Allowance:
    """Units used and left in the period containing ``on``.

    A consume counts in the period of its local date in ``tz``. A refund gives back units in
    the period of the consume it points at, at most that consume's quantity in total (so a
    duplicated refund row cannot credit twice); a refund without a (known) target counts on
    its own date. ``used`` is never negative.
    """
    zone = _zone(tz)
    period_start, period_end = period_window(
        period=terms.period,
        contract_start=contract.starts_on,
        contract_end=contract.ends_on,
        on=on,
    )

    def in_period(entry: LedgerEntry) -> bool:
        return period_start <= entry.occurred_at.astimezone(zone).date() <= period_end

    own = [e for e in entries if e.entitlement_id == terms.entitlement_id]
    consumes = {e.entry_id: e for e in own if e.kind == EntryKind.CONSUME}
    refunded: dict[int, int] = {}
    used = 0
    for entry in own:
        if entry.kind == EntryKind.CONSUME:
            if in_period(entry):
                used += entry.quantity
            continue
        target = (
            consumes.get(entry.refunds_entry_id) if entry.refunds_entry_id is not None else None
        )
        if target is None:
            if in_period(entry):
                used -= entry.quantity
        elif in_period(target):
            already = refunded.get(target.entry_id, 0)
            given_back = min(entry.quantity, target.quantity - already)
            refunded[target.entry_id] = already + given_back
            used -= given_back
    used = max(used, 0)
    return Allowance(
        entitlement_id=terms.entitlement_id,
        name=terms.name,
        period_start=period_start,
        period_end=period_end,
        allowance=terms.allowance,
        used=used,
        remaining=max(terms.allowance - used, 0),
    )


def check_eligibility(
    *,
    contract: ContractTerms,
    entitlements: Sequence[EntitlementTerms],
    entries: Sequence[LedgerEntry],
    product_id: int,
    channel: str,
    severity: int,
    at: datetime,
) -> Eligibility:
    """Whether a request is covered, with every reason it is not (not just the first)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware.")
    tz = contract.calendar.time_zone
    today = at.astimezone(_zone(tz)).date()

    reasons: list[Reason] = []
    state = contract_state(contract, today)
    if state == ContractState.PENDING:
        reasons.append(Reason.CONTRACT_PENDING)
    elif state == ContractState.EXPIRED:
        reasons.append(Reason.CONTRACT_EXPIRED)
    elif state == ContractState.CANCELLED:
        reasons.append(Reason.CONTRACT_CANCELLED)
    if product_id not in contract.product_ids:
        reasons.append(Reason.PRODUCT_NOT_COVERED)
    if channel not in contract.channels:
        reasons.append(Reason.CHANNEL_NOT_ALLOWED)
    # Email and web requests queue up until opening time; only live channels need staff now.
    if channel in LIVE_CHANNELS and not is_open(contract.calendar, at):
        reasons.append(Reason.OUTSIDE_HOURS)

    allowances = tuple(
        remaining_allowance(terms=terms, contract=contract, entries=entries, on=today, tz=tz)
        for terms in entitlements
        if severity in terms.counted_severities
    )
    if any(allowance.remaining == 0 for allowance in allowances):
        reasons.append(Reason.ALLOWANCE_EXHAUSTED)

    return Eligibility(covered=not reasons, reasons=tuple(reasons), allowances=allowances)


def bug_refund(
    *, terms: EntitlementTerms, consume: LedgerEntry, entry_id: int, occurred_at: datetime
) -> LedgerEntry | None:
    """The refund to record when the incident behind ``consume`` turns out to be a product
    bug, or None when this entitlement counts bugs like any other incident."""
    if not terms.excludes_bugs:
        return None
    if consume.kind != EntryKind.CONSUME or consume.entitlement_id != terms.entitlement_id:
        raise ValueError("A bug refund must point at a consume entry of the same entitlement.")
    return LedgerEntry(
        entry_id=entry_id,
        entitlement_id=terms.entitlement_id,
        kind=EntryKind.REFUND,
        quantity=consume.quantity,
        occurred_at=occurred_at,
        refunds_entry_id=consume.entry_id,
    )


def _add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, its day clamped to the month length (29 Feb -> 28)."""
    year, month_index = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(anchor.day, monthrange(year, month)[1]))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"Unknown time zone {name!r}.") from exc
