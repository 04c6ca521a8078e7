"""REST routes of telephony: the Generic CTI event API and the call log.

``POST /api/cti/events`` speaks the Generic CTI format that PBX bridges already send to
help desks (events ``newCall``, ``answer``, ``hangup``; form-encoded or JSON), with the
bridge's bearer token. Each event is applied by one action; the same event again
(same ``callId`` and ``event``) is acknowledged with ``{"status": "duplicate"}``.
"""

import json
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import ValidationError as PydanticError

from escalade.contactcenter.models import Transfer
from escalade.contactcenter.service import service as acd_service
from escalade.core.roles import Role
from escalade.core.rules import allow, current_principal
from escalade.incidents.queries import writable_incidents
from escalade.network.models import Queue
from escalade.telephony import schemas as s
from escalade.telephony.acd import offer_to_acd, reload
from escalade.telephony.actions import (
    CallResult,
    CallStateError,
    do_attach_incident,
    do_call_answered,
    do_call_ended,
    do_call_offered,
    one_writer,
)
from escalade.telephony.identify import Caller
from escalade.telephony.models import Call, Cause, Direction
from escalade.telephony.queries import agents_named, calls

# Calls reported through this API; the callId is unique within it.
SOURCE = "cti"
# The PBX bridge's token belongs to a user with one of these roles.
BRIDGES = (Role.ADMINISTRATOR, Role.SUPERVISOR)
STAFF = (
    Role.PARTNER_AGENT,
    Role.INTERNAL_AGENT,
    Role.ENGINEER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
)

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

cti_router = Router(tags=["Telephony"])
calls_router = Router(tags=["Telephony"])


def read_event(request: HttpRequest) -> dict[str, Any]:
    """The posted fields as they came, from a JSON object or a form (kept in the event)."""
    if request.content_type in FORM_TYPES:
        form = request.POST
        data: dict[str, Any] = {}
        for key in form:
            values = form.getlist(key)
            data[key] = values if key.endswith("[]") or len(values) > 1 else values[0]
        return data
    # JSON, whatever content type the bridge announced.
    try:
        parsed = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise HttpError(400, _("The body is not valid JSON.")) from exc
    if not isinstance(parsed, dict):
        raise HttpError(400, _("The body must be a JSON object."))
    return parsed


