"""Console pages of incidents: my cases, the team queue, the incident page, intake, SLA alerts.

Thin, like every page: read the scoped queries, check a form, call one action, render.
Errors of the actions come back on the form that was sent (4xx, nothing typed is lost);
a success redirects (POST/redirect/GET) with a message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contracts.eligibility import reason_messages
from escalade.contracts.models import Channel, Contract
from escalade.core.principal import Principal
from escalade.core.roles import STAFF_ROLES, Role
from escalade.core.rules import page_principal
from escalade.customers.models import Account, Contact, Licence
from escalade.customers.queries import accounts
from escalade.incidents import escalation, lifecycle, queries
from escalade.incidents.consumption import remaining_after
from escalade.incidents.forms import (
    AssignForm,
    ClassifyForm,
    ConsoleForm,
    DiagnosticForm,
    EmptyForm,
    EscalateForm,
    IntakeForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    StatusForm,
)
from escalade.incidents.intake import OVERRIDE_ROLES, NotCovered, assess, do_open_incident
from escalade.incidents.models import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    Direction,
    EntryKind,
    Incident,
    SlaEvent,
    SlaEventKind,
    Status,
    TimelineEntry,
)
from escalade.incidents.presenters import clock_rows
from escalade.incidents.routing import next_tier, previous_tier
from escalade.network.models import Agent, Queue, Site

PAGE_SIZE = 50
MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
# Statuses with an action of their own, not offered by the status form.
OWN_FORMS = frozenset({Status.RESOLVED, Status.CLOSED, Status.REOPENED})
ICONS = {
    EntryKind.NOTE: "✎",
    EntryKind.DIAGNOSTIC: "⚙",
    EntryKind.STATUS: "⇄",
    EntryKind.ESCALATION: "⇅",
    EntryKind.SLA: "⚠",
    EntryKind.ENTITLEMENT: "⚖",
    EntryKind.INTAKE: "✚",
    EntryKind.CALL: "☎",
    EntryKind.EMAIL: "✉",
    EntryKind.PORTAL: "⌂",
}


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Lists -----------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The active cases I own, most urgent first."""
    principal = page_principal(request, STAFF_ROLES)
    cases = queries.active(queries.incidents(principal))
    cases = cases.filter(owner_id=principal.agent_id) if principal.agent_id else cases.none()
    return render(
        request,
        "incidents/list.html",
        {"page": _page(request, queries.by_urgency(cases)), "heading": _("My incidents")},
    )


def team_queues(principal: Principal) -> QuerySet[Queue]:
    """The queues of the caller's organisation (all queues for staff without one)."""
    found = Queue.objects.select_related("tier", "site").order_by("tier__rank", "name")
    if principal.organization_id is not None:
        found = found.filter(organization_id=principal.organization_id)
    return found


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The active cases of my organisation's queues, or of one of them, most urgent first."""
    principal = page_principal(request, STAFF_ROLES)
    queues = list(team_queues(principal))
    chosen = _int(request.GET.get("queue"))
    if chosen not in {q.pk for q in queues}:
        chosen = None
    cases = queries.active(queries.incidents(principal)).filter(
        queue_id__in=[chosen] if chosen else [q.pk for q in queues]
    )
    return render(
        request,
        "incidents/list.html",
        {
            "page": _page(request, queries.by_urgency(cases)),
            "heading": _("Team queue"),
            "queues": queues,
            "chosen_queue": chosen,
            "queue_filter": True,
        },
    )


@dataclass(frozen=True, slots=True)
class AlertRow:
    event: SlaEvent
    clock: str


def clock_label(name: str) -> str:
    if name == "first_response":
        return _("First response")
    if name == "resolution":
        return _("Resolution")
    return _("Tier hand-off")


@login_required
def sla_alerts(request: HttpRequest) -> HttpResponse:
    """Warnings and breaches of the cases the supervisor may see, newest first."""
    principal = page_principal(request, MANAGERS)
    events = queries.sla_events(principal).select_related("incident__tier")
    kind = request.GET.get("kind", "")
    if kind in SlaEventKind.values:
        events = events.filter(kind=kind)
    else:
        kind = ""
    page = _page(request, events.order_by("-raised_at", "-id"))
    page.object_list = [AlertRow(event=e, clock=clock_label(e.clock)) for e in page.object_list]
    return render(
        request,
        "incidents/sla_alerts.html",
        {"page": page, "kind": kind, "kinds": SlaEventKind.choices},
    )


# --- The incident page -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryRow:
    at: datetime
    kind: str
    label: str
    icon: str
    actor: str
    body: str
    detail: str
    customer_visible: bool


