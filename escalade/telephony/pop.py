"""The screen pop: the caller's file as an HTML fragment, for one agent's console.

It is rendered for the agent who receives it, with the agent's own principal (a partner
never sees a premier caller's file), language and time zone. An unknown or hidden caller
gets a search box prefilled with the number.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from escalade.contracts.models import Contract
from escalade.contracts.queries import local_date
from escalade.contracts.queries import visible as visible_contracts
from escalade.core.principal import Principal, principal_for
from escalade.core.roles import STAFF_ROLES
from escalade.customers.queries import accounts
from escalade.engines.entitlements import ContractState, contract_state
from escalade.engines.phones import display
from escalade.incidents.models import EntryKind
from escalade.incidents.queries import active, by_urgency, customer_timeline, incidents
from escalade.telephony.models import Cause, Direction, State

OPEN_INCIDENTS_SHOWN = 5
INTERACTIONS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Viewer:
    """The agent a console socket belongs to: whose scope, language and time zone."""

    principal: Principal
    language: str
    time_zone: str

    @property
    def agent_id(self) -> int:
        assert self.principal.agent_id is not None
        return self.principal.agent_id


def viewer_for(user: Any, *, cookies: dict[str, str], accept_language: str) -> Viewer | None:
    """The viewer of a console socket, or None for anyone but active staff with an agent."""
    principal = principal_for(user)
    if principal is None or principal.agent_id is None or principal.role not in STAFF_ROLES:
        return None
    agent = user.agent
    time_zone = agent.site.time_zone if agent.site_id is not None else settings.TIME_ZONE
    # The language the console pages use: the switcher's cookie, else the browser's.
    request = HttpRequest()
    request.COOKIES = dict(cookies)
    request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language
    language = translation.get_language_from_request(request)
    return Viewer(principal=principal, language=language, time_zone=time_zone)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _number(facts: dict[str, Any]) -> str:
    e164 = facts.get("number_e164") or ""
    return display(e164) if e164.startswith("+") else (facts.get("number") or "")


def _coverage(principal: Principal, account_id: int, now: datetime) -> dict[str, Any]:
    """Whether a contract covers the account today (in its calendar's time zone).

    Only the dates count here: the pop does not need the allowances nor the calendars'
    hours that the customer file computes, so neither is loaded.
    """
    contracts = (
        Contract.objects.filter(visible_contracts(principal), account_id=account_id)
        .select_related("plan__calendar")
        .only("starts_on", "ends_on", "cancelled_on", "plan__calendar__time_zone")
        .order_by()
    )
    active: list[date] = []
    pending: list[date] = []
    for contract in contracts:
        state = contract_state(contract, local_date(now, contract.plan.calendar.time_zone))
        if state == ContractState.ACTIVE:
            active.append(contract.ends_on)
        elif state == ContractState.PENDING:
            pending.append(contract.starts_on)
    return {
        "covered": bool(active),
        "covered_until": max(active, default=None),
        "next_start": min(pending, default=None),
    }


def pop_context(viewer: Viewer, facts: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """What the pop shows; four queries when the caller is known and visible, else none.

    Each read goes through the viewer's own scope (accounts, contracts, incidents and
    timeline), loading only the columns the pop shows: it runs for every call event.
    """
    state = facts.get("state", "")
    cause = facts.get("cause") or ""
    context: dict[str, Any] = {
        "call": facts,
        "state": state,
        "state_label": State(state).label if state in State.values else state,
        "cause_label": Cause(cause).label if cause in Cause.values else cause,
        "live": state != State.CLEARED,
        "inbound": facts.get("direction") != Direction.OUT,
        "number": _number(facts),
        "started_at": _when(facts.get("started_at")),
        "answered_at": _when(facts.get("answered_at")),
        "ended_at": _when(facts.get("ended_at")),
        "search_url": reverse("customers:search"),
        "search_text": facts.get("number") or _number(facts),
    }
    account_id = facts.get("account_id")
    principal = viewer.principal
    account = (
        accounts(principal).filter(pk=account_id).only("id", "name", "segment").order_by().first()
        if account_id
        else None
    )
    if account is None:
        return context
    open_incidents = list(
        by_urgency(active(incidents(principal).filter(account_id=account.pk)))
        .select_related(None)
        .only("id", "number", "title", "severity", "sla_due_at", "sla_state")
    )
    entries = list(
        customer_timeline(principal, account.pk)
        .select_related(None)
        .select_related("incident")
        .only("id", "at", "kind", "body", "incident__id", "incident__number")
        .order_by("-at", "-id")[:INTERACTIONS_SHOWN]
    )
    new_incident = {"account": account.pk}
    if facts.get("contact_id"):
        new_incident["contact"] = facts["contact_id"]
    context.update(
        {
            "account": account,
            "contact_name": facts.get("contact_name") or "",
            **_coverage(principal, account.pk, now),
            "open_incidents": open_incidents[:OPEN_INCIDENTS_SHOWN],
            "more_incidents": max(0, len(open_incidents) - OPEN_INCIDENTS_SHOWN),
            "interactions": [
                {
                    "at": entry.at,
                    "kind": entry.kind,
                    "label": EntryKind(entry.kind).label
                    if entry.kind in EntryKind.values
                    else entry.kind,
                    "body": entry.body,
                    "incident": entry.incident,
                }
                for entry in entries
            ],
            "file_url": reverse("desk:file", args=[account.pk]),
            "new_incident_url": f"{reverse('incidents:new')}?{urlencode(new_incident)}",
        }
    )
    return context


def render_pop(viewer: Viewer, facts: dict[str, Any], *, now: datetime | None = None) -> str:
    """The pop's HTML in the viewer's language and time zone."""
    with translation.override(viewer.language), timezone.override(viewer.time_zone):
        context = pop_context(viewer, facts, now=now or timezone.now())
        return render_to_string("telephony/pop.html", context)


def pop_message(viewer: Viewer, facts: dict[str, Any]) -> dict[str, Any]:
    """The JSON a console receives: the call's state and the rendered pop."""
    html = render_pop(viewer, facts)
    # What the browser learns of the call: no caller name the agent may not see.
    call = {
        "id": facts.get("id"),
        "call_id": facts.get("external_id"),
        "state": facts.get("state"),
        "direction": facts.get("direction"),
        "number": facts.get("number"),
    }
    return {"type": "screen_pop", "call": call, "html": html}