def event_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The fields to validate: ``user`` and ``user[]`` merged into one list."""
    fields = dict(data)
    if "user[]" in fields:
        listed = fields.pop("user[]")
        users = fields.get("user") or []
        fields["user"] = [
            *([users] if isinstance(users, str) else users),
            *([listed] if isinstance(listed, str) else listed),
        ]
    return fields


def _account_ref(account: Any) -> dict[str, Any]:
    return {"id": account.pk, "name": account.name, "number": account.number}


def caller_out(call: Call, caller: Caller | None) -> dict[str, Any]:
    candidates: list[dict[str, Any]] = []
    if caller is not None and caller.ambiguous:
        seen: dict[int, Any] = {m.account.pk: m.account for m in caller.matches}
        candidates = [_account_ref(account) for account in seen.values()]
    return {
        "known": call.account_id is not None,
        "number": call.customer_number,
        "account": _account_ref(call.account) if call.account is not None else None,
        "contact": (
            {"id": call.contact.pk, "name": call.contact.full_name}
            if call.contact is not None
            else None
        ),
        "candidates": candidates,
    }


def _result(
    event: s.CtiEventIn, result: CallResult, warnings: list[str], *, caller: bool = False
) -> dict[str, Any]:
    return {
        "status": "duplicate" if result.duplicate else "ok",
        "event": event.event,
        "call": result.call,
        "caller": caller_out(result.call, result.caller) if caller else None,
        "warnings": warnings,
    }


def _known_call(call_id: str) -> Call:
    call = Call.objects.filter(source=SOURCE, external_id=call_id).first()
    if call is None:
        raise HttpError(
            404, _("No call with callId %(id)s: send its newCall first.") % {"id": call_id}
        )
    return call


@cti_router.post(
    "/events",
    response=s.CtiResultOut,
    summary="Receive a Generic CTI event (newCall, answer, hangup)",
    description=(
        "The Generic CTI format of PBX bridges, form-encoded or JSON. `newCall` records the "
        "call, identifies the caller by caller ID and rings the agents named in `user` "
        "(their consoles pop the caller's file); `answer` connects the answering agent "
        "(`answeringNumber` or `user`); `hangup` ends the call with its `cause`. The same "
        "event of the same call again answers `status: duplicate` and changes nothing."
    ),
    auth=allow(*BRIDGES, vendor_only=True),
    openapi_extra=s.CTI_OPENAPI,
)
def cti_event(request: HttpRequest) -> Any:
    raw = read_event(request)
    try:
        event = s.CtiEventIn.model_validate(event_fields(raw))
    except PydanticError as exc:
        errors = [dict(error) for error in exc.errors(include_url=False, include_context=False)]
        raise SchemaError(errors) from exc
    key = f"{event.call_id}:{event.event}"
    warnings: list[str] = []
    try:
        if event.event == "newCall":
            return _new_call(request, event, key=key, raw=raw, warnings=warnings)
        call = _known_call(event.call_id)
        if event.event == "answer":
            # A transferred call is answered again, by the target: another event each time.
            handed = Transfer.objects.filter(call=call).count()
            if handed:
                key = f"{key}:{handed}"
            names = [event.answering_number, *event.user] if event.answering_number else event.user
            agents, unknown = agents_named(names)
            if not agents and unknown:
                warnings.append(_("No agent is named %(names)s.") % {"names": ", ".join(unknown)})
            # The routing lock before the call's row lock (see telephony.acd).
            with one_writer(), acd_service.routing_transaction():
                result = do_call_answered(
                    actor=request.user,
                    call=call,
                    agent=agents[0] if agents else None,
                    key=key,
                    payload=raw,
                )
                if not result.duplicate:
                    acd_service.agent_answered(call=result.call, agent=result.call.agent)
            return _result(event, result, warnings)
        cause = event.cause or Cause.NORMAL_CLEARING
        if cause not in Cause.values:
            warnings.append(_("Unknown cause %(cause)s, recorded as other.") % {"cause": cause})
            cause = Cause.OTHER
        with one_writer(), acd_service.routing_transaction():
            result = do_call_ended(
                actor=request.user, call=call, cause=Cause(cause), key=key, payload=raw
            )
            if not result.duplicate:
                # Still waiting: abandoned; with an agent: the agent wraps up.
                acd_service.call_ended(call=result.call)
        return _result(event, result, warnings)
    except CallStateError as exc:
        raise HttpError(409, str(exc)) from exc


def _new_call(
    request: HttpRequest,
    event: s.CtiEventIn,
    *,
    key: str,
    raw: dict[str, Any],
    warnings: list[str],
) -> dict[str, Any]:
    queue = Queue.objects.filter(name=event.queue).first() if event.queue else None
    if event.queue and queue is None:
        warnings.append(_("No queue is named %(name)s.") % {"name": event.queue})
    agents, unknown = agents_named(event.user)
    if unknown:
        warnings.append(_("No agent is named %(names)s.") % {"names": ", ".join(unknown)})
    # A queue and nobody named: the ACD chooses the agent (and rings them), under the
    # routing lock. A call the switch has routed itself does not wait for that lock.
    routed_here = queue is not None and not event.user and event.direction == "in"
    with one_writer(), acd_service.routing_transaction() if routed_here else nullcontext():
        result = do_call_offered(
            actor=request.user,
            source=SOURCE,
            external_id=event.call_id,
            direction=Direction(event.direction),
            from_number=event.from_number,
            to_number=event.to_number,
            queue=queue,
            queue_name=event.queue,
            alert=agents,
            key=key,
            payload=raw,
        )
        if routed_here and queue is not None and not result.duplicate:
            offer_to_acd(result.call, queue)
            result = replace(result, call=reload(result.call))
    return _result(event, result, warnings, caller=True)


# --- Call log -------------------------------------------------------------------------


@calls_router.get("", response=list[s.CallOut], summary="List calls", auth=allow(*STAFF))
@paginate(LimitOffsetPagination)
def list_calls(request: HttpRequest, filters: Query[s.CallFilter]) -> Any:
    return filters.filter(calls(current_principal(request)))


@calls_router.get(
    "/{int:pk}",
    response=s.CallDetailOut,
    summary="A call with its connections and events",
    auth=allow(*STAFF),
)
def get_call(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(
        calls(current_principal(request)).prefetch_related("connections", "events"), pk=pk
    )


@calls_router.post(
    "/{int:pk}/incident",
    response=s.CallOut,
    summary="Link a call to the incident it is about",
    auth=allow(*STAFF),
)
def attach_incident(request: HttpRequest, pk: int, payload: s.AttachIncidentIn) -> Any:
    principal = current_principal(request)
    call = get_object_or_404(calls(principal), pk=pk)
    incident = get_object_or_404(writable_incidents(principal), pk=payload.incident)
    do_attach_incident(actor=request.user, call=call, incident=incident)
    return get_object_or_404(calls(principal), pk=pk)
