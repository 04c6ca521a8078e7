"""Console page of the customer file, with the customer's incidents."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contracts.models import Channel, Coverage
from escalade.contracts.queries import ContractStatus
from escalade.core.roles import STAFF_ROLES
from escalade.core.rules import page_principal
from escalade.customers.models import Licence
from escalade.desk.queries import desk_file
from escalade.engines.entitlements import Allowance, ContractState


@dataclass(frozen=True, slots=True)
class ContractRow:
    number: str
    plan: str
    coverage: str
    channels: list[str]
    starts_on: date
    ends_on: date
    state: str
    state_label: str
    l1: str
    products: list[str]
    allowances: tuple[Allowance, ...]


@dataclass(frozen=True, slots=True)
class LicenceRow:
    licence: Licence
    covered: bool


def state_label(state: ContractState) -> str:
    labels = {
        ContractState.ACTIVE: _("Active"),
        ContractState.PENDING: _("Not started"),
        ContractState.EXPIRED: _("Expired"),
        ContractState.CANCELLED: _("Cancelled"),
    }
    return labels[state]


def channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


def contract_row(status: ContractStatus) -> ContractRow:
    contract = status.contract
    plan = contract.plan
    return ContractRow(
        number=contract.number,
        plan=plan.name,
        coverage=str(Coverage(plan.coverage).label) if plan.coverage in Coverage.values else "",
        channels=[channel_label(code) for code in plan.channels],
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        state=status.state.value,
        state_label=state_label(status.state),
        l1=contract.l1_partner.name if contract.l1_partner else _("Internal"),
        products=[product.name for product in contract.products.all()],
        allowances=status.allowances,
    )


@login_required
def customer_file(request: HttpRequest, pk: int) -> HttpResponse:
    principal = page_principal(request, STAFF_ROLES)
    desk = desk_file(principal, pk, now=timezone.now())
    if desk is None:
        raise Http404(_("No such account, or not one you may see."))
    found = desk.file
    active = [s for s in found.contracts if s.state == ContractState.ACTIVE]
    pending = [s for s in found.contracts if s.state == ContractState.PENDING]
    covered_products = {p.pk for s in active for p in s.contract.products.all()}
    return render(
        request,
        "desk/file.html",
        {
            "file": found,
            "open_incidents": desk.open_incidents,
            "recent_incidents": desk.recent_incidents,
            "account": found.account,
            "covered": bool(active),
            "covered_until": max((s.contract.ends_on for s in active), default=None),
            "next_start": min((s.contract.starts_on for s in pending), default=None),
            "contracts": [contract_row(s) for s in found.contracts],
            "licences": [
                LicenceRow(licence=licence, covered=licence.product_id in covered_products)
                for licence in found.licences
            ],
        },
    )
