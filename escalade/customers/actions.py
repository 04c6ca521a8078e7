"""Writes of customer records: contacts with their phones, emails and verification answers."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from escalade.core.audit import record
from escalade.core.principal import Principal
from escalade.core.records import apply_fields, do_create_record, do_update_record, validate
from escalade.customers.models import (
    Account,
    Contact,
    ContactEmail,
    ContactPhone,
    Licence,
    VerificationAnswer,
)
from escalade.customers.queries import accounts, phone_regions
from escalade.engines.phones import PhoneNumberError, to_e164
from escalade.engines.text import normalize_pid


def _visible_account(principal: Principal, account_id: int) -> Account:
    account = accounts(principal).filter(pk=account_id).first()
    if account is None:
        raise ValidationError({"account_id": _("No such account, or not one you may see.")})
    return account


def normalize_phones(phones: list[dict[str, str]], *, country: str) -> list[dict[str, str]]:
    """E.164 numbers, read in the account's country when written nationally."""
    normalized = []
    for index, phone in enumerate(phones):
        try:
            number = to_e164(phone["number"], region=phone_regions([country])[0])
        except PhoneNumberError:
            raise ValidationError(
                {f"phones.{index}": _("%(number)s is not a valid phone number.") % phone}
            ) from None
        normalized.append({"number": number, "kind": phone.get("kind") or "office"})
    return normalized


def _replace_phones(contact: Contact, phones: list[dict[str, str]]) -> list[str]:
    normalized = normalize_phones(phones, country=contact.account.country)
    contact.phones.all().delete()
    seen: set[str] = set()
    rows = []
    for phone in normalized:
        if phone["number"] not in seen:
            seen.add(phone["number"])
            rows.append(ContactPhone(contact=contact, **phone))
    ContactPhone.objects.bulk_create(rows)
    return sorted(seen)


def _replace_emails(contact: Contact, emails: list[str]) -> list[str]:
    contact.emails.all().delete()
    addresses = list(dict.fromkeys(address.strip().lower() for address in emails))
    rows = [
        ContactEmail(contact=contact, address=address, is_primary=index == 0)
        for index, address in enumerate(addresses)
    ]
    for index, row in enumerate(rows):
        try:
            row.clean_fields(exclude=["contact"])
        except ValidationError:
            raise ValidationError(
                {f"emails.{index}": _("%s is not a valid email address.") % row.address}
            ) from None
    ContactEmail.objects.bulk_create(rows)
    return addresses


def _replace_verifications(contact: Contact, answers: list[dict[str, str]]) -> list[str]:
    contact.verifications.all().delete()
    rows = []
    for answer in answers:
        row = VerificationAnswer(contact=contact, question=answer["question"].strip())
        row.set_answer(answer["answer"])
        rows.append(row)
    if len({row.question for row in rows}) != len(rows):
        raise ValidationError({"verifications": _("A question is asked twice.")})
    VerificationAnswer.objects.bulk_create(rows)
    # Only the questions go to the audit trail: answers never leave the hash.
    return [row.question for row in rows]


def do_create_contact(*, principal: Principal, actor: Any, data: dict[str, Any]) -> Contact:
    account = _visible_account(principal, data.pop("account_id"))
    phones = data.pop("phones", [])
    emails = data.pop("emails", [])
    verifications = data.pop("verifications", [])
    with transaction.atomic():
        contact = Contact(account=account, **data)
        if not contact.language:
            contact.language = account.language
        validate(contact)
        contact.save()
        changes: dict[str, Any] = {k: [None, v] for k, v in data.items()}
        changes["phones"] = [None, _replace_phones(contact, phones)]
        changes["emails"] = [None, _replace_emails(contact, emails)]
        changes["verification_questions"] = [None, _replace_verifications(contact, verifications)]
        record(
            actor=actor,
            action="create",
            obj=contact,
            summary=f"Created contact {contact} at {account}",
            changes=changes,
        )
    return contact


def do_update_contact(
    *, principal: Principal, actor: Any, contact: Contact, data: dict[str, Any]
) -> Contact:
    if "account_id" in data:
        data["account"] = _visible_account(principal, data.pop("account_id"))
    phones = data.pop("phones", None)
    emails = data.pop("emails", None)
    verifications = data.pop("verifications", None)
    with transaction.atomic():
        changes = apply_fields(contact, data)
        if changes:
            validate(contact)
            contact.save()
        if phones is not None:
            changes["phones"] = _replace_phones(contact, phones)
        if emails is not None:
            changes["emails"] = _replace_emails(contact, emails)
        if verifications is not None:
            changes["verification_questions"] = _replace_verifications(contact, verifications)
        if changes:
            record(
                actor=actor,
                action="update",
                obj=contact,
                summary=f"Updated contact {contact}",
                changes=changes,
            )
    return contact


def do_verify_identity(
    *, actor: Any, contact: Contact, answers: dict[str, str]
) -> tuple[bool, list[str]]:
    """Check a caller's answers; returns (all right, questions answered wrong). Audited."""
    expected = {v.question: v for v in contact.verifications.all()}
    unknown = sorted(set(answers) - set(expected))
    if unknown:
        raise ValidationError(_("Unknown question(s): %s.") % ", ".join(unknown))
    if not answers:
        raise ValidationError(_("Ask at least one question."))
    wrong = sorted(q for q, given in answers.items() if not expected[q].check_answer(given))
    with transaction.atomic():
        record(
            actor=actor,
            action="verify_identity",
            obj=contact,
            summary=f"Identity of {contact} {'verified' if not wrong else 'NOT verified'}",
            changes={"asked": sorted(answers), "wrong": wrong},
        )
    return not wrong, wrong


def do_create_account(*, principal: Principal, actor: Any, data: dict[str, Any]) -> Account:
    return do_create_record(actor=actor, model=Account, data=data)


def do_update_account(
    *, principal: Principal, actor: Any, account: Account, data: dict[str, Any]
) -> Account:
    return do_update_record(actor=actor, instance=account, data=data)


def do_create_licence(*, principal: Principal, actor: Any, data: dict[str, Any]) -> Licence:
    _visible_account(principal, data["account_id"])
    data["pid"] = normalize_pid(data["pid"])
    if Licence.objects.filter(pid=data["pid"]).exists():
        raise ValidationError({"pid": _("This PID is already registered.")})
    return do_create_record(actor=actor, model=Licence, data=data)


def do_update_licence(
    *, principal: Principal, actor: Any, licence: Licence, data: dict[str, Any]
) -> Licence:
    if "account_id" in data:
        _visible_account(principal, data["account_id"])
    if "pid" in data:
        data["pid"] = normalize_pid(data["pid"])
    if principal.is_partner_staff and "account_id" in data:
        raise PermissionDenied(_("Partners cannot move a licence to another account."))
    return do_update_record(actor=actor, instance=licence, data=data)
