"""Writes of the entitlement ledger: consuming and refunding incident units."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contracts.models import Entitlement, EntitlementEntry, EntryKind
from escalade.contracts.queries import contract_terms, today_in
from escalade.core.audit import record
from escalade.engines import entitlements as engine


def remaining_for(entitlement: Entitlement, *, now: datetime) -> engine.Allowance:
    contract = entitlement.contract
    return engine.remaining_allowance(
        terms=entitlement.to_engine(),
        contract=contract_terms(contract, now=now),
        entries=[entry.to_engine() for entry in entitlement.entries.all()],
        on=today_in(contract, now),
        tz=contract.plan.calendar.time_zone,
    )


def do_consume(
    *,
    actor: Any,
    entitlement: Entitlement,
    reference: str,
    reason: str = "",
    now: datetime | None = None,
) -> EntitlementEntry:
    """Take one unit of the allowance; refused when none is left in the current period."""
    now = now or timezone.now()
    with transaction.atomic():
        # The row lock serialises two agents taking the last unit at the same moment.
        locked = (
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("contract__plan__calendar")
            .get(pk=entitlement.pk)
        )
        allowance = remaining_for(locked, now=now)
        if allowance.remaining <= 0:
            raise ValidationError(
                _("No %(name)s left until %(end)s (%(used)s of %(allowance)s used).")
                % {
                    "name": locked.name,
                    "end": allowance.period_end.isoformat(),
                    "used": allowance.used,
                    "allowance": allowance.allowance,
                }
            )
        entry = EntitlementEntry.objects.create(
            entitlement=locked,
            kind=EntryKind.CONSUME,
            quantity=1,
            occurred_at=now,
            reference=reference,
            reason=reason,
            actor_id=getattr(actor, "pk", None),
        )
        record(
            actor=actor,
            action="consume",
            obj=entry,
            summary=f"{locked.name}: one unit used by {reference}",
            changes={"remaining": [allowance.remaining, allowance.remaining - 1]},
        )
    return entry


def do_refund(
    *, actor: Any, entry: EntitlementEntry, reason: str, now: datetime | None = None
) -> EntitlementEntry:
    """Give a consumed unit back (a bug, a cancelled request): a new ledger line, never an edit."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = EntitlementEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.kind != EntryKind.CONSUME:
            raise ValidationError(_("Only a consumed unit can be refunded."))
        if EntitlementEntry.objects.filter(refunds=locked).exists():
            raise ValidationError(_("This unit was already refunded."))
        refund = EntitlementEntry.objects.create(
            entitlement_id=locked.entitlement_id,
            kind=EntryKind.REFUND,
            quantity=locked.quantity,
            occurred_at=now,
            refunds=locked,
            reference=locked.reference,
            reason=reason,
            actor_id=getattr(actor, "pk", None),
        )
        record(
            actor=actor,
            action="refund",
            obj=refund,
            summary=f"Refunded the unit used by {locked.reference}: {reason}",
        )
    return refund
