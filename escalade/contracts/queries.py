"""Reads of contracts, scoped, and the live status of a customer's contracts."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from escalade.contracts.models import (
    Contract,
    Entitlement,
    EntitlementEntry,
    ServicePlan,
    ServiceTarget,
)
from escalade.core.compiled import CompiledQuery
from escalade.core.principal import Principal
from escalade.core.refcache import Reference
from escalade.engines import entitlements as engine
from escalade.network.models import BusinessCalendar

# Premier accounts are handled internally from L1: no partner ever sees them.
PREMIER = "premier"


def visible(principal: Principal) -> Q:
    """Which contracts the caller may see, as a filter on contracts."""
    if principal.account_id is not None:
        return Q(account_id=principal.account_id)
    if principal.is_partner_staff:
        return Q(l1_partner_id=principal.organization_id) & ~Q(account__segment=PREMIER)
    return Q()


# Every intake reads its contract's plan and calendar; a handful of plans exist.
PLANS = Reference(
    "service plans",
    lambda: {plan.pk: plan for plan in ServicePlan.objects.select_related("calendar")},
    (ServicePlan, BusinessCalendar),
)


def with_plan(contract: Contract) -> Contract:
    """The contract with its plan and calendar from the per-process copy (read-only)."""
    plan = PLANS.get().get(contract.plan_id)
    if plan is None:  # created in another process a moment ago
        plan = ServicePlan.objects.select_related("calendar").get(pk=contract.plan_id)
    contract.plan = plan
    return contract


def contracts(principal: Principal) -> QuerySet[Contract]:
    queryset = Contract.objects.select_related("plan", "account").prefetch_related("products")
    return queryset.filter(visible(principal))


def plans(principal: Principal) -> QuerySet[ServicePlan]:
    return ServicePlan.objects.select_related("calendar").prefetch_related("targets")


def targets(principal: Principal) -> QuerySet[ServiceTarget]:
    return ServiceTarget.objects.all()


def entitlements(principal: Principal) -> QuerySet[Entitlement]:
    return Entitlement.objects.filter(contract__in=contracts(principal).values("pk"))


def ledger(principal: Principal) -> QuerySet[EntitlementEntry]:
    return EntitlementEntry.objects.filter(
        entitlement__contract__in=contracts(principal).values("pk")
    ).select_related("entitlement")


@dataclass(frozen=True, slots=True)
class ContractStatus:
    contract: Contract
    state: engine.ContractState
    allowances: tuple[engine.Allowance, ...]


def contract_statuses(contract_list: list[Contract], *, now: datetime) -> list[ContractStatus]:
    """Live state and remaining allowance of each contract, in two queries for the lot.

    The contracts' entitlements must be prefetched (``entitlements__entries``).
    """
    result = []
    for contract in contract_list:
        tz = contract.plan.calendar.time_zone
        today = local_date(now, tz)
        terms = contract_terms(contract, now=now)
        allowances = tuple(
            engine.remaining_allowance(
                terms=entitlement.to_engine(),
                contract=terms,
                entries=[entry.to_engine() for entry in entitlement.entries.all()],
                on=today,
                tz=tz,
            )
            for entitlement in contract.entitlements.all()
        )
        result.append(
            ContractStatus(
                contract=contract, state=engine.contract_state(terms, today), allowances=allowances
            )
        )
    return result


def contract_terms(
    contract: Contract, *, now: datetime, product_ids: frozenset[int] | None = None
) -> engine.ContractTerms:
    """The engine's view of a contract; ``product_ids`` when the caller already knows them."""
    return engine.ContractTerms(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        cancelled_on=contract.cancelled_on,
        product_ids=(
            product_ids
            if product_ids is not None
            else frozenset(p.pk for p in contract.products.all())
        ),
        channels=frozenset(contract.plan.channels),
        calendar=contract.plan.engine_calendar(first_year=now.year - 1, last_year=now.year + 1),
    )


LEDGER_SINCE = CompiledQuery(
    lambda contract, since: EntitlementEntry.objects.filter(
        Q(refunds__isnull=True) | Q(refunds__occurred_at__gte=since),
        entitlement__contract_id=contract,
        occurred_at__gte=since,
    ),
    contract=int,
    since=datetime,
)


def ledger_in_period(
    contract: Contract, entitlements: list[Entitlement], now: datetime
) -> list[engine.LedgerEntry]:
    """The ledger lines that can count in these entitlements' current periods.

    Consumes from the earliest current period start on, with the refunds of those
    consumes: a contract's whole history need not be read to open one more case.
    """
    if not entitlements:
        return []
    today = local_date(now, contract.plan.calendar.time_zone)
    start = min(
        engine.period_window(
            period=engine.Period(e.period),
            contract_start=contract.starts_on,
            contract_end=contract.ends_on,
            on=today,
        )[0]
        for e in entitlements
    )
    # A day of margin: periods are local dates, the ledger is stored in UTC.
    since = datetime.combine(start - timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    counted = {e.pk for e in entitlements}
    return [
        entry.to_engine()
        for entry in LEDGER_SINCE.run(contract=contract.pk, since=since)
        if entry.entitlement_id in counted
    ]


def local_date(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def today_in(contract: Contract, now: datetime) -> date:
    return local_date(now, contract.plan.calendar.time_zone)
