"""The screen pop: the caller's file as an HTML fragment, for one agent's console.

It is rendered for the agent who receives it, with the agent's own principal (a partner
never sees a premier caller's file), language and time zone. An unknown or hidden caller
gets a search box prefilled with the number.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from escalade.core.principal import Principal, principal_for
from escalade.core.roles import STAFF_ROLES
from escalade.desk.queries import desk_file
from escalade.engines.entitlements import ContractState
from escalade.engines.phones import display
from escalade.incidents.models import EntryKind
from escalade.incidents.queries import customer_timeline
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


def pop_context(viewer: Viewer, facts: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """What the pop shows; the desk file's queries when the caller is known and visible."""
    account_id = facts.get("account_id")
    desk = desk_file(viewer.principal, account_id, now=now) if account_id else None
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
    if desk is None:
        return context
    account = desk.file.account
    active = [s for s in desk.file.contracts if s.state == ContractState.ACTIVE]
    pending = [s for s in desk.file.contracts if s.state == ContractState.PENDING]
    new_incident = {"account": account.pk}
    if facts.get("contact_id"):
        new_incident["contact"] = facts["contact_id"]
    entries = list(
        customer_timeline(viewer.principal, account.pk).order_by("-at", "-id")[:INTERACTIONS_SHOWN]
    )
    context.update(
        {
            "account": account,
            "contact_name": facts.get("contact_name") or "",
            "covered": bool(active),
            "covered_until": max((s.contract.ends_on for s in active), default=None),
            "next_start": min((s.contract.starts_on for s in pending), default=None),
            "open_incidents": desk.open_incidents[:OPEN_INCIDENTS_SHOWN],
            "more_incidents": max(0, len(desk.open_incidents) - OPEN_INCIDENTS_SHOWN),
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
