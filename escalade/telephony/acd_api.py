"""REST routes where calls meet the ACD, mounted under ``/api/acd`` with the contact center's.

* ``POST /api/acd/route``: a PBX or SIP proxy asks where a call goes; the answer is the
  agent now ringing (and their extension), or the expected wait.
* ``POST /api/acd/calls/{id}/transfer``: an agent hands a call on to a queue, an agent or
  a site, with its incident (blind or consultative).
* ``POST /api/acd/calls/{id}/callback``: a waiting caller is called back instead,
  keeping the place in line (virtual hold).
"""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.models import AgentPresence, ContactState, WaitingContact
from escalade.contactcenter.schemas import CallbackOut
from escalade.contactcenter.service import service
from escalade.core.rules import allow, current_principal
from escalade.incidents.queries import writable_incidents
from escalade.network.models import Queue, Site
from escalade.telephony import schemas as s
from escalade.telephony.acd import (
    do_cancel_transfer,
    do_complete_transfer,
    do_transfer_call,
    may_handle,
    reload,
)
from escalade.telephony.actions import CallStateError, do_call_offered
from escalade.telephony.api import BRIDGES, STAFF
from escalade.telephony.models import Call, Direction
from escalade.telephony.queries import agents_named, calls

router = Router(tags=["Contact center"])


def _route_answer(call: Call, wait: float | None) -> dict[str, Any]:
    row = (
        WaitingContact.objects.filter(call=call, transfer__isnull=True)
        .select_related("agent__user")
        .first()
    )
    if row is None or row.agent is None or row.state == ContactState.WAITING:
        return {"call": call.pk, "status": "waiting", "wait": wait}
    presence = AgentPresence.objects.filter(agent=row.agent).first()
    return {
        "call": call.pk,
        "status": "ringing" if row.state == ContactState.RINGING else "connected",
        "agent": row.agent.user.get_username(),
        "extension": (presence.extension or None) if presence is not None else None,
    }


@router.post(
    "/route",
    response=s.RouteOut,
    exclude_none=True,
    summary="Route request: which agent takes this call",
    description=(
        "Asked by a PBX or SIP proxy when a call reaches a queue. The call is recorded "
        "(as a Generic CTI `newCall` would), offered to the queue, and the answer names "
        "the agent now ringing with their extension, or the expected wait in seconds "
        "(`wait`, null when nobody who may take the call is logged in). Asking again for "
        "the same `callId` answers where the call is now."
    ),
    auth=allow(*BRIDGES, vendor_only=True),
)
def route_request(request: HttpRequest, payload: s.RouteRequestIn) -> Any:
    queue = Queue.objects.filter(name=payload.queue).first()
    if queue is None:
        raise HttpError(404, _("No queue is named %(name)s.") % {"name": payload.queue})
    with service.routing_transaction():
        call = Call.objects.filter(source=payload.source, external_id=payload.call_id).first()
        if call is None:
            call = do_call_offered(
                actor=request.user,
                source=payload.source,
                external_id=payload.call_id,
                direction=Direction.IN,
                from_number=payload.from_number,
                to_number=payload.to_number,
                queue=queue,
                key=f"{payload.call_id}:route",
                payload=payload.model_dump(by_alias=True),
            ).call
        if call.ended_at is not None:
            raise HttpError(409, _("This call has already ended."))
        offer = service.offer_call(call=call, queue=call.queue or queue)
    return _route_answer(call, offer.expected_wait)


def _call_for(request: HttpRequest, pk: int) -> Call:
    """The call, if the caller may act on it: their own call, or any for a manager."""
    principal = current_principal(request)
    call = get_object_or_404(calls(principal), pk=pk)
    if not may_handle(principal, call):
        raise HttpError(403, _("Only the agent on the call or a supervisor can do this."))
    return call


@router.post(
    "/calls/{int:pk}/transfer",
    response=s.TransferOut,
    summary="Transfer a call to a queue, an agent or a site, with its incident",
    description=(
        "Blind (default): the agent's part ends now and the caller holds for the target. "
        "`consultative: true`: the agent stays on the call until the target answers. The "
        "incident is linked to the call first, so the target's screen pop shows it."
    ),
    auth=allow(*STAFF),
)
def transfer_call(request: HttpRequest, pk: int, payload: s.TransferIn) -> Any:
    principal = current_principal(request)
    call = _call_for(request, pk)
    if sum(x is not None for x in (payload.queue, payload.agent, payload.site)) != 1:
        raise HttpError(422, _("Give exactly one target: a queue, an agent or a site."))
    to_queue = get_object_or_404(Queue, pk=payload.queue) if payload.queue is not None else None
    to_site = get_object_or_404(Site, pk=payload.site) if payload.site is not None else None
    to_agent = None
    if payload.agent is not None:
        found, _unknown = agents_named([payload.agent])
        if not found:
            raise HttpError(404, _("No agent is named %(name)s.") % {"name": payload.agent})
        to_agent = found[0]
    incident = (
        get_object_or_404(writable_incidents(principal), pk=payload.incident)
        if payload.incident is not None
        else None
    )
    try:
        return do_transfer_call(
            actor=request.user,
            call=call,
            to_queue=to_queue,
            to_agent=to_agent,
            to_site=to_site,
            consultative=payload.consultative,
            incident=incident,
        )
    except (AcdRefused, CallStateError) as exc:
        raise HttpError(409, str(exc)) from exc
    except AcdInvalid as exc:
        raise HttpError(422, str(exc)) from exc


@router.post(
    "/calls/{int:pk}/transfer/complete",
    response=s.TransferOut,
    summary="Complete a consultative transfer: the first agent hands the caller over",
    description=(
        "After the consultation the target has the caller at once; while the target still "
        "rings, the caller waits for them as in a blind transfer. 409 when no consultation "
        "is under way."
    ),
    auth=allow(*STAFF),
)
def complete_transfer(request: HttpRequest, pk: int) -> Any:
    call = _call_for(request, pk)
    try:
        return do_complete_transfer(actor=request.user, call=call)
    except (AcdRefused, CallStateError) as exc:
        raise HttpError(409, str(exc)) from exc


@router.post(
    "/calls/{int:pk}/transfer/cancel",
    response=s.TransferOut,
    summary="Cancel a consultative transfer: the first agent takes the caller back",
    description=(
        "The target stops ringing (it is available again) or leaves the consultation (it "
        "wraps up); the call is connected to the first agent. 409 when no consultation is "
        "under way or the first agent has already left."
    ),
    auth=allow(*STAFF),
)
def cancel_transfer(request: HttpRequest, pk: int) -> Any:
    call = _call_for(request, pk)
    try:
        return do_cancel_transfer(actor=request.user, call=call)
    except (AcdRefused, CallStateError) as exc:
        raise HttpError(409, str(exc)) from exc


@router.post(
    "/calls/{int:pk}/callback",
    response={201: CallbackOut},
    summary="Call a waiting caller back instead, keeping the place in line",
    auth=allow(*STAFF),
)
def callback_for_call(request: HttpRequest, pk: int, payload: s.CallbackFromCallIn) -> Any:
    call = get_object_or_404(calls(current_principal(request)), pk=pk)
    try:
        callback = service.request_callback(
            call=reload(call), number=payload.number, note=payload.note, actor=request.user
        )
    except AcdRefused as exc:
        raise HttpError(409, str(exc)) from exc
    except AcdInvalid as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(201, callback)