def _actor_name(user: Any) -> str:
    if user is None:
        return _("Escalade")
    return str(user.get_full_name() or user.get_username())


def entry_row(entry: TimelineEntry) -> EntryRow:
    """One timeline entry for people: its kind, who, what, and the detail of its kind."""
    data = entry.data or {}
    body, detail = entry.body, ""
    if entry.kind == EntryKind.DIAGNOSTIC and data.get("outcome"):
        detail = _("Outcome: %(outcome)s") % {"outcome": data["outcome"]}
    elif entry.kind == EntryKind.STATUS and data.get("to") in Status.values:
        before = Status(data["from"]).label if data.get("from") in Status.values else "—"
        after = Status(data["to"]).label
        detail = f"{before} → {after}"
        if body == _("Status: %(status)s") % {"status": after}:
            body = ""
    elif entry.kind == EntryKind.ESCALATION and data.get("to_queue"):
        direction = data.get("direction", Direction.UP)
        label = Direction(direction).label if direction in Direction.values else direction
        detail = _("%(direction)s: %(before)s → %(after)s") % {
            "direction": label,
            "before": f"{data.get('from_queue')} ({data.get('from_tier')})",
            "after": f"{data.get('to_queue')} ({data.get('to_tier')})",
        }
    kind = EntryKind(entry.kind) if entry.kind in EntryKind.values else None
    return EntryRow(
        at=entry.at,
        kind=entry.kind,
        label=str(kind.label) if kind else entry.kind,
        icon=ICONS.get(kind, "•") if kind else "•",
        actor=_actor_name(entry.actor),
        body=body,
        detail=detail,
        customer_visible=entry.customer_visible,
    )


def _status_choices(incident: Incident) -> list[tuple[str, str]]:
    allowed = TRANSITIONS[incident.status] - OWN_FORMS
    return [(value, str(label)) for value, label in Status.choices if value in allowed]


