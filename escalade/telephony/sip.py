"""The SIP route point: what the SIP proxy (Kamailio) asks and tells, applied to calls.

The proxy keeps the SIP side (registrations, transactions, dialogs); Escalade decides.
For each new call (an initial INVITE) the proxy asks where it goes (``route``): the
call is recorded (source ``sip``, the INVITE's Call-ID as its id), the dialled number
names its queue, an agent of that queue is chosen and rung (the console pops the
caller's file), and the proxy is told the agent's extension, which it looks up among
the phones registered with it. The proxy then reports the dialog's start (the agent
answered), end (BYE) and failure (``dialog``), and shows each REFER an agent's phone
sends (``refer``): Escalade answers the Refer-To to relay, with the call's attached
data (the call and its incident) in an embedded User-to-User header, so that the
caller's new INVITE reaches the target queue carrying it (RFC 7433 encoding, hex).

Every request the proxy sends carries what identifies it (Call-ID, From tag, CSeq,
attempt), which becomes the event's idempotency key: a retransmission or a retry is
recognised and answered the same way without changing anything.

The contact center's ACD chooses the agents (``offer_to_acd``; it rings them through
telephony's call control) and carries transfers (``do_transfer_call``): a transferred
caller's new dialog joins the same call. Every entry point takes the routing lock first
(``routing_transaction``), as telephony's other ACD entry points do. The HTTP side is
``sip_api``; the contract is in ``docs/sip.md``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.models import AgentPresence
from escalade.contactcenter.service import service as acd_service
from escalade.engines.phones import PhoneNumberError, to_e164
from escalade.incidents.models import Incident
from escalade.network.models import Agent, Queue
from escalade.telephony.acd import do_transfer_call, offer_to_acd, reload
from escalade.telephony.actions import (
    CallStateError,
    _locked,
    _store_event,
    do_attach_incident,
    do_call_answered,
    do_call_ended,
    do_call_offered,
)
from escalade.telephony.models import (
    LIVE_STATES,
    Call,
    CallConnection,
    Cause,
    Direction,
    EventKind,
    Party,
    State,
)
from escalade.telephony.queries import agents_named

logger = logging.getLogger("escalade.telephony")

# Calls that came through the SIP route point; the INVITE's Call-ID is unique within it.
SOURCE = "sip"
# Seconds a caller is told to wait before the proxy asks again, when nobody is free.
WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 30
# What the User-to-User data starts with, so that foreign data is not misread.
UUI_TAG = "escalade"


class RoutePointError(Exception):
    """The request names something Escalade does not know: 404."""


class UnknownCall(RoutePointError):
    """No call with this Call-ID came through the route point."""


class UnknownTarget(RoutePointError):
    """A transfer names neither a support number nor an agent."""


# --- SIP text ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    """A From, To, Refer-To… header: display name, URI and its user part, header params."""

    display: str
    uri: str
    user: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return self.params.get("tag", "")


_NAME_ADDR = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>(.*)$')
_USER = re.compile(r"^(?:sips?|tel):(?:([^@;?]*)@)?([^;?]*)", re.IGNORECASE)


def _params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in text.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name:
            params[name.lower()] = value.strip()
    return params


def parse_address(text: str) -> Address:
    """Read a name-addr (``"Marie" <sip:0142685300@host>;tag=x``) or a bare addr-spec."""
    text = (text or "").strip()
    match = _NAME_ADDR.match(text)
    if match:
        display = match.group(1) if match.group(1) is not None else (match.group(2) or "")
        display = re.sub(r"\\(.)", r"\1", display).strip()
        uri, rest = match.group(3).strip(), match.group(4)
    else:
        # addr-spec: the header parameters follow the URI's own after the first ';'.
        uri, _sep, rest = text.partition(";")
        display = ""
        rest = f";{rest}" if rest else ""
    user_match = _USER.match(uri)
    user = ""
    if user_match:
        # tel:+331… has no '@': the number is the "host" part.
        user = user_match.group(1) if user_match.group(1) is not None else user_match.group(2)
        if not uri.lower().startswith("tel:") and user_match.group(1) is None:
            user = ""
    return Address(display=display, uri=uri, user=unquote(user), params=_params(rest))


def via_branch(via: str) -> str:
    match = re.search(r";\s*branch=([^;,\s]+)", via or "", re.IGNORECASE)
    return match.group(1) if match else ""


def cseq_number(cseq: str) -> str:
    return (cseq or "").strip().split(" ", 1)[0]


def dialled_number(request_uri: str, to: str) -> str:
    """The number the caller dialled: the Request-URI's user part, else the To header's."""
    return parse_address(request_uri).user or parse_address(to).user


# --- User-to-User: the call's attached data -------------------------------------------


@dataclass(frozen=True, slots=True)
class Attached:
    """The data a call carries from one agent or site to another."""

    call: int | None = None
    incident: str = ""

    @property
    def empty(self) -> bool:
        return self.call is None and not self.incident


def encode_uui(attached: Attached) -> str:
    """``User-to-User`` value: ``escalade;call=12;incident=INC-…`` in hex (RFC 7433)."""
    parts = [UUI_TAG]
    if attached.call is not None:
        parts.append(f"call={attached.call}")
    if attached.incident:
        parts.append(f"incident={attached.incident}")
    return ";".join(parts).encode().hex().upper() + ";encoding=hex"


def decode_uui(header: str) -> Attached:
    """Read a User-to-User header written by ``encode_uui`` (here or at another site).

    Without ``encoding`` the data is hex (RFC 7433's default); data that is not hex, or
    not Escalade's, is taken as an incident number when it looks like one.
    """
    value, _sep, rest = (header or "").strip().partition(";")
    value = value.strip().strip('"')
    encoding = _params(rest).get("encoding", "hex").lower()
    text = value
    if encoding == "hex":
        try:
            text = bytes.fromhex(value).decode("utf-8")
        except ValueError:
            text = value
    fields = text.split(";")
    if fields[0].strip().lower() != UUI_TAG:
        number = text.strip()
        prefix = getattr(settings, "INCIDENT_NUMBER_PREFIX", "INC-")
        return Attached(incident=number if number.startswith(prefix) else "")
    data = _params(";".join(fields[1:]))
    call = data.get("call", "")
    return Attached(call=int(call) if call.isdigit() else None, incident=data.get("incident", ""))


def with_uui(uri: str, uui: str) -> str:
    """The Refer-To name-addr with the User-to-User header embedded in its URI."""
    address = parse_address(uri)
    base, _sep, headers = address.uri.partition("?")
    kept = [h for h in headers.split("&") if h and not h.lower().startswith("user-to-user=")]
    kept.append(f"User-to-User={quote(uui, safe='')}")
    return f"<{base}?{'&'.join(kept)}>"


# --- Numbers and queues ----------------------------------------------------------------


def _number_key(number: str) -> str:
    text = (number or "").strip()
    try:
        return to_e164(text, region=None) if text.startswith("+") else text
    except PhoneNumberError:
        return text


def number_plan() -> dict[str, str]:
    """The support numbers and the queue each one rings: ``ESCALADE_SIP_NUMBERS``.

    A setting (a mapping) or the environment variable of the same name
    (``+33170360000=FR L1 Callwave,3900=Paris L2``). Numbers starting with ``+`` are
    compared in E.164 form, others exactly as dialled.
    """
    configured: Any = getattr(settings, "ESCALADE_SIP_NUMBERS", None)
    if configured is None:
        configured = {}
        for item in os.environ.get("ESCALADE_SIP_NUMBERS", "").split(","):
            number, _sep, queue = item.partition("=")
            if number.strip() and queue.strip():
                configured[number.strip()] = queue.strip()
    return {_number_key(number): str(queue) for number, queue in dict(configured).items()}


def queue_for_number(number: str) -> Queue | None:
    """The queue a dialled number rings: the number plan, else a queue of that name."""
    name = number_plan().get(_number_key(number)) or unquote(number or "").strip()
    if not name:
        return None
    return Queue.objects.select_related("tier").filter(name=name).first()


# --- The agent the ACD chose -----------------------------------------------------------


def ringing_agent(call: Call) -> Agent | None:
    """The agent whose phone should ring for the call: the newest ringing leg."""
    leg = (
        CallConnection.objects.select_related("agent__user")
        .filter(call=call, party=Party.AGENT, state=State.ALERTING)
        .order_by("-alerting_at", "-pk")
        .first()
    )
    return leg.agent if leg is not None else None


def extension_of(agent: Agent) -> str:
    """What the agent's phone registered as: the extension given at ACD login, else the
    agent's user name."""
    presence = AgentPresence.objects.filter(agent=agent).values_list("extension", flat=True)
    return (presence.first() or "").strip() or agent.user.get_username()


def in_transfer(call: Call) -> bool:
    """The caller holds while a queue or agent is sought to take the call over."""
    return (
        call.state == State.HELD
        and call.connections.filter(party=Party.QUEUE, state__in=LIVE_STATES).exists()
    )


def _transfer_queue(call: Call) -> Queue | None:
    """The queue a call being transferred waits in."""
    leg = (
        CallConnection.objects.select_related("queue")
        .filter(call=call, party=Party.QUEUE, state__in=LIVE_STATES)
        .order_by("-offered_at", "-pk")
        .first()
    )
    return leg.queue if leg is not None and leg.queue is not None else call.queue


def _transferred_call(attached: Attached) -> Call | None:
    """The route point's call that the User-to-User data names, if it is being transferred:
    the caller's new INVITE (a new dialog) joins it."""
    if attached.call is None:
        return None
    call = Call.objects.filter(pk=attached.call, source=SOURCE).first()
    return call if call is not None and in_transfer(call) else None


# --- What the proxy asks and tells ---------------------------------------------------


@dataclass(frozen=True)
class RouteAnswer:
    action: Literal["route", "wait", "reject"]
    call: Call | None = None
    duplicate: bool = False
    agent: Agent | None = None
    extension: str = ""
    queue: Queue | None = None
    seconds: int = 0
    code: int = 0
    reason: str = ""
    attached: Attached = field(default_factory=Attached)
    warnings: tuple[str, ...] = ()


def _reject(code: int, reason: str, call: Call | None = None) -> RouteAnswer:
    return RouteAnswer(action="reject", call=call, code=code, reason=reason)


def find_call(*, call_id: str, ref: str = "") -> Call:
    """The SIP call a proxy request names: by Escalade's id when the proxy kept it in the
    dialog (a transferred caller's second dialog has the first one's call), else by the
    dialog's Call-ID."""
    calls = Call.objects.select_related("agent__user", "queue", "incident").filter(source=SOURCE)
    call = calls.filter(pk=int(ref)).first() if ref.strip().isdigit() else None
    call = call or calls.filter(external_id=call_id).first()
    if call is None:
        raise UnknownCall(
            _("No call with Call-ID %(id)s came through the route point.") % {"id": call_id}
        )
    return call


def _incident_of(attached: Attached) -> Incident | None:
    if attached.incident:
        incident = Incident.objects.filter(number=attached.incident).first()
        if incident is not None:
            return incident
    if attached.call is not None:
        linked = Call.objects.filter(pk=attached.call).values_list("incident_id", flat=True).first()
        if linked is not None:
            return Incident.objects.filter(pk=linked).first()
    return None


def do_dialog_joined(*, call: Call, key: str, at: datetime, payload: dict[str, Any] | None) -> bool:
    """The transferred caller's new dialog reaches the call (the target rings): stored as
    an event of the call. False when the proxy sent this request before."""
    with transaction.atomic():
        call = _locked(call)
        return _store_event(
            call=call, kind=EventKind.ALERTING, source=SOURCE, key=key, at=at, payload=payload
        )


def route_call(
    *,
    actor: Any,
    call_id: str,
    from_header: str,
    to_header: str,
    request_uri: str,
    cseq: str,
    user_to_user: str = "",
    attempt: int = 0,
    waits: int = 0,
    failed_agent: str = "",
    failed_code: str = "",
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> RouteAnswer:
    """An INVITE reached the proxy: which agent's phone rings, or wait, or reject.

    A new call is recorded (``do_call_offered``, with the incident its User-to-User data
    names) and offered to the ACD, which rings the agent it chooses (the agent's console
    pops the caller's file). A transferred caller's new dialog, whose User-to-User data
    names a call being transferred, joins that call: its phone goes to the agent the
    transfer rings. Asking again (the caller waited, or the agent's phone failed) first
    lets the ACD apply what time changed (ring timeouts), then answers where the call is.
    The same request again gets the same answer and changes nothing.
    """
    now = now or timezone.now()
    caller = parse_address(from_header)
    dialled = dialled_number(request_uri, to_header)
    attached = decode_uui(user_to_user)
    request_key = f"route:{call_id}:{caller.tag}:{cseq_number(cseq)}"
    warnings: list[str] = []
    # The routing lock before any call row (see escalade.telephony.acd).
    with acd_service.routing_transaction():
        if attempt or waits:
            acd_service.tick(now)
        call = _transferred_call(attached)
        queue = _transfer_queue(call) if call is not None else queue_for_number(dialled)
        if call is not None:
            duplicate = not do_dialog_joined(call=call, key=request_key, at=now, payload=payload)
        else:
            if queue is None:
                return _reject(404, _("No queue answers %(number)s.") % {"number": dialled or "?"})
            offered = do_call_offered(
                actor=actor,
                source=SOURCE,
                external_id=call_id,
                direction=Direction.IN,
                from_number=caller.user or caller.uri,
                to_number=dialled,
                queue=queue,
                at=now,
                key=request_key,
                payload=payload,
            )
            call, duplicate = offered.call, offered.duplicate
            incident = None if duplicate else _incident_of(attached)
            if incident is not None and call.incident_id is None:
                try:
                    call = do_attach_incident(actor=actor, call=call, incident=incident)
                except ValidationError as exc:
                    warnings.append(" ".join(exc.messages))
            if call.state in (State.OFFERED, State.ALERTING) and call.queue is not None:
                try:
                    offer_to_acd(call, call.queue)
                except (AcdInvalid, AcdRefused) as exc:
                    warnings.append(str(exc))
        call = reload(call)
        if call.state == State.CLEARED:
            return _reject(487, _("The call has ended."), call)
        if call.state not in (State.OFFERED, State.ALERTING) and not in_transfer(call):
            return _reject(409, _("The call was already answered."), call)
        agent = ringing_agent(call)
        failed, _unknown = agents_named([failed_agent]) if failed_agent else ([], [])
        if agent is not None and (
            agent in failed or (failed_code and not failed_agent and attempt > 0)
        ):
            # The phone of the agent the ACD rings failed (busy, unreachable, no answer):
            # the ACD offers the call to the next agent now (the failed one is made not
            # ready), rather than at its ring timeout.
            acd_service.ring_failed(call=call, agent=agent, now=now)
            call = reload(call)
            agent = ringing_agent(call)
            if agent in failed:
                agent = None
        if agent is None:
            return RouteAnswer(
                action="wait",
                call=call,
                duplicate=duplicate,
                queue=queue,
                seconds=min(max(WAIT_SECONDS, 1), MAX_WAIT_SECONDS),
                attached=attached,
                warnings=tuple(warnings),
            )
        return RouteAnswer(
            action="route",
            call=call,
            duplicate=duplicate,
            agent=agent,
            extension=extension_of(agent),
            queue=queue,
            attached=attached,
            warnings=tuple(warnings),
        )


# SIP final responses of a failed INVITE, as hangup causes.
FAILURE_CAUSES: dict[int, Cause] = {
    486: Cause.BUSY,
    600: Cause.BUSY,
    487: Cause.CANCEL,
    408: Cause.NO_ANSWER,
    480: Cause.NO_ANSWER,
    404: Cause.NOT_FOUND,
    410: Cause.NOT_FOUND,
    484: Cause.NOT_FOUND,
    604: Cause.NOT_FOUND,
    503: Cause.CONGESTION,
    500: Cause.CONGESTION,
    502: Cause.CONGESTION,
    504: Cause.CONGESTION,
}


def failure_cause(code: str | int) -> Cause:
    try:
        number = int(str(code).strip())
    except ValueError:
        return Cause.OTHER
    if number in FAILURE_CAUSES:
        return FAILURE_CAUSES[number]
    if 300 <= number < 400:
        return Cause.FORWARDED
    return Cause.OTHER


DialogEvent = Literal["start", "end", "failed"]


@dataclass(frozen=True)
class DialogResult:
    call: Call
    # ok: applied; duplicate: received before; kept: the transferring agent hung up,
    # the call goes on with the target.
    status: Literal["ok", "duplicate", "kept"]


def dialog_event(
    *,
    actor: Any,
    event: DialogEvent,
    call_id: str,
    from_tag: str,
    ref: str = "",
    agent_name: str = "",
    transfer: str = "",
    by: str = "",
    code: str = "",
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> DialogResult:
    """The proxy's dialog events: start (answered), end (BYE), failed (no 2xx).

    Each is applied to the call and told to the ACD (the agent is busy, then wraps up).
    The end of a dialog whose agent transferred the call, hung up by that agent, does
    not end the call: the caller goes on with the transfer's target.
    """
    call = find_call(call_id=call_id, ref=ref)
    key = f"dialog:{event}:{call_id}:{from_tag}"
    with acd_service.routing_transaction():
        if event == "start":
            agents, _unknown = agents_named([agent_name]) if agent_name else ([], [])
            result = do_call_answered(
                actor=actor,
                call=call,
                agent=agents[0] if agents else None,
                at=now,
                key=key,
                payload=payload,
            )
            if not result.duplicate:
                acd_service.agent_answered(call=result.call, agent=result.call.agent)
            return DialogResult(result.call, "duplicate" if result.duplicate else "ok")
        if event == "end" and transfer and by == "callee" and call.state != State.CLEARED:
            return DialogResult(call, "kept")
        cause = failure_cause(code) if event == "failed" else Cause.NORMAL_CLEARING
        result = do_call_ended(
            actor=actor, call=call, cause=cause, at=now, key=key, payload=payload
        )
        if not result.duplicate:
            acd_service.call_ended(call=result.call)
        return DialogResult(result.call, "duplicate" if result.duplicate else "ok")


@dataclass(frozen=True)
class ReferAnswer:
    call: Call
    refer_to: str
    target: str
    user_to_user: str
    attached: Attached


class TransferRefused(Exception):
    """The ACD refuses the transfer (the target agent is not logged in…): 403."""


def refer_call(
    *,
    actor: Any,
    call_id: str,
    refer_to: str,
    referred_by: str = "",
    ref: str = "",
    now: datetime | None = None,
) -> ReferAnswer:
    """An agent's phone transfers the call (a blind transfer, REFER).

    The target is a support number (its queue) or an agent's user name. The call is
    handed on with its incident (``do_transfer_call``: the first agent's leg ends, the
    caller holds, the ACD rings the target, whose console pops the call with the
    incident). The answer is the Refer-To to relay, carrying the call's id and incident
    in its User-to-User header, for the caller's new INVITE. A repeated REFER while the
    transfer is under way gets the same answer.
    """
    call = find_call(call_id=call_id, ref=ref)
    if call.state == State.CLEARED:
        raise CallStateError(_("The call has already ended."))
    target = parse_address(refer_to)
    queue = queue_for_number(target.user)
    agent: Agent | None = None
    if queue is None:
        agents, _unknown = agents_named([target.user]) if target.user else ([], [])
        agent = agents[0] if agents else None
    if queue is None and agent is None:
        raise UnknownTarget(
            _("No queue or agent answers %(target)s.") % {"target": target.user or refer_to}
        )
    with acd_service.routing_transaction():
        if not in_transfer(call):
            try:
                do_transfer_call(
                    actor=actor,
                    call=call,
                    to_queue=queue,
                    to_agent=agent,
                    incident=call.incident,
                    at=now,
                )
            except (AcdInvalid, AcdRefused) as exc:
                raise TransferRefused(str(exc)) from exc
        call = reload(call)
    number = call.incident.number if call.incident is not None else ""
    attached = Attached(call=call.pk, incident=number or "")
    uui = encode_uui(attached)
    return ReferAnswer(
        call=call,
        refer_to=with_uui(refer_to, uui),
        target=queue.name if queue is not None else str(agent),
        user_to_user=uui,
        attached=attached,
    )
