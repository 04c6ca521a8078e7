"""Incident allowance: consuming units at intake, refunding bugs and early cancellations.

Called inside the incident actions' transactions. Units are tied to the incident by
its number in the ledger's ``reference``, so the ledger alone tells the story.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from escalade.contracts.actions import remaining_for
from escalade.contracts.models import Contract, Entitlement, EntitlementEntry, EntryKind
from escalade.core.compiled import CompiledQuery
from escalade.incidents.models import Incident

LOCKED_ENTITLEMENTS = CompiledQuery(
    lambda contract: (
        Entitlement.objects.select_for_update(of=("self",))
        .filter(contract_id=contract)
        .order_by("pk")
    ),
    contract=int,
)


def applicable_entitlements(contract: Contract, severity: int) -> list[Entitlement]:
    """The contract's entitlements counting this severity, locked in a fixed order.

    Locking in primary-key order means two agents opening incidents on the same
    contract queue behind each other instead of deadlocking. Only the entitlement rows
    are locked: the plan and calendar are shared by every contract.
    """
    locked = LOCKED_ENTITLEMENTS.run(contract=contract.pk)
    applicable = [e for e in locked if severity in e.counted_severities]
    for entitlement in applicable:
        entitlement.contract = contract
    return applicable


def consume_units(
    *, incident: Incident, entitlements: list[Entitlement], actor: Any, now: datetime
) -> list[EntitlementEntry]:
    entries = [
        EntitlementEntry(
            entitlement=entitlement,
            kind=EntryKind.CONSUME,
            quantity=1,
            occurred_at=now,
            reference=incident.number or "",
            reason=f"Incident {incident.number} opened (severity {incident.severity})",
            actor_id=getattr(actor, "pk", None),
        )
        for entitlement in entitlements
    ]
    return EntitlementEntry.objects.bulk_create(entries)


def unrefunded_units(incident: Incident) -> QuerySet[EntitlementEntry]:
    return EntitlementEntry.objects.filter(
        reference=incident.number,
        kind=EntryKind.CONSUME,
        refunded_by__isnull=True,
        entitlement__contract=incident.contract,
    ).select_related("entitlement")


def refund_units(
    *, incident: Incident, reason: str, actor: Any, now: datetime, only_bug_exempt: bool
) -> list[EntitlementEntry]:
    """Give back the incident's units (those of bug-exempt entitlements only, if asked)."""
    refunds = []
    for consumed in unrefunded_units(incident).select_for_update(of=("self",)):
        if only_bug_exempt and not consumed.entitlement.excludes_bugs:
            continue
        refunds.append(
            EntitlementEntry(
                entitlement_id=consumed.entitlement_id,
                kind=EntryKind.REFUND,
                quantity=consumed.quantity,
                occurred_at=now,
                refunds=consumed,
                reference=consumed.reference,
                reason=reason,
                actor_id=getattr(actor, "pk", None),
            )
        )
    return EntitlementEntry.objects.bulk_create(refunds)


def remaining_after(entitlements: list[Entitlement], now: datetime) -> dict[str, int]:
    return {e.name: remaining_for(e, now=now).remaining for e in entitlements}
