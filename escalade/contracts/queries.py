"""Reads of contracts, scoped, and the live status of a customer's contracts."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from escalade.contracts.models import (
    Contract,
    Entitlement,
    EntitlementEntry,
    ServicePlan,
    ServiceTarget,
)
from escalade.core.principal import Principal
from escalade.engines import entitlements as engine

# Premier accounts are handled internally from L1: no partner ever sees them.
PREMIER = "premier"


def visible(principal: Principal) -> Q:
    """Which contracts the caller may see, as a filter on contracts."""
    if principal.account_id is not None:
        return Q(account_id=principal.account_id)
    if principal.is_partner_staff:
        return Q(l1_partner_id=principal.organization_id) & ~Q(account__segment=PREMIER)
    return Q()


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


def contract_terms(contract: Contract, *, now: datetime) -> engine.ContractTerms:
    return engine.ContractTerms(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        cancelled_on=contract.cancelled_on,
        product_ids=frozenset(p.pk for p in contract.products.all()),
        channels=frozenset(contract.plan.channels),
        calendar=contract.plan.engine_calendar(first_year=now.year - 1, last_year=now.year + 1),
    )


def local_date(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def today_in(contract: Contract, now: datetime) -> date:
    return local_date(now, contract.plan.calendar.time_zone)
