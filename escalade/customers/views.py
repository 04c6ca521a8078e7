"""Console pages: customer search and the customer file."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from escalade.core.roles import STAFF_ROLES
from escalade.core.rules import page_principal
from escalade.customers import queries


@login_required
def search(request: HttpRequest) -> HttpResponse:
    principal = page_principal(request, STAFF_ROLES)
    text = request.GET.get("q", "").strip()
    matches = queries.lookup(principal, text) if text else []
    return render(
        request,
        "customers/search.html",
        {"q": text, "matches": matches, "searched": bool(text)},
    )


@login_required
def customer_file(request: HttpRequest, pk: int) -> HttpResponse:
    principal = page_principal(request, STAFF_ROLES)
    found = queries.customer_file(principal, pk, now=timezone.now())
    if found is None:
        raise Http404("No such account, or not one you may see.")
    return render(request, "customers/file.html", {"file": found})
