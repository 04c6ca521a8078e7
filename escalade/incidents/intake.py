"""Opening an incident: identity check, coverage, routing, allowance, first clock."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from escalade.contracts.eligibility import NO_CONTRACT, reason_messages
from escalade.contracts.models import Contract
from escalade.contracts.queries import contract_terms, ledger_in_period, local_date, with_plan
from escalade.core.audit import record
from escalade.core.compiled import CompiledInsert, CompiledQuery
from escalade.core.principal import Principal
from escalade.core.roles import Role
from escalade.customers.actions import do_create_contact
from escalade.customers.models import Account, Contact, Licence
from escalade.customers.queries import accounts
from escalade.engines import entitlements as engine
from escalade.incidents.consumption import applicable_entitlements, consume_units
from escalade.incidents.events import emit_incident_event
from escalade.incidents.models import (
    Coverage,
    EntryKind,
    Incident,
    Status,
    StatusChange,
    TimelineEntry,
)
from escalade.incidents.numbering import INCIDENT_IDS, number_for
from escalade.incidents.routing import first_tier, route
from escalade.incidents.sla import Known, clocks, raise_due, summarize
from escalade.incidents.timeline import new_entry

OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})


class NotCovered(ValidationError):
    """The request is not covered; the reasons say why, the agent may override or bill."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reason_messages(reasons)), code="not_covered")


@dataclass
class IntakeRequest:
    title: str
    severity: int
    channel: str
    description: str = ""
    contact_id: int | None = None
    new_contact: dict[str, Any] | None = None
    pid: str | None = None
    licence_id: int | None = None
    identity_verified: bool = False
    identity_method: str = ""
    override_reason: str = ""
    paid_reference: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# The reads every intake makes, compiled once per process (``core.compiled``).
ACCOUNT = CompiledQuery(lambda pk: Account.objects.filter(pk=pk), pk=int)
LICENCE_BY_ID = CompiledQuery(
    lambda account, pk: Licence.objects.filter(account_id=account, pk=pk), account=int, pk=int
)
LICENCE_BY_PID = CompiledQuery(
    lambda account, pid: Licence.objects.filter(account_id=account, pid=pid), account=int, pid=str
)
CONTACT = CompiledQuery(
    lambda account, pk: Contact.objects.filter(account_id=account, pk=pk), account=int, pk=int
)
CONTRACTS = CompiledQuery(
    lambda account: Contract.objects.filter(account_id=account).order_by("-ends_on"), account=int
)
CONTRACTS_FOR_PRODUCT = CompiledQuery(
    lambda account, product: Contract.objects.filter(account_id=account, products=product).order_by(
        "-ends_on"
    ),
    account=int,
    product=int,
)


INCIDENT_INSERT = CompiledInsert(Incident)
STATUS_INSERT = CompiledInsert(StatusChange)


def _account(principal: Principal, account_id: int) -> Account | None:
    if principal.sees_everything:
        return next(iter(ACCOUNT.run(pk=account_id)), None)
    return accounts(principal).filter(pk=account_id).first()


def _licence(account: Account, request: IntakeRequest) -> Licence | None:
    if request.licence_id is not None:
        found = LICENCE_BY_ID.run(account=account.pk, pk=request.licence_id)
    elif request.pid:
        found = LICENCE_BY_PID.run(account=account.pk, pid="".join(request.pid.split()).upper())
    else:
        return None
    licence = found[0] if found else None
    if licence is None:
        raise ValidationError({"pid": _("This customer holds no product with that PID.")})
    return licence


def _contact(
    principal: Principal, actor: Any, account: Account, request: IntakeRequest
) -> Contact | None:
    if request.new_contact is not None:
        return do_create_contact(
            principal=principal, actor=actor, data={**request.new_contact, "account_id": account.pk}
        )
    if request.contact_id is None:
        return None
    found = CONTACT.run(account=account.pk, pk=request.contact_id)
    contact = found[0] if found else None
    if contact is None:
        raise ValidationError({"contact_id": _("This contact does not belong to the account.")})
    return contact


def covering_contract(account: Account, product_id: int | None, now: datetime) -> Contract | None:
    """The contract that covers the product today, else the most recent one for it."""
    contracts = (
        CONTRACTS.run(account=account.pk)
        if product_id is None
        else CONTRACTS_FOR_PRODUCT.run(account=account.pk, product=product_id)
    )
    covering = [with_plan(contract) for contract in contracts]
    for contract in covering:
        today = local_date(now, contract.plan.calendar.time_zone)
        if contract.starts_on <= today <= contract.ends_on and contract.cancelled_on is None:
            return contract
    return covering[0] if covering else None