def _agent_choices(incident: Incident) -> list[tuple[str, str]]:
    agents = (
        Agent.objects.filter(organization_id=incident.queue.organization_id, is_active=True)
        .select_related("user", "tier")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return [(str(a.pk), f"{a} · {a.tier.code}") for a in agents]


def _queue_choices(incident: Incident) -> list[tuple[str, list[tuple[str, str]]]]:
    found = (
        Queue.objects.exclude(pk=incident.queue_id)
        .select_related("tier", "organization")
        .order_by("tier__rank", "name")
    )
    if incident.account.is_premier:
        found = found.exclude(organization__kind="partner")
    groups: dict[str, list[tuple[str, str]]] = {}
    for q in found:
        groups.setdefault(f"{q.tier.code} · {q.tier.name}", []).append(
            (str(q.pk), f"{q.name} ({q.organization.name})")
        )
    return list(groups.items())


def _site_choices() -> list[tuple[str, str]]:
    return [
        (str(s.pk), str(s)) for s in Site.objects.select_related("organization").order_by("name")
    ]


def action_forms(
    incident: Incident, principal: Principal, data: Any = None, only: str = ""
) -> dict[str, ConsoleForm]:
    """The forms of the actions this person may use on this case now.

    With ``data``, the form named ``only`` is bound to it (the others are not built).
    """
    active = incident.status in ACTIVE_STATUSES
    builders: dict[str, Callable[..., ConsoleForm]] = {
        "note": NoteForm,
        "diagnostic": DiagnosticForm,
    }
    if (
        active
        and principal.agent_id is not None
        and incident.owner_id != principal.agent_id
        and principal.organization_id == incident.queue.organization_id
    ):
        builders["take"] = EmptyForm
    if active:
        builders["assign"] = lambda *a, **k: AssignForm(
            *a, choices=_agent_choices(incident), initial={"owner": incident.owner_id}, **k
        )
    status_choices = _status_choices(incident)
    if status_choices:
        builders["status"] = lambda *a, **k: StatusForm(*a, choices=status_choices, **k)
    if incident.status != Status.CLOSED:
        builders["classify"] = lambda *a, **k: ClassifyForm(
            *a,
            initial={
                "classification": incident.classification,
                "bug_reference": incident.bug_reference,
            },
            **k,
        )
    if active:
        builders["escalate"] = lambda *a, **k: EscalateForm(
            *a, queues=_queue_choices(incident), sites=_site_choices(), **k
        )
        if previous_tier(incident.tier) is not None:
            builders["deescalate"] = ReasonForm
    if Status.RESOLVED in TRANSITIONS[incident.status]:
        builders["resolve"] = ResolveForm
    if incident.status == Status.RESOLVED:
        builders["reopen"] = ReasonForm
        builders["close"] = EmptyForm
    if active and Status.CLOSED in TRANSITIONS[incident.status]:
        builders["cancel"] = ReasonForm  # not while a vendor works on it, nor once reopened
    if data is not None:
        builder = builders.get(only)
        return {only: builder(data, prefix=only)} if builder else {}
    return {name: builder(prefix=name) for name, builder in builders.items()}


def perform(
    name: str, form: ConsoleForm, *, principal: Principal, user: Any, incident: Incident
) -> str:
    """Run the action of the form; returns the success message."""
    data, now = form.cleaned_data, timezone.now()
    if name == "note":
        lifecycle.do_add_note(
            actor=user,
            incident=incident,
            body=data["body"],
            customer_visible=data["customer_visible"],
            now=now,
        )
        return _("Note added.")
    if name == "diagnostic":
        lifecycle.do_add_diagnostic_step(
            actor=user, incident=incident, step=data["step"], outcome=data["outcome"], now=now
        )
        return _("Diagnostic step recorded.")
    if name == "status":
        lifecycle.do_change_status(
            actor=user, incident=incident, status=data["status"], note=data["note"], now=now
        )
        return _("Status changed to %(status)s.") % {"status": Status(data["status"]).label}
    if name in ("take", "assign"):
        owner_id = principal.agent_id if name == "take" else _int(data["owner"])
        agent = None
        if owner_id is not None:
            agent = Agent.objects.select_related("user").filter(pk=owner_id).first()
            if agent is None:
                raise ValidationError({"owner": _("No such agent.")})
        lifecycle.do_assign(
            principal=principal, actor=user, incident=incident, agent=agent, now=now
        )
        if name == "take":
            return _("You now own this case.")
        return _("Assigned to %(agent)s.") % {"agent": agent} if agent else _("Case unassigned.")
    if name == "classify":
        lifecycle.do_reclassify(
            actor=user,
            incident=incident,
            classification=data["classification"],
            bug_reference=data["bug_reference"],
            now=now,
        )
        return _("Classification saved.")
    if name in ("escalate", "deescalate"):
        if name == "escalate":
            step = escalation.do_escalate(
                actor=user,
                incident=incident,
                reason=data["reason"],
                queue_id=_int(data["queue"]),
                site_id=_int(data["site"]),
                now=now,
            )
        else:
            step = escalation.do_deescalate(
                actor=user, incident=incident, reason=data["reason"], now=now
            )
        return _("Moved to %(queue)s (%(tier)s).") % {
            "queue": step.to_queue.name,
            "tier": step.to_tier.code,
        }
    if name == "resolve":
        lifecycle.do_resolve(actor=user, incident=incident, summary=data["summary"], now=now)
        return _("Incident resolved.")
    if name == "reopen":
        lifecycle.do_reopen(actor=user, incident=incident, reason=data["reason"], now=now)
        return _("Incident reopened.")
    if name == "close":
        lifecycle.do_close(actor=user, incident=incident, now=now)
        return _("Incident closed.")
    lifecycle.do_cancel(actor=user, incident=incident, reason=data["reason"], now=now)
    return _("Incident cancelled.")


def _incident(principal: Principal, pk: int) -> Incident:
    return get_object_or_404(
        queries.incidents(principal).select_related(
            "contract__plan__calendar", "queue__organization", "opened_by_organization"
        ),
        pk=pk,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case file: header, clocks, escalation path, timeline, and the actions allowed."""
    principal = page_principal(request, STAFF_ROLES)
    incident = _incident(principal, pk)
    writable = queries.writable_incidents(principal).filter(pk=pk).exists()
    status = 200
    failed = ""
    forms: dict[str, ConsoleForm] = {}
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(_("This case has moved on: you may read it, not change it."))
        name = request.POST.get("action", "")
        bound = action_forms(incident, principal, request.POST, only=name)
        if not bound:
            messages.error(
                request,
                _("This action is not possible on the case as it is now; see its status below."),
            )
            status = 409
        else:
            form = bound[name]
            if form.is_valid():
                try:
                    message = perform(
                        name, form, principal=principal, user=request.user, incident=incident
                    )
                except PermissionDenied as exc:
                    form.add_error(None, str(exc) or _("You may not do this."))
                    status = 403
                except ValidationError as exc:
                    form.add_action_error(exc)
                    status = 422
                else:
                    messages.success(request, message)
                    if queries.incidents(principal).filter(pk=pk).exists():
                        return redirect("incidents:detail", pk=pk)
                    return redirect("incidents:queue")
            else:
                status = 422
            forms.update(bound)
            failed = name
            incident = _incident(principal, pk)
    if writable:
        forms = {**action_forms(incident, principal), **forms}
    now = timezone.now()
    entries = [entry_row(e) for e in queries.timeline(principal, incident)]
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "writable": writable,
            "forms": forms,
            "failed": failed,
            "clocks": clock_rows(incident, now=now),
            "escalations": list(queries.escalation_path(incident)),
            "entries": entries,
            "is_active": incident.status in ACTIVE_STATUSES,
            "has_next_tier": next_tier(incident.tier) is not None,
        },
        status=status,
    )


# --- Intake ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageCheck:
    contract: Contract | None
    reasons: list[str]
    remaining: dict[str, int]


def check_coverage(account: Account, data: Any) -> CoverageCheck:
    """Would the request as typed so far be covered? Nothing is written."""
    licence_id = _int(data.get("licence"))
    licence = None
    if licence_id is not None:
        licence = (
            Licence.objects.filter(account=account, pk=licence_id).select_related("product").first()
        )
    severity = _int(data.get("severity"))
    channel = data.get("channel")
    now = timezone.now()
    with transaction.atomic():  # assess locks the counting entitlements
        contract, entitlements, reasons = assess(
            account=account,
            licence=licence,
            severity=severity if severity in (1, 2, 3, 4) else 3,
            channel=channel if channel in Channel.values else Channel.PHONE,
            now=now,
        )
        remaining = remaining_after(entitlements, now)
    return CoverageCheck(contract=contract, reasons=reason_messages(reasons), remaining=remaining)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Open an incident for an account, from its customer file."""
    principal = page_principal(request, STAFF_ROLES)
    account_id = _int(request.GET.get("account"))
    if account_id is None:
        messages.info(request, _("Find the customer first, then open the incident from its file."))
        return redirect("customers:search")
    account = get_object_or_404(accounts(principal), pk=account_id)
    contacts = Contact.objects.filter(account=account, is_active=True).order_by(
        "last_name", "first_name"
    )
    licences = list(
        Licence.objects.filter(account=account).select_related("product").order_by("pid")
    )
    may_override = principal.role in OVERRIDE_ROLES

    def intake_form(*args: Any, **kwargs: Any) -> IntakeForm:
        return IntakeForm(
            *args, contacts=contacts, licences=licences, may_override=may_override, **kwargs
        )

    not_covered: list[str] = []
    checked = None
    status = 200
    if request.method == "POST" and "check" in request.POST:
        # Keep what was typed, without complaining about what is not typed yet.
        form = intake_form(initial=request.POST.dict())
        checked = check_coverage(account, request.POST)
    elif request.method == "POST":
        form = intake_form(request.POST)
        if form.is_valid():
            try:
                incident = do_open_incident(
                    principal=principal,
                    actor=request.user,
                    account_id=account.pk,
                    request=form.intake_request(),
                    now=timezone.now(),
                )
            except NotCovered as exc:
                not_covered = reason_messages(exc.reasons)
                status = 422
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
                status = 403
            except ValidationError as exc:
                form.add_action_error(exc)
                status = 422
            else:
                messages.success(
                    request, _("Incident %(number)s opened.") % {"number": incident.number}
                )
                return redirect("incidents:detail", pk=incident.pk)
        else:
            status = 422
    else:
        initial: dict[str, Any] = {}
        contact_id = _int(request.GET.get("contact"))
        if contact_id and any(c.pk == contact_id for c in contacts):
            initial["contact"] = str(contact_id)
        if len(licences) == 1:
            initial["licence"] = str(licences[0].pk)
        form = intake_form(initial=initial)
    typed = form.data if form.is_bound else form.initial
    show_choices = bool(
        not_covered
        or (checked and checked.reasons)
        or typed.get("paid_reference")
        or typed.get("override_reason")
    )
    return render(
        request,
        "incidents/new.html",
        {
            "account": account,
            "form": form,
            "not_covered": not_covered,
            "checked": checked,
            "show_choices": show_choices,
            "may_override": may_override,
            "new_caller": typed.get("contact") == "new",
            "action_url": f"{reverse('incidents:new')}?account={account.pk}",
            "identity_methods": [
                _("Security question"),
                _("Callback to a number on file"),
                _("Email from a known address"),
                _("Signed-in portal user"),
            ],
        },
        status=status,
    )
