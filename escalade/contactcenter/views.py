"""Console page of the ACD: the agent's own state (the top bar's control posts here).

It works without JavaScript: the control is a small POST form; a success goes back to
the page it came from (POST/redirect/GET) with a message; a refused change renders this
page with the message and a 4xx status. ``?fragment=1`` returns the control alone,
which ``agentstate.js`` fetches to refresh the top bar when a call comes or goes.

Fetching the fragment first applies what time brought (``service.tick``: a wrap-up
over, a ring timeout, an overflow step), in this web process. With the in-memory
channel layer (one process, the embedded default) only this process reaches the
consoles, so a call routed here pops at once, where one routed by the worker process
would not; the control then also asks every few seconds (``data-poll-seconds``).
With Redis, the worker's decisions reach every console and the control does not poll.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from escalade.contactcenter import boards, queries, staffing
from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.models import MANUAL_REASONS, AcdState, AgentPresence
from escalade.contactcenter.service import service
from escalade.core.roles import STAFF_ROLES, Role
from escalade.core.rules import page_principal
from escalade.network.models import Agent

# What the control offers: (value, state, reason).
CHOICES: list[tuple[str, str, str]] = [
    ("available", AcdState.AVAILABLE, ""),
    *((f"not_ready:{reason.value}", AcdState.NOT_READY, reason.value) for reason in MANUAL_REASONS),
    ("logged_out", AcdState.LOGGED_OUT, ""),
]
BUSY = frozenset({AcdState.RESERVED, AcdState.ON_CALL})


# Seconds between two refreshes of the control while the console is open (0: never).
POLL_SECONDS = 5


def poll_seconds() -> int:
    backend = str(settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", ""))
    return POLL_SECONDS if backend.endswith("InMemoryChannelLayer") else 0


def control_context(agent_id: int, *, request: HttpRequest) -> dict[str, Any]:
    presence = AgentPresence.objects.select_related("contact").filter(
        agent_id=agent_id
    ).first() or AgentPresence(agent_id=agent_id)
    remaining = None
    if presence.state == AcdState.WRAP_UP and presence.wrap_up_until is not None:
        remaining = max(0, round((presence.wrap_up_until - timezone.now()).total_seconds()))
    current = (
        "available"
        if presence.state == AcdState.AVAILABLE
        else f"not_ready:{presence.reason}"
        if presence.state == AcdState.NOT_READY
        else "logged_out"
        if presence.state == AcdState.LOGGED_OUT
        else ""
    )
    options = []
    for value, state, reason in CHOICES:
        if state == AcdState.NOT_READY:
            label = _("Not ready · %(reason)s") % {"reason": dict(_reason_labels())[reason]}
        else:
            label = str(AcdState(state).label)
        options.append({"value": value, "label": label, "selected": value == current})
    return {
        "presence": presence,
        "state_label": presence.get_state_display(),
        "reason_label": presence.get_reason_display() if presence.reason else "",
        "remaining": remaining,
        "busy": presence.state in BUSY,
        "options": options,
        "next": request.get_full_path() if request.method == "GET" else "",
        "poll_seconds": poll_seconds(),
    }


def _reason_labels() -> list[tuple[str, str]]:
    return [(reason.value, str(reason.label)) for reason in MANUAL_REASONS]


def _parse(choice: str) -> tuple[str, str] | None:
    for value, state, reason in CHOICES:
        if value == choice:
            return state, reason
    return None


@login_required
@require_http_methods(["GET", "POST"])
def agent_state(request: HttpRequest) -> HttpResponse:
    principal = page_principal(request, STAFF_ROLES)
    if principal.agent_id is None:
        return render(request, "contactcenter/state.html", {"no_agent": True}, status=404)
    if request.method == "GET":
        if request.GET.get("fragment"):
            service.tick()
            context = control_context(principal.agent_id, request=request)
            context["next"] = request.GET.get("next", "")
            return render(request, "contactcenter/state_control.html", context)
        return render(request, "contactcenter/state.html", {})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    parsed = _parse(request.POST.get("choice", ""))
    if parsed is None:
        return render(
            request,
            "contactcenter/state.html",
            {"error": _("Choose available, not ready with a reason, or logged out.")},
            status=422,
        )
    state, reason = parsed
    agent = Agent.objects.select_related("user").get(pk=principal.agent_id)
    try:
        presence = service.set_agent_state(
            agent=agent, state=state, reason=reason, actor=request.user
        )
    except AcdRefused as exc:
        return render(request, "contactcenter/state.html", {"error": str(exc)}, status=409)
    except AcdInvalid as exc:
        return render(request, "contactcenter/state.html", {"error": str(exc)}, status=422)
    messages.success(
        request, _("You are now: %(state)s.") % {"state": presence.get_state_display()}
    )
    return redirect(target or "contactcenter:state")


# --- supervision: the wallboard and the staffing calculator -----------------------------

MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
# Seconds between two refreshes of the wallboard's fragment (wallboard.js).
WALLBOARD_REFRESH_SECONDS = 5


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@login_required
@require_http_methods(["GET"])
def wallboard(request: HttpRequest) -> HttpResponse:
    """Per queue and site: who waits, today's service, agents by state. ``?fragment=1``
    returns the board alone, which ``wallboard.js`` fetches every few seconds."""
    principal = page_principal(request, MANAGER_ROLES)
    site_id, queue_id = _int_param(request, "site"), _int_param(request, "queue")
    board = boards.build(principal, site_id=site_id, queue_id=queue_id)
    all_queues = boards.board_queues(principal)
    sites = sorted(
        {(q.site_id, q.site.name) for q in all_queues if q.site is not None},
        key=lambda pair: pair[1],
    )
    context = {
        "board": board,
        "labels": boards.state_labels(),
        "states": boards.BOARD_STATES,
        "sites": sites,
        "queues": all_queues,
        "site_id": site_id,
        "queue_id": queue_id,
        "refresh_seconds": WALLBOARD_REFRESH_SECONDS,
        "page_name": "wallboard",
    }
    if request.GET.get("fragment"):
        return render(request, "contactcenter/wallboard_board.html", context)
    return render(request, "contactcenter/wallboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staffing_page(request: HttpRequest) -> HttpResponse:
    """The staffing calculator: a form in, agents required per interval out."""
    principal = page_principal(request, MANAGER_ROLES)
    queues = queries.queues(principal)
    rows = None
    error = ""
    if request.method == "POST":
        form = staffing.StaffingForm(request.POST, queues=queues)
        if form.is_valid():
            try:
                rows = form.result()
            except staffing.StaffingError as exc:
                error = str(exc)
    else:
        form = staffing.StaffingForm(queues=queues)
    status = 200 if request.method == "GET" or rows is not None else 422
    return render(
        request,
        "contactcenter/staffing.html",
        {"form": form, "rows": rows, "error": error, "page_name": "staffing"},
        status=status,
    )
