"""Reads of customers, scoped to the caller: lists, lookups and the customer file."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from escalade.contracts.models import Contract, Entitlement, EntitlementEntry
from escalade.contracts.queries import ContractStatus, contract_statuses
from escalade.contracts.queries import visible as visible_contracts
from escalade.core.principal import Principal
from escalade.customers import search
from escalade.customers.models import (
    Account,
    Contact,
    ContactPhone,
    Licence,
    Product,
    ProductVersion,
    Segment,
    VerificationAnswer,
)
from escalade.engines.phones import lookup_candidates
from escalade.engines.text import normalize_pid


def accounts(principal: Principal) -> QuerySet[Account]:
    """Accounts the caller may see: partners only those they serve at L1, never premier ones."""
    queryset = Account.objects.all()
    if principal.account_id is not None:
        return queryset.filter(pk=principal.account_id)
    if principal.is_partner_staff:
        served = Contract.objects.filter(
            account_id=OuterRef("pk"), l1_partner_id=principal.organization_id
        )
        return queryset.filter(Exists(served)).exclude(segment=Segment.PREMIER)
    if principal.role == "customer":
        return queryset.none()
    return queryset


def scoped_contacts(principal: Principal) -> QuerySet[Contact]:
    """Contacts the caller may see, with their account; nothing else loaded."""
    queryset = Contact.objects.select_related("account")
    if principal.sees_everything:
        return queryset
    return queryset.filter(account__in=accounts(principal).values("pk"))


def contacts(principal: Principal) -> QuerySet[Contact]:
    return scoped_contacts(principal).prefetch_related("phones", "emails", "verifications")


def licences(principal: Principal) -> QuerySet[Licence]:
    queryset = Licence.objects.select_related("product", "version")
    if principal.sees_everything:
        return queryset
    return queryset.filter(account__in=accounts(principal).values("pk"))


def products(principal: Principal) -> QuerySet[Product]:
    return Product.objects.all()


def product_versions(principal: Principal) -> QuerySet[ProductVersion]:
    return ProductVersion.objects.select_related("product")


# --- Lookup ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One answer of a lookup: the account, and the contact when one was identified."""

    account: Account
    contact: Contact | None
    matched_on: str  # phone, email, pid, name
    score: float = 100.0


def phone_regions(extra: Iterable[str] = ()) -> list[str]:
    regions = [r.upper() for r in extra if r]
    return regions + [r for r in settings.PHONE_REGIONS if r not in regions]


def by_phone(principal: Principal, raw: str, *, regions: Iterable[str] = ()) -> list[Match]:
    """Contacts with this number; national formats are read in the agent's country first."""
    local = [*regions, principal.country or ""]
    return by_phone_numbers(principal, lookup_candidates(raw, regions=phone_regions(local)))


def by_phone_numbers(principal: Principal, numbers: Sequence[str]) -> list[Match]:
    """Contacts with one of these E.164 numbers, the first numbers' first.

    For callers that have already read the number (the switch's caller-ID lookup): the
    same query as ``by_phone``, without parsing the number again.
    """
    if not numbers:
        return []
    # One query: the screen pop runs this for every call.
    found = (
        scoped_contacts(principal)
        .filter(phones__number__in=numbers)
        .annotate(matched_number=F("phones__number"))
    )
    rank = {number: position for position, number in enumerate(numbers)}
    # The reading in the agent's own country first, when a number reads two ways.
    ordered = sorted(found[:50], key=lambda c: rank.get(c.matched_number, len(rank)))
    seen: set[int] = set()
    matches = []
    for contact in ordered:
        if contact.pk not in seen:
            seen.add(contact.pk)
            matches.append(Match(account=contact.account, contact=contact, matched_on="phone"))
    return matches


def by_email(principal: Principal, raw: str) -> list[Match]:
    address = raw.strip().lower()
    if "@" not in address:
        return []
    found = scoped_contacts(principal).filter(emails__address=address).distinct()
    return [Match(account=c.account, contact=c, matched_on="email") for c in found[:50]]


def by_pid(principal: Principal, raw: str) -> list[Match]:
    licence = licences(principal).select_related("account").filter(pid=normalize_pid(raw)).first()
    if licence is None:
        return []
    return [Match(account=licence.account, contact=None, matched_on="pid")]


def by_name(principal: Principal, text: str, *, limit: int = 20) -> list[Match]:
    """Fuzzy search of company and person names; the best matches of both, merged."""
    matches: list[Match] = []
    account_hits = search.ranked(accounts(principal), text, limit=limit)
    accounts_by_pk = Account.objects.in_bulk([c.pk for c in account_hits])
    for candidate in account_hits:
        matches.append(
            Match(
                account=accounts_by_pk[candidate.pk],
                contact=None,
                matched_on="name",
                score=candidate.score,
            )
        )
    contact_hits = search.ranked(contacts(principal), text, limit=limit)
    by_pk = contacts(principal).in_bulk([c.pk for c in contact_hits])
    for candidate in contact_hits:
        contact = by_pk[candidate.pk]
        matches.append(
            Match(
                account=contact.account, contact=contact, matched_on="name", score=candidate.score
            )
        )
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


def lookup(principal: Principal, text: str, *, regions: Iterable[str] = ()) -> list[Match]:
    """What an agent types in the search box: a phone, an email, a PID or a name."""
    text = text.strip()
    if not text:
        return []
    if "@" in text:
        return by_email(principal, text)
    found = by_pid(principal, text)
    if found:
        return found
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 6 and digits >= len(text.replace(" ", "")) * 0.6:
        found = by_phone(principal, text, regions=regions)
        if found:
            return found
    return by_name(principal, text)


# --- Customer file --------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFile:
    """Everything the agent needs on one screen when the customer calls."""

    account: Account
    contacts: list[Contact]
    contracts: list[ContractStatus]
    licences: list[Licence]
    open_incidents: list[Any] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return any(status.state == "active" for status in self.contracts)


def customer_file(principal: Principal, account_id: int, *, now: datetime) -> CustomerFile | None:
    account = accounts(principal).filter(pk=account_id).order_by().first()
    if account is None:
        return None
    # Unordered prefetches where order does not matter: the file is opened on every
    # call, and building ORDER BY clauses is a good share of its cost.
    contact_list = list(
        Contact.objects.filter(account=account)
        .prefetch_related(
            Prefetch("phones", queryset=ContactPhone.objects.order_by()),
            "emails",
            Prefetch("verifications", queryset=VerificationAnswer.objects.order_by()),
        )
        .order_by("-is_active", "last_name", "first_name")
    )
    # Partners see only the contracts they serve, as in the contracts API.
    contract_list = list(
        Contract.objects.filter(visible_contracts(principal), account=account)
        .select_related("plan__calendar", "l1_partner")
        .prefetch_related(
            "products",
            Prefetch("entitlements", queryset=Entitlement.objects.order_by("name")),
            Prefetch("entitlements__entries", queryset=EntitlementEntry.objects.order_by()),
        )
        .order_by("-ends_on")
    )
    licence_list = list(
        Licence.objects.filter(account=account).select_related("product", "version").order_by("pid")
    )
    return CustomerFile(
        account=account,
        contacts=contact_list,
        contracts=contract_statuses(contract_list, now=now),
        licences=licence_list,
    )


def visible_filter(principal: Principal) -> Q:
    """For other domains: a Q on ``account`` limiting rows to the caller's accounts."""
    if principal.sees_everything:
        return Q()
    return Q(account__in=accounts(principal).values("pk"))
