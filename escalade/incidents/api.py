"""REST routes of incidents: intake, work, escalation, timeline, SLA events, routing rules."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from escalade.contracts.eligibility import reason_messages
from escalade.core.crud import Resource, register
from escalade.core.roles import ALL_ROLES, Role
from escalade.core.rules import allow, current_principal
from escalade.customers.queries import accounts
from escalade.incidents import escalation, lifecycle, queries
from escalade.incidents import schemas as s
from escalade.incidents.consumption import remaining_after
from escalade.incidents.intake import IntakeRequest, assess, do_open_incident
from escalade.incidents.models import ACTIVE_STATUSES, Incident, RoutingRule, TierTarget
from escalade.network.models import Agent

router = Router(tags=["Incidents"])

EVERYONE = tuple(sorted(ALL_ROLES))
AGENTS = (
    Role.PARTNER_AGENT,
    Role.INTERNAL_AGENT,
    Role.ENGINEER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
)
MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _writable(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(queries.writable_incidents(current_principal(request)), pk=pk)


def _act(request: HttpRequest, pk: int, action: Callable[..., Any], **fields: Any) -> Incident:
    """Run one incident action on a case the caller may act on; answer with the case."""
    action(actor=request.user, incident=_writable(request, pk), now=timezone.now(), **fields)
    return _detail(request, pk)


def _detail(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(
        queries.incidents(current_principal(request)).select_related("contract__plan__calendar"),
        pk=pk,
    )


@router.get("", response=list[s.IncidentOut], summary="List incidents", auth=allow(*EVERYONE))
@paginate(LimitOffsetPagination)
def list_incidents(
    request: HttpRequest,
    filters: Query[s.IncidentFilter],
    active: bool | None = None,
    mine: bool = False,
    order: str = "urgency",
) -> Any:
    principal = current_principal(request)
    queryset = filters.filter(queries.incidents(principal))
    if active is True:
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    elif active is False:
        queryset = queryset.exclude(status__in=ACTIVE_STATUSES)
    if mine:
        queryset = queryset.filter(owner_id=principal.agent_id)
    if order == "urgency":
        return queries.by_urgency(queryset)
    return queryset.order_by("-created_at", "-id")


@router.post(
    "/check", response=s.CoverageOut, summary="Would this request be covered?", auth=allow(*AGENTS)
)
def check_coverage(request: HttpRequest, payload: s.CoverageCheckIn) -> Any:
    account = get_object_or_404(accounts(current_principal(request)), pk=payload.account_id)
    licence = None
    if payload.pid:
        licence = get_object_or_404(
            account.licences.select_related("product"), pid="".join(payload.pid.split()).upper()
        )
    now = timezone.now()
    with transaction.atomic():  # assess locks the counting entitlements (select_for_update)
        contract, entitlements, reasons = assess(
            account=account,
            licence=licence,
            severity=payload.severity,
            channel=payload.channel,
            now=now,
        )
        remaining = remaining_after(entitlements, now)
    return {
        "covered": not reasons,
        "contract_id": contract.pk if contract else None,
        "reasons": reasons,
        "messages": reason_messages(reasons),
        "remaining": remaining,
    }


@router.post(
    "", response={201: s.IncidentDetailOut}, summary="Open an incident", auth=allow(*AGENTS)
)
def open_incident(request: HttpRequest, payload: s.IntakeIn) -> Any:
    data = payload.dict()
    new_contact = data.pop("new_contact")
    incident = do_open_incident(
        principal=current_principal(request),
        actor=request.user,
        account_id=data.pop("account_id"),
        request=IntakeRequest(**data, new_contact=new_contact),
        now=timezone.now(),
    )
    # The action's instance has all the response needs; nothing is read back.
    incident.just_opened = True  # type: ignore[attr-defined]
    return Status(201, incident)


@router.get(
    "/{int:pk}",
    response=s.IncidentDetailOut,
    summary="An incident with its clocks",
    auth=allow(*EVERYONE),
)
def get_incident(request: HttpRequest, pk: int) -> Any:
    return _detail(request, pk)


@router.get(
    "/{int:pk}/timeline",
    response=list[s.TimelineOut],
    summary="An incident's timeline",
    auth=allow(*EVERYONE),
)
def incident_timeline(request: HttpRequest, pk: int) -> Any:
    principal = current_principal(request)
    incident = get_object_or_404(queries.incidents(principal), pk=pk)
    return list(queries.timeline(principal, incident))


@router.get(
    "/accounts/{int:account_id}/timeline",
    response=list[s.TimelineOut],
    summary="A customer's timeline",
    auth=allow(*EVERYONE),
)
@paginate(LimitOffsetPagination)
def account_timeline(request: HttpRequest, account_id: int) -> Any:
    principal = current_principal(request)
    account = get_object_or_404(accounts(principal), pk=account_id)
    return queries.customer_timeline(principal, account.pk).order_by("-at", "-id")


@router.post(
    "/{int:pk}/notes", response=s.IncidentDetailOut, summary="Add a note", auth=allow(*AGENTS)
)
def add_note(request: HttpRequest, pk: int, payload: s.NoteIn) -> Any:
    return _act(
        request,
        pk,
        lifecycle.do_add_note,
        body=payload.body,
        customer_visible=payload.customer_visible,
    )


@router.post(
    "/{int:pk}/diagnostics",
    response=s.IncidentDetailOut,
    summary="Record a diagnostic step",
    auth=allow(*AGENTS),
)
def add_diagnostic(request: HttpRequest, pk: int, payload: s.DiagnosticIn) -> Any:
    return _act(
        request,
        pk,
        lifecycle.do_add_diagnostic_step,
        step=payload.step,
        outcome=payload.outcome,
    )


@router.post(
    "/{int:pk}/status",
    response=s.IncidentDetailOut,
    summary="Change the status",
    auth=allow(*AGENTS),
)
def change_status(request: HttpRequest, pk: int, payload: s.StatusIn) -> Any:
    return _act(request, pk, lifecycle.do_change_status, status=payload.status, note=payload.note)


@router.post(
    "/{int:pk}/assign", response=s.IncidentDetailOut, summary="Assign an owner", auth=allow(*AGENTS)
)
def assign(request: HttpRequest, pk: int, payload: s.AssignIn) -> Any:
    agent = None
    if payload.owner_id is not None:
        agent = get_object_or_404(Agent.objects.select_related("user"), pk=payload.owner_id)
    lifecycle.do_assign(
        principal=current_principal(request),
        actor=request.user,
        incident=_writable(request, pk),
        agent=agent,
        now=timezone.now(),
    )
    return _detail(request, pk)


@router.post(
    "/{int:pk}/classify",
    response=s.IncidentDetailOut,
    summary="Classify (a bug gives the unit back)",
    auth=allow(*AGENTS),
)
def classify(request: HttpRequest, pk: int, payload: s.ClassifyIn) -> Any:
    return _act(
        request,
        pk,
        lifecycle.do_reclassify,
        classification=payload.classification,
        bug_reference=payload.bug_reference,
    )


@router.post(
    "/{int:pk}/resolve",
    response=s.IncidentDetailOut,
    summary="Resolve with a summary",
    auth=allow(*AGENTS),
)
def resolve(request: HttpRequest, pk: int, payload: s.ResolveIn) -> Any:
    return _act(request, pk, lifecycle.do_resolve, summary=payload.summary)


@router.post(
    "/{int:pk}/reopen",
    response=s.IncidentDetailOut,
    summary="Reopen a resolved case",
    auth=allow(*AGENTS),
)
def reopen(request: HttpRequest, pk: int, payload: s.ReasonIn) -> Any:
    return _act(request, pk, lifecycle.do_reopen, reason=payload.reason)


@router.post(
    "/{int:pk}/close",
    response=s.IncidentDetailOut,
    summary="Close a resolved case",
    auth=allow(*AGENTS),
)
def close(request: HttpRequest, pk: int) -> Any:
    return _act(request, pk, lifecycle.do_close)


@router.post(
    "/{int:pk}/cancel", response=s.IncidentDetailOut, summary="Cancel a case", auth=allow(*AGENTS)
)
def cancel(request: HttpRequest, pk: int, payload: s.ReasonIn) -> Any:
    return _act(request, pk, lifecycle.do_cancel, reason=payload.reason)


@router.post(
    "/{int:pk}/escalate",
    response=s.IncidentDetailOut,
    summary="Escalate to the next tier, a queue or a site",
    auth=allow(*AGENTS),
)
def escalate(request: HttpRequest, pk: int, payload: s.EscalateIn) -> Any:
    return _act(
        request,
        pk,
        escalation.do_escalate,
        reason=payload.reason,
        queue_id=payload.queue_id,
        site_id=payload.site_id,
    )


@router.post(
    "/{int:pk}/deescalate",
    response=s.IncidentDetailOut,
    summary="Send back to the previous tier",
    auth=allow(*AGENTS),
)
def deescalate(request: HttpRequest, pk: int, payload: s.ReasonIn) -> Any:
    return _act(request, pk, escalation.do_deescalate, reason=payload.reason)


@router.get(
    "/sla-events",
    response=list[s.SlaEventOut],
    summary="SLA warnings and breaches",
    auth=allow(*MANAGERS),
)
@paginate(LimitOffsetPagination)
def sla_events(request: HttpRequest, filters: Query[s.SlaEventFilter]) -> Any:
    return filters.filter(queries.sla_events(current_principal(request)))


for resource in (
    Resource(
        "routing_rule",
        "/routing-rules",
        RoutingRule,
        s.RuleOut,
        s.RuleIn,
        s.RulePatch,
        s.RuleFilter,
        lambda p: queries.routing_rules(),
        read=AGENTS,
        write=(Role.ADMINISTRATOR,),
    ),
    Resource(
        "tier_target",
        "/tier-targets",
        TierTarget,
        s.TierTargetOut,
        s.TierTargetIn,
        s.TierTargetPatch,
        s.TierTargetFilter,
        lambda p: TierTarget.objects.all(),
        read=AGENTS,
        write=(Role.ADMINISTRATOR,),
    ),
):
    register(router, resource)
