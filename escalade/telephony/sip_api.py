"""HTTP endpoints of the SIP route point, for the SIP proxy (``deploy/kamailio``).

``POST /api/sip/route`` (an INVITE: where does it go?), ``POST /api/sip/dialog`` (the
dialog started, ended or failed), ``POST /api/sip/refer`` (an agent's phone transfers
the call: which Refer-To to relay). JSON in and out, the bearer token of the proxy's
integration user (an administrator or a supervisor, as for the Generic CTI bridge).
The decisions are in ``escalade.telephony.sip``; the contract is in ``docs/sip.md``.
"""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.core.rules import allow
from escalade.telephony import sip
from escalade.telephony.actions import CallStateError
from escalade.telephony.api import BRIDGES

sip_router = Router(tags=["Telephony"])

# SIP header values as the proxy copies them; generous, but bounded.
HEADER = 1000


class RouteIn(Schema):
    call_id: str = Field(min_length=1, max_length=250, description="The INVITE's Call-ID")
    from_: str = Field("", alias="from", max_length=HEADER, description="From header")
    to: str = Field("", max_length=HEADER, description="To header")
    request_uri: str = Field("", max_length=HEADER, description="Request-URI")
    cseq: str = Field("", max_length=60, description="CSeq header")
    via_branch: str = Field("", max_length=HEADER, description="Top Via header (or its branch)")
    user_to_user: str = Field(
        "", max_length=HEADER, description="User-to-User header: the call's attached data"
    )
    attempt: int = Field(0, ge=0, le=100, description="Agents tried so far for this INVITE")
    waits: int = Field(0, ge=0, le=1000, description="Times the caller was told to wait")
    failed_agent: str = Field("", max_length=150, description="The agent who did not answer")
    failed_code: str = Field("", max_length=10, description="The SIP code of that failure")


class AttachedOut(Schema):
    call: int | None = Field(None, description="The Escalade call the data came from")
    incident: str = Field("", description="The incident number")


class RouteOut(Schema):
    action: Literal["route", "wait", "reject"]
    status: Literal["ok", "duplicate"] = "ok"
    call: int | None = Field(None, description="Escalade's id of the call")
    agent: str | None = Field(None, description="route: the agent rung (user name)")
    extension: str | None = Field(None, description="route: the extension to look up")
    queue: str | None = None
    seconds: int | None = Field(None, description="wait: ask again after this many seconds")
    code: int | None = Field(None, description="reject: the SIP response code")
    reason: str | None = Field(None, description="reject: the SIP reason phrase")
    attached: AttachedOut | None = Field(None, description="The User-to-User data received")
    warnings: list[str] = Field(default_factory=list)


class DialogIn(Schema):
    event: Literal["start", "end", "failed"]
    call_id: str = Field(min_length=1, max_length=250)
    from_tag: str = Field("", max_length=250)
    to_tag: str = Field("", max_length=250)
    call: str = Field("", max_length=20, description="Escalade's id, kept in the dialog")
    agent: str = Field("", max_length=150, description="The agent rung (user name)")
    transfer: str = Field("", max_length=250, description="end: the transfer target, if any")
    by: Literal["caller", "callee", ""] = Field(
        "", description="end: who hung up (the BYE's sender): the caller or the agent's phone"
    )
    code: str = Field("", max_length=10, description="failed: the final SIP response code")


class DialogOut(Schema):
    status: Literal["ok", "duplicate", "kept"] = Field(
        description="kept: the transferring agent hung up, the call goes on with the target"
    )
    event: str
    call: int
    state: str
    cause: str


class ReferIn(Schema):
    call_id: str = Field(min_length=1, max_length=250)
    call: str = Field("", max_length=20, description="Escalade's id, kept in the dialog")
    from_: str = Field("", alias="from", max_length=HEADER)
    to: str = Field("", max_length=HEADER)
    cseq: str = Field("", max_length=60)
    refer_to: str = Field(min_length=1, max_length=HEADER, description="Refer-To header")
    referred_by: str = Field("", max_length=HEADER, description="Referred-By header")


class ReferOut(Schema):
    action: Literal["refer", "relay", "reject"]
    call: int | None = None
    refer_to: str | None = Field(None, description="refer: the Refer-To header to relay")
    target: str | None = Field(None, description="refer: the queue or agent named")
    user_to_user: str | None = Field(None, description="refer: the User-to-User data")
    incident: str | None = None
    code: int | None = None
    reason: str | None = None


