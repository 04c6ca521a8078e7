"""Console page: customer search."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from escalade.core.roles import STAFF_ROLES
from escalade.core.rules import page_principal
from escalade.customers import queries
from escalade.customers.models import Account, Contact

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class ResultRow:
    account: Account
    contact: Contact | None
    found_by: str


def found_by_label(matched_on: str) -> str:
    labels = {
        "phone": _("Phone number"),
        "email": _("Email address"),
        "pid": _("Product ID (PID)"),
        "name": _("Name"),
    }
    return labels.get(matched_on, matched_on)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    principal = page_principal(request, STAFF_ROLES)
    text = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    matches = queries.lookup(principal, text) if text else []
    rows = [
        ResultRow(account=m.account, contact=m.contact, found_by=found_by_label(m.matched_on))
        for m in matches
    ]
    return render(
        request,
        "customers/search.html",
        {"q": text, "rows": rows, "searched": bool(text)},
    )