def assess(
    *, account: Account, licence: Licence | None, severity: int, channel: str, now: datetime
) -> tuple[Contract | None, list[Any], list[str]]:
    """The covering contract, its locked counting entitlements, and why it does not cover."""
    product_id = licence.product_id if licence else None
    contract = covering_contract(account, product_id, now)
    if contract is None:
        return None, [], [NO_CONTRACT]
    entitlements = applicable_entitlements(contract, severity)
    result = engine.check_eligibility(
        # The contract was chosen for this product: it covers it, whatever else it covers.
        contract=contract_terms(
            contract, now=now, product_ids=frozenset({product_id} if product_id else ())
        ),
        entitlements=[e.to_engine() for e in entitlements],
        entries=ledger_in_period(contract, entitlements, now),
        product_id=product_id if product_id is not None else -1,
        channel=channel,
        severity=severity,
        at=now,
    )
    reasons = [reason.value for reason in result.reasons]
    if product_id is None:
        reasons = [r for r in reasons if r != engine.Reason.PRODUCT_NOT_COVERED]
    return contract, entitlements, reasons


def do_open_incident(
    *, principal: Principal, actor: Any, account_id: int, request: IntakeRequest, now: datetime
) -> Incident:
    """Open an incident from the customer file; refused with reasons when not covered.

    Not covered, it may still be opened with a supervisor's recorded override or as a
    paid per-incident case; neither uses the allowance.
    """
    account = _account(principal, account_id)
    if account is None:
        raise ValidationError({"account_id": _("No such account, or not one you may see.")})
    if request.override_reason and principal.role not in OVERRIDE_ROLES:
        raise PermissionDenied(_("Only a supervisor may override the coverage check."))
    with transaction.atomic():
        licence = _licence(account, request)
        contact = _contact(principal, actor, account, request)
        contract, entitlements, reasons = assess(
            account=account,
            licence=licence,
            severity=request.severity,
            channel=request.channel,
            now=now,
        )
        coverage, note = Coverage.ENTITLED, ""
        if reasons:
            if request.override_reason:
                coverage, note = Coverage.OVERRIDE, request.override_reason
            elif request.paid_reference:
                coverage, note = Coverage.PAID, request.paid_reference
            else:
                raise NotCovered(reasons)
        tier = first_tier()
        queue = route(
            tier=tier,
            account=account,
            contract=contract,
            product_id=licence.product_id if licence else None,
            language=contact.language if contact else account.language,
        )
        incident_id = INCIDENT_IDS.next_id()
        incident = Incident(
            id=incident_id,
            number=number_for(incident_id) if incident_id is not None else "",
            title=request.title,
            description=request.description,
            account=account,
            contact=contact,
            licence=licence,
            product_id=licence.product_id if licence else None,
            contract=contract,
            severity=request.severity,
            channel=request.channel,
            queue=queue,
            tier=tier,
            coverage=coverage,
            coverage_note=note,
            opened_by_organization_id=principal.organization_id,
            created_at=now,
        )
        # Intake knows the whole history (one "new" change): the clocks and their summary
        # go into the INSERT itself.
        known = Known(history=[(now, Status.NEW.value)])
        named = clocks(incident, now=now, known=known)
        summarize(incident, named, now=now)
        INCIDENT_INSERT.insert(incident)
        if incident_id is None:
            incident.number = number_for(incident.pk)
            incident.save(update_fields=["number"])
        raise_due(incident, named, now=now, known=known)
        STATUS_INSERT.insert(
            StatusChange(
                incident=incident, at=now, to_status=Status.NEW, actor_id=getattr(actor, "pk", None)
            )
        )
        consumed = []
        if coverage == Coverage.ENTITLED and entitlements:
            consumed = consume_units(
                incident=incident, entitlements=entitlements, actor=actor, now=now
            )
        entries = [
            new_entry(
                incident=incident,
                kind=EntryKind.INTAKE,
                actor=actor,
                at=now,
                body=_intake_summary(request, coverage, reasons),
                data={
                    "channel": request.channel,
                    "severity": request.severity,
                    "pid": licence.pid if licence else None,
                    "identity_verified": request.identity_verified,
                    "identity_method": request.identity_method,
                    "coverage": coverage,
                    "not_covered_reasons": reasons,
                    "queue": queue.name,
                },
            )
        ]
        entries.extend(
            new_entry(
                incident=incident,
                kind=EntryKind.ENTITLEMENT,
                actor=actor,
                at=now,
                body=_("One unit of %(name)s used.") % {"name": entry.entitlement.name},
                data={"entry_id": entry.pk, "kind": "consume"},
            )
            for entry in consumed
        )
        TimelineEntry.objects.bulk_create(entries)
        record(
            actor=actor,
            action="open_incident",
            obj=incident,
            summary=f"Opened {incident.number} for {account} ({coverage})",
        )
        emit_incident_event("incident.opened", incident)
    return incident


def _intake_summary(request: IntakeRequest, coverage: str, reasons: list[str]) -> str:
    identity = (
        _("Identity verified (%(method)s).") % {"method": request.identity_method or "-"}
        if request.identity_verified
        else _("Identity not verified.")
    )
    if coverage == Coverage.OVERRIDE:
        cover = _("Not covered (%(reasons)s); supervisor override: %(note)s") % {
            "reasons": ", ".join(reasons),
            "note": request.override_reason,
        }
    elif coverage == Coverage.PAID:
        cover = _("Not covered (%(reasons)s); paid per incident, reference %(note)s") % {
            "reasons": ", ".join(reasons),
            "note": request.paid_reference,
        }
    else:
        cover = _("Covered by the contract.")
    return f"{identity} {cover}"
