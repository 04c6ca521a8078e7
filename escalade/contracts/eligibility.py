"""Whether a request is covered: the entitlement engine fed from the database."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from escalade.contracts.models import Contract, EntitlementEntry
from escalade.contracts.queries import contract_terms
from escalade.engines import entitlements as engine


def eligibility_for(
    *, contract: Contract, product_id: int, channel: str, severity: int, at: datetime
) -> engine.Eligibility:
    if timezone_naive(at):
        raise ValidationError(_("Give the time with its offset, e.g. 2026-11-22T10:00:00+01:00."))
    entitlements = list(contract.entitlements.all())
    entries = EntitlementEntry.objects.filter(entitlement__contract=contract)
    return engine.check_eligibility(
        contract=contract_terms(contract, now=at),
        entitlements=[e.to_engine() for e in entitlements],
        entries=[entry.to_engine() for entry in entries],
        product_id=product_id,
        channel=channel,
        severity=severity,
        at=at,
    )


def timezone_naive(at: datetime) -> bool:
    return at.tzinfo is None or at.utcoffset() is None
