"""REST routes of customers: registry, lookup, identity check and the customer file."""

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from escalade.core.crud import Resource, register
from escalade.core.principal import Principal
from escalade.core.roles import ALL_ROLES, STAFF_ROLES, Role
from escalade.core.rules import allow, current_principal
from escalade.customers import actions, queries
from escalade.customers import schemas as s
from escalade.customers.models import Account, Contact, Licence, Product, ProductVersion
from escalade.customers.presenters import match_payload

router = Router(tags=["Customers"])

STAFF = tuple(sorted(STAFF_ROLES))
EVERYONE = tuple(sorted(ALL_ROLES))
ACCOUNT_WRITERS = (Role.INTERNAL_AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)
AGENTS = (
    Role.PARTNER_AGENT,
    Role.INTERNAL_AGENT,
    Role.ENGINEER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
)


def _create_account(p: Principal, actor: Any, data: dict[str, Any]) -> Account:
    return actions.do_create_account(principal=p, actor=actor, data=data)


def _update_account(p: Principal, actor: Any, obj: Any, data: dict[str, Any]) -> Account:
    return actions.do_update_account(principal=p, actor=actor, account=obj, data=data)


def _create_contact(p: Principal, actor: Any, data: dict[str, Any]) -> Contact:
    return actions.do_create_contact(principal=p, actor=actor, data=data)


def _update_contact(p: Principal, actor: Any, obj: Any, data: dict[str, Any]) -> Contact:
    return actions.do_update_contact(principal=p, actor=actor, contact=obj, data=data)


def _create_licence(p: Principal, actor: Any, data: dict[str, Any]) -> Licence:
    return actions.do_create_licence(principal=p, actor=actor, data=data)


def _update_licence(p: Principal, actor: Any, obj: Any, data: dict[str, Any]) -> Licence:
    return actions.do_update_licence(principal=p, actor=actor, licence=obj, data=data)


for resource in (
    Resource(
        "account",
        "/accounts",
        Account,
        s.AccountOut,
        s.AccountIn,
        s.AccountPatch,
        s.AccountFilter,
        queries.accounts,
        read=EVERYONE,
        write=ACCOUNT_WRITERS,
        can_delete=False,
        create=_create_account,
        update=_update_account,
    ),
    Resource(
        "contact",
        "/contacts",
        Contact,
        s.ContactOut,
        s.ContactIn,
        s.ContactPatch,
        s.ContactFilter,
        queries.contacts,
        read=EVERYONE,
        write=AGENTS,
        can_delete=False,
        create=_create_contact,
        update=_update_contact,
    ),
    Resource(
        "product",
        "/products",
        Product,
        s.ProductOut,
        s.ProductIn,
        s.ProductPatch,
        s.ProductFilter,
        queries.products,
        read=EVERYONE,
        write=(Role.ADMINISTRATOR,),
    ),
    Resource(
        "product_version",
        "/versions",
        ProductVersion,
        s.VersionOut,
        s.VersionIn,
        s.VersionPatch,
        s.VersionFilter,
        queries.product_versions,
        read=EVERYONE,
        write=(Role.ADMINISTRATOR,),
    ),
    Resource(
        "licence",
        "/licences",
        Licence,
        s.LicenceOut,
        s.LicenceIn,
        s.LicencePatch,
        s.LicenceFilter,
        queries.licences,
        read=EVERYONE,
        write=ACCOUNT_WRITERS,
        can_delete=False,
        create=_create_licence,
        update=_update_licence,
    ),
):
    register(router, resource)


class LookupQuery(Schema):
    q: str | None = Field(None, description="Anything: phone, email, PID or name")
    phone: str | None = Field(None, description="Any common format, e.g. 01 42 68 53 00")
    email: str | None = None
    pid: str | None = None
    name: str | None = Field(None, description="Fuzzy company or person name")
    country: str | None = Field(None, description="Region for national phone formats")


@router.get("/lookup", response=list[s.MatchOut], summary="Find a customer", auth=allow(*AGENTS))
def lookup(request: HttpRequest, params: Query[LookupQuery]) -> Any:
    principal = current_principal(request)
    regions = [params.country] if params.country else []
    if params.phone:
        found = queries.by_phone(principal, params.phone, regions=regions)
    elif params.email:
        found = queries.by_email(principal, params.email)
    elif params.pid:
        found = queries.by_pid(principal, params.pid)
    elif params.name:
        found = queries.by_name(principal, params.name)
    elif params.q:
        found = queries.lookup(principal, params.q, regions=regions)
    else:
        raise HttpError(422, "Give one of q, phone, email, pid or name.")
    prefetch_related_objects(
        [m.contact for m in found if m.contact is not None], "phones", "emails", "verifications"
    )
    return [match_payload(match) for match in found]


@router.post(
    "/contacts/{int:pk}/verify",
    response=s.VerifyOut,
    summary="Check a caller's identity",
    auth=allow(*AGENTS),
)
def verify(request: HttpRequest, pk: int, payload: s.VerifyIn) -> Any:
    contact = get_object_or_404(queries.contacts(current_principal(request)), pk=pk)
    verified, wrong = actions.do_verify_identity(
        actor=request.user, contact=contact, answers=payload.answers
    )
    return {"verified": verified, "wrong": wrong}
