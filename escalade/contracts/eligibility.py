"""Whether a request is covered: the entitlement engine fed from the database."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from escalade.contracts.models import Contract, EntitlementEntry
from escalade.contracts.queries import contract_terms
from escalade.engines import entitlements as engine

NO_CONTRACT = "no_contract"

# The engine's reasons in the people's language (the engine keeps English source text).
REASON_TEXT: dict[str, StrOrPromise] = {
    engine.Reason.CONTRACT_PENDING: gettext_lazy("The support contract has not started yet."),
    engine.Reason.CONTRACT_EXPIRED: gettext_lazy("The support contract has expired."),
    engine.Reason.CONTRACT_CANCELLED: gettext_lazy("The support contract has been cancelled."),
    engine.Reason.PRODUCT_NOT_COVERED: gettext_lazy(
        "This product is not covered by the support contract."
    ),
    engine.Reason.CHANNEL_NOT_ALLOWED: gettext_lazy(
        "The support contract does not include this contact channel."
    ),
    engine.Reason.OUTSIDE_HOURS: gettext_lazy(
        "Live support is closed at this time; it is available during the contract's business hours."
    ),
    engine.Reason.ALLOWANCE_EXHAUSTED: gettext_lazy(
        "The incident allowance for the current period has been used up."
    ),
    NO_CONTRACT: gettext_lazy("No support contract of this customer covers this product."),
}


def reason_messages(reasons: Iterable[str]) -> list[str]:
    return [str(REASON_TEXT.get(reason, reason)) for reason in reasons]


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