def _raw(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(by_alias=True)


@sip_router.post(
    "/route",
    response=RouteOut,
    summary="Route an INVITE: which agent's extension, or wait, or reject",
    description=(
        "The SIP proxy asks where a new call goes. The first request records the call "
        "(source `sip`, the Call-ID as its id), identifies the caller, links the incident "
        "its User-to-User data names, and rings an agent of the queue the dialled number "
        "belongs to (the agent's console pops the caller's file). `attempt` and "
        "`failed_agent` ask again when the agent rung did not answer; the same request "
        "again gets the same answer."
    ),
    auth=allow(*BRIDGES, vendor_only=True),
)
def route(request: HttpRequest, payload: RouteIn) -> Any:
    try:
        answer = sip.route_call(
            actor=request.user,
            call_id=payload.call_id,
            from_header=payload.from_,
            to_header=payload.to,
            request_uri=payload.request_uri,
            cseq=payload.cseq,
            user_to_user=payload.user_to_user,
            attempt=payload.attempt,
            waits=payload.waits,
            failed_agent=payload.failed_agent,
            failed_code=payload.failed_code,
            payload=_raw(payload),
        )
    except CallStateError as exc:
        raise HttpError(409, str(exc)) from exc
    except (AcdInvalid, AcdRefused) as exc:
        raise HttpError(409, str(exc)) from exc
    return {
        "action": answer.action,
        "status": "duplicate" if answer.duplicate else "ok",
        "call": answer.call.pk if answer.call is not None else None,
        "agent": answer.agent.user.get_username() if answer.agent is not None else None,
        "extension": answer.extension or None,
        "queue": answer.queue.name if answer.queue is not None else None,
        "seconds": answer.seconds if answer.action == "wait" else None,
        "code": answer.code or None,
        "reason": answer.reason or None,
        "attached": {"call": answer.attached.call, "incident": answer.attached.incident},
        "warnings": list(answer.warnings),
    }


@sip_router.post(
    "/dialog",
    response=DialogOut,
    summary="A dialog started (answered), ended (BYE) or failed",
    description=(
        "`start`: the agent answered (the ACD counts the agent busy); `end`: someone hung "
        "up (the call ends, the agent wraps up) — but when the agent who transferred the "
        "call hangs up (`transfer` set, `by: callee`), the call goes on with the target "
        "(`status: kept`); `failed`: the INVITE got no 2xx (`code` gives the cause: 486 "
        "busy, 487 cancel, 408/480 no answer…). 404 for a call that did not come through "
        "the route point, 409 when the event does not fit the call's state."
    ),
    auth=allow(*BRIDGES, vendor_only=True),
)
def dialog(request: HttpRequest, payload: DialogIn) -> Any:
    try:
        result = sip.dialog_event(
            actor=request.user,
            event=payload.event,
            call_id=payload.call_id,
            from_tag=payload.from_tag,
            ref=payload.call,
            agent_name=payload.agent,
            transfer=payload.transfer,
            by=payload.by,
            code=payload.code,
            payload=_raw(payload),
        )
    except sip.RoutePointError as exc:
        raise HttpError(404, str(exc)) from exc
    except CallStateError as exc:
        raise HttpError(409, str(exc)) from exc
    call = result.call
    return {
        "status": result.status,
        "event": payload.event,
        "call": call.pk,
        "state": call.state,
        "cause": call.cause,
    }


@sip_router.post(
    "/refer",
    response=ReferOut,
    summary="An agent's phone transfers a call (REFER): the Refer-To to relay",
    description=(
        "A blind transfer. The target (the Refer-To's user part) is a support number (its "
        "queue) or an agent's user name; the call is handed on with its incident (the ACD "
        "rings the target, whose console pops the incident). `refer`: relay the REFER with "
        "`refer_to`, whose URI embeds the User-to-User header carrying the call's id and "
        "incident. `relay`: the call did not come through the route point; relay the REFER "
        "unchanged. `reject`: answer the REFER with `code` (404 unknown target, 403 refused "
        "by the ACD, 481 ended call)."
    ),
    auth=allow(*BRIDGES, vendor_only=True),
)
def refer(request: HttpRequest, payload: ReferIn) -> Any:
    try:
        answer = sip.refer_call(
            actor=request.user,
            call_id=payload.call_id,
            refer_to=payload.refer_to,
            referred_by=payload.referred_by,
            ref=payload.call,
        )
    except sip.UnknownCall:
        # Not a call of the route point (an internal call…): the transfer goes on as is.
        return {"action": "relay"}
    except sip.UnknownTarget as exc:
        return {"action": "reject", "code": 404, "reason": str(exc)}
    except sip.TransferRefused as exc:
        return {"action": "reject", "code": 403, "reason": str(exc)}
    except CallStateError:
        return {
            "action": "reject",
            "code": 481,
            "reason": _("The call has already ended."),
        }
    return {
        "action": "refer",
        "call": answer.call.pk,
        "refer_to": answer.refer_to,
        "target": answer.target,
        "user_to_user": answer.user_to_user,
        "incident": answer.attached.incident or None,
    }
