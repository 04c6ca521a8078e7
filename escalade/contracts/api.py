"""REST routes of service plans, contracts, entitlements, the ledger and eligibility."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Status

from escalade.contracts import queries
from escalade.contracts import schemas as s
from escalade.contracts.actions import do_consume, do_refund
from escalade.contracts.eligibility import eligibility_for, reason_messages
from escalade.contracts.models import (
    Contract,
    Entitlement,
    EntitlementEntry,
    ServicePlan,
    ServiceTarget,
)
from escalade.core.crud import Resource, register
from escalade.core.roles import ALL_ROLES, STAFF_ROLES, Role
from escalade.core.rules import allow, current_principal

router = Router(tags=["Contracts"])

STAFF = tuple(sorted(STAFF_ROLES))
EVERYONE = tuple(sorted(ALL_ROLES))
MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
AGENTS = (Role.PARTNER_AGENT, Role.INTERNAL_AGENT, Role.ENGINEER, *MANAGERS)

for resource in (
    Resource(
        "plan",
        "/plans",
        ServicePlan,
        s.PlanOut,
        s.PlanIn,
        s.PlanPatch,
        s.PlanFilter,
        queries.plans,
        read=STAFF,
        write=(Role.ADMINISTRATOR,),
    ),
    Resource(
        "target",
        "/targets",
        ServiceTarget,
        s.TargetOut,
        s.TargetIn,
        s.TargetPatch,
        s.TargetFilter,
        queries.targets,
        read=STAFF,
        write=(Role.ADMINISTRATOR,),
    ),
    Resource(
        "contract",
        "/contracts",
        Contract,
        s.ContractOut,
        s.ContractIn,
        s.ContractPatch,
        s.ContractFilter,
        queries.contracts,
        read=EVERYONE,
        write=MANAGERS,
        many=("products",),
        can_delete=False,
    ),
    Resource(
        "entitlement",
        "/entitlements",
        Entitlement,
        s.EntitlementOut,
        s.EntitlementIn,
        s.EntitlementPatch,
        s.EntitlementFilter,
        queries.entitlements,
        read=EVERYONE,
        write=MANAGERS,
        can_delete=False,
    ),
    Resource(
        "ledger_entry",
        "/ledger",
        EntitlementEntry,
        s.EntryOut,
        None,
        None,
        s.EntryFilter,
        queries.ledger,
        read=STAFF,
        write=MANAGERS,
        can_delete=False,
    ),
):
    register(router, resource)


@router.post(
    "/ledger/consume",
    response={201: s.EntryOut},
    summary="Use one unit of an allowance",
    auth=allow(*MANAGERS, vendor_only=True),
)
def consume(request: HttpRequest, payload: s.ConsumeIn) -> Any:
    entitlement = get_object_or_404(
        queries.entitlements(current_principal(request)), pk=payload.entitlement_id
    )
    entry = do_consume(
        actor=request.user,
        entitlement=entitlement,
        reference=payload.reference,
        reason=payload.reason,
    )
    return Status(201, entry)


@router.post(
    "/ledger/{int:pk}/refund",
    response={201: s.EntryOut},
    summary="Refund a used unit",
    auth=allow(*MANAGERS, vendor_only=True),
)
def refund(request: HttpRequest, pk: int, payload: s.RefundIn) -> Any:
    entry = get_object_or_404(queries.ledger(current_principal(request)), pk=pk)
    return Status(201, do_refund(actor=request.user, entry=entry, reason=payload.reason))


@router.post(
    "/eligibility",
    response=s.EligibilityOut,
    summary="Is this request covered?",
    auth=allow(*AGENTS),
)
def eligibility(request: HttpRequest, payload: s.EligibilityIn) -> Any:
    contract = get_object_or_404(
        queries.contracts(current_principal(request)), pk=payload.contract_id
    )
    result = eligibility_for(
        contract=contract,
        product_id=payload.product_id,
        channel=payload.channel,
        severity=payload.severity,
        at=payload.at or timezone.now(),
    )
    return {
        "covered": result.covered,
        "reasons": [reason.value for reason in result.reasons],
        "messages": reason_messages(result.reasons),
        "allowances": result.allowances,
    }
