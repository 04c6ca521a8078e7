"""REST routes of the contact center, under ``/api/acd``.

Agents set their own state; supervisors see and set everyone's (partner supervisors,
their organisation's); administrators configure how queues route; staff see who waits
and the expected wait; customers and staff request callbacks. Routes about calls
(route requests, transfers, a waiting caller's callback) are telephony's
(``escalade.telephony.acd_api``), mounted under the same prefix.
"""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from escalade.contactcenter import boards, queries, staffing
from escalade.contactcenter import schemas as s
from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.models import Callback, ContactState, IntervalStat, QueueRouting
from escalade.contactcenter.service import service
from escalade.contactcenter.snapshot import routing_of
from escalade.contracts.models import Contract
from escalade.core.principal import Principal
from escalade.core.roles import ALL_ROLES, STAFF_ROLES, Role
from escalade.core.rules import allow, current_principal
from escalade.customers.models import Account, Contact
from escalade.customers.queries import accounts, scoped_contacts
from escalade.incidents.routing import first_tier, route
from escalade.network.models import Agent, Queue

router = Router(tags=["Contact center"])

STAFF = tuple(sorted(STAFF_ROLES))
EVERYONE = tuple(sorted(ALL_ROLES))
MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
ADMIN = (Role.ADMINISTRATOR,)


def _acd_errors(exc: Exception) -> HttpError:
    if isinstance(exc, AcdRefused):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


def _own_agent(principal: Principal) -> Agent:
    if principal.agent_id is None:
        raise HttpError(404, _("You have no agent profile."))
    return Agent.objects.select_related("user").get(pk=principal.agent_id)


# --- agents ------------------------------------------------------------------------------


@router.get("/agents/me", response=s.PresenceOut, summary="My ACD state", auth=allow(*STAFF))
def my_state(request: HttpRequest) -> Any:
    return service.presence(_own_agent(current_principal(request)))


def _set_state(request: HttpRequest, agent: Agent, payload: s.StateIn) -> Any:
    try:
        return service.set_agent_state(
            agent=agent,
            state=payload.state,
            reason=payload.reason,
            extension=payload.extension,
            actor=request.user,
        )
    except (AcdRefused, AcdInvalid) as exc:
        raise _acd_errors(exc) from exc


@router.put(
    "/agents/me/state",
    response=s.PresenceOut,
    summary="Set my state: available, not ready (with a reason) or logged out",
    auth=allow(*STAFF),
)
def set_my_state(request: HttpRequest, payload: s.StateIn) -> Any:
    agent = _own_agent(current_principal(request))
    return _set_state(request, agent, payload)


@router.get(
    "/agents",
    response=list[s.PresenceOut],
    summary="Agents' ACD states",
    auth=allow(*MANAGERS),
)
@paginate(LimitOffsetPagination)
def list_states(request: HttpRequest, filters: Query[s.PresenceFilter]) -> Any:
    return filters.filter(queries.presences(current_principal(request)))


@router.put(
    "/agents/{int:agent_id}/state",
    response=s.PresenceOut,
    summary="Set an agent's state (supervisors)",
    auth=allow(*MANAGERS),
)
def set_state(request: HttpRequest, agent_id: int, payload: s.StateIn) -> Any:
    principal = current_principal(request)
    agents = Agent.objects.select_related("user")
    if principal.is_partner_staff:
        agents = agents.filter(organization_id=principal.organization_id)
    agent = get_object_or_404(agents, pk=agent_id)
    return _set_state(request, agent, payload)


# --- queues ------------------------------------------------------------------------------


@router.get(
    "/queues",
    response=list[s.QueueStatusOut],
    summary="Queues with their calls waiting and the expected wait",
    auth=allow(*STAFF),
)
@paginate(LimitOffsetPagination)
def list_queues(request: HttpRequest) -> Any:
    return _QueueStatuses(queries.queues(current_principal(request)))


class _QueueStatuses:
    """The queue list, counted and estimated only for the page asked (pagination)."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def __len__(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        items = list(self.queryset[page])
        counts = queries.queue_counts([queue.pk for queue in items])
        waits = service.expected_waits(items)
        out = []
        for queue in items:
            count = counts.get(queue.pk, {})
            out.append(
                {
                    "id": queue.pk,
                    "name": queue.name,
                    "tier": queue.tier.code,
                    "site_id": queue.site_id,
                    "waiting": count.get("waiting", 0),
                    "ringing": count.get("ringing", 0),
                    "connected": count.get("connected", 0),
                    "oldest_arrival": count.get("oldest"),
                    "expected_wait": waits[queue.pk],
                }
            )
        return out


def _queue(request: HttpRequest, pk: int) -> Queue:
    return get_object_or_404(queries.queues(current_principal(request)), pk=pk)


@router.get(
    "/queues/{int:pk}/routing",
    response=s.QueueRoutingOut,
    summary="How a queue routes",
    auth=allow(*STAFF),
)
def get_routing(request: HttpRequest, pk: int) -> Any:
    return _routing_out(routing_of(_queue(request, pk)))


def _routing_out(routing: QueueRouting) -> dict[str, Any]:
    return {
        "queue_id": routing.queue_id,
        "queue": routing.queue.name,
        **{
            name: getattr(routing, name)
            for name in (
                "strategy",
                "weight",
                "service_level_seconds",
                "wrap_up_seconds",
                "ring_timeout_seconds",
                "overflow",
                "handle_seconds",
                "match_language",
                "learned_handle_seconds",
            )
        },
    }


@router.put(
    "/queues/{int:pk}/routing",
    response=s.QueueRoutingOut,
    summary="Change how a queue routes (administrators)",
    description="Only the fields given change; the callers waiting keep their place.",
    auth=allow(*ADMIN),
)
def put_routing(request: HttpRequest, pk: int, payload: s.QueueRoutingIn) -> Any:
    queue = _queue(request, pk)
    changes = payload.model_dump(exclude_none=True)
    if not changes:
        raise HttpError(422, _("Give at least one field to change."))
    routing = service.configure_queue(queue=queue, changes=changes, actor=request.user)
    return _routing_out(routing)


@router.get(
    "/queues/{int:pk}/waiting",
    response=list[s.WaitingOut],
    summary="Who waits in a queue, in the order they will be answered",
    auth=allow(*STAFF),
)
def list_waiting(request: HttpRequest, pk: int) -> Any:
    principal = current_principal(request)
    queue = _queue(request, pk)
    out = []
    position = 0
    for row in queries.waiting_in(queue):
        if row.state == ContactState.WAITING:
            position += 1
        account_name, number = queries.caller_of(row, principal)
        out.append(
            {
                "key": row.key,
                "position": position if row.state == ContactState.WAITING else 0,
                "state": row.state,
                "call_id": row.call_id,
                "callback_id": row.callback_id,
                "transfer_id": row.transfer_id,
                "is_callback": row.is_callback,
                "priority": row.priority,
                "arrival": row.arrival,
                "entered_at": row.entered_at,
                "waited_seconds": max(0, round((timezone.now() - row.arrival).total_seconds())),
                "extra_skills": row.extra_skills,
                "agent": row.agent.user.get_username() if row.agent is not None else None,
                "account_name": account_name,
                "number": number,
            }
        )
    return out


@router.get(
    "/queues/{int:pk}/expected-wait",
    response=s.ExpectedWaitOut,
    summary="The expected wait of a new caller in a queue",
    auth=allow(*EVERYONE),
)
def expected_wait(request: HttpRequest, pk: int, priority: int = 0) -> Any:
    queue = get_object_or_404(Queue, pk=pk)
    return {
        "queue_id": queue.pk,
        "priority": priority,
        "seconds": service.expected_wait(queue, priority=priority),
        "waiting": queue.acd_contacts.filter(state=ContactState.WAITING).count(),
    }


# --- callbacks ---------------------------------------------------------------------------


def _callback_parties(
    principal: Principal, payload: s.CallbackIn
) -> tuple[Account | None, Contact | None]:
    if principal.role == Role.CUSTOMER:
        if principal.account_id is None or payload.account not in (None, principal.account_id):
            raise HttpError(404, _("Not found."))
        own = Account.objects.get(pk=principal.account_id)
        contact_id = payload.contact or principal.contact_id
        if contact_id is None:
            raise HttpError(404, _("Not found."))
        return own, get_object_or_404(Contact, pk=contact_id, account=own)
    account: Account | None = (
        get_object_or_404(accounts(principal), pk=payload.account)
        if payload.account is not None
        else None
    )
    contact: Contact | None = (
        get_object_or_404(scoped_contacts(principal), pk=payload.contact)
        if payload.contact is not None
        else None
    )
    return account, contact


def _default_queue(account: Account | None, contact: Contact | None) -> Queue:
    """The first-level queue the routing rules give the customer."""
    if account is None:
        raise HttpError(422, _("Say which queue should call back."))
    contract = Contract.objects.filter(account=account).order_by("-ends_on").first()
    language = (contact.language if contact else "") or account.language
    return route(
        tier=first_tier(), account=account, contract=contract, product_id=None, language=language
    )


@router.post(
    "/callbacks",
    response={201: s.CallbackOut},
    summary="Ask to be called back (customers), or book a callback for a customer (staff)",
    description=(
        "The callback waits in its queue like a call from when it is due (now, or "
        "`not_before`); an agent is reserved for it when one is free, then the call is "
        "placed. Customers call back their own account; without `queue` the routing rules "
        "choose their first-level queue."
    ),
    auth=allow(*EVERYONE),
)
def request_callback(request: HttpRequest, payload: s.CallbackIn) -> Any:
    principal = current_principal(request)
    account, contact = _callback_parties(principal, payload)
    if payload.queue is not None:
        queue = get_object_or_404(Queue, pk=payload.queue)
    else:
        queue = _default_queue(account or (contact.account if contact else None), contact)
    try:
        callback = service.request_callback(
            queue=queue,
            number=payload.number,
            account=account,
            contact=contact,
            not_before=payload.not_before,
            note=payload.note,
            actor=request.user,
        )
    except (AcdRefused, AcdInvalid) as exc:
        raise _acd_errors(exc) from exc
    return Status(201, callback)


@router.get(
    "/callbacks",
    response=list[s.CallbackOut],
    summary="Callbacks",
    auth=allow(*EVERYONE),
)
@paginate(LimitOffsetPagination)
def list_callbacks(request: HttpRequest, filters: Query[s.CallbackFilter]) -> Any:
    return filters.filter(queries.callbacks(current_principal(request)))


@router.get(
    "/callbacks/{int:pk}", response=s.CallbackOut, summary="A callback", auth=allow(*EVERYONE)
)
def get_callback(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(queries.callbacks(current_principal(request)), pk=pk)


@router.post(
    "/callbacks/{int:pk}/cancel",
    response=s.CallbackOut,
    summary="Cancel a callback not dialled yet",
    auth=allow(*EVERYONE),
)
def cancel_callback(request: HttpRequest, pk: int) -> Any:
    callback = get_object_or_404(queries.callbacks(current_principal(request)), pk=pk)
    try:
        service.cancel_callback(callback=callback, actor=request.user)
    except (AcdRefused, AcdInvalid) as exc:
        raise _acd_errors(exc) from exc
    return queries.callbacks(current_principal(request)).get(pk=pk)


@router.post(
    "/callbacks/{int:pk}/finish",
    response=s.CallbackOut,
    summary="Say how a callback went: done, failed, or to try again",
    auth=allow(*STAFF),
)
def finish_callback(request: HttpRequest, pk: int, payload: s.FinishIn) -> Any:
    principal = current_principal(request)
    callback: Callback = get_object_or_404(queries.callbacks(principal), pk=pk)
    if principal.role not in MANAGERS and callback.agent_id != principal.agent_id:
        raise HttpError(403, _("Only the agent calling back or a supervisor can do this."))
    try:
        service.finish_callback(callback=callback, outcome=payload.outcome, actor=request.user)
    except (AcdRefused, AcdInvalid) as exc:
        raise _acd_errors(exc) from exc
    return queries.callbacks(principal).get(pk=pk)


# --- supervision: interval statistics, wallboard, staffing ------------------------------


@router.get(
    "/stats",
    response=list[s.IntervalStatOut],
    summary="Queue statistics per closed interval (15 or 30 minutes)",
    auth=allow(*MANAGERS),
)
@paginate(LimitOffsetPagination)
def list_stats(request: HttpRequest, filters: Query[s.StatsFilter]) -> Any:
    if filters.length not in (15, 30):
        raise HttpError(422, _("The interval length is 15 or 30 minutes."))
    principal = current_principal(request)
    rows = IntervalStat.objects.select_related("queue").filter(
        queue__in=queries.queues(principal).values("pk"), length_minutes=filters.length
    )
    if filters.queue is not None:
        rows = rows.filter(queue_id=filters.queue)
    if filters.since is not None:
        rows = rows.filter(interval_start__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(interval_start__lt=filters.until)
    return rows.order_by("interval_start", "queue__name")


@router.get(
    "/wallboard",
    response=s.WallboardOut,
    summary="Per queue and site: calls waiting, today's service, agents by state",
    auth=allow(*MANAGERS),
)
def wallboard(request: HttpRequest, site: int | None = None, queue: int | None = None) -> Any:
    return boards.build(current_principal(request), site_id=site, queue_id=queue).as_dict()


@router.post(
    "/staffing",
    response=s.StaffingOut,
    summary="Agents required per interval (Erlang C, or Erlang A with a patience)",
    auth=allow(*MANAGERS),
)
def staffing_api(request: HttpRequest, payload: s.StaffingIn) -> Any:
    handle = payload.handle_seconds
    threshold = payload.target_seconds
    if payload.queue_id is not None:
        queue = _queue(request, payload.queue_id)
        handle = handle if handle is not None else staffing.queue_handle_seconds(queue)
        threshold = threshold if threshold is not None else staffing.queue_threshold(queue)
    if handle is None:
        raise HttpError(422, _("Give the average handle time, or a queue."))
    threshold = 20.0 if threshold is None else threshold
    try:
        rows = staffing.compute(
            intervals=[
                staffing.IntervalIn(label=item.label or str(index), calls=item.calls)
                for index, item in enumerate(payload.intervals, start=1)
            ],
            length_minutes=payload.length_minutes,
            handle_seconds=handle,
            target_percent=payload.target_percent,
            target_seconds=threshold,
            shrinkage_percent=payload.shrinkage_percent,
            patience_seconds=payload.patience_seconds,
        )
    except staffing.StaffingError as exc:
        raise HttpError(422, str(exc)) from exc
    return {
        "length_minutes": payload.length_minutes,
        "handle_seconds": handle,
        "target_percent": payload.target_percent,
        "target_seconds": threshold,
        "shrinkage_percent": payload.shrinkage_percent,
        "patience_seconds": payload.patience_seconds,
        "intervals": [row.as_dict() for row in rows],
    }
