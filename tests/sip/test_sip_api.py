"""The route point's HTTP contract, as Kamailio speaks it (no SIP stack needed here)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from escalade.contactcenter.models import AcdState, AgentPresence
from escalade.contactcenter.service import service
from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.telephony.models import Call, Cause, EventKind, State
from escalade.telephony.sip import (
    Attached,
    decode_uui,
    encode_uui,
    failure_cause,
    number_plan,
    parse_address,
    with_uui,
)
from tests.factories import World, make_agent
from tests.sip.conftest import L1_NUMBER, L2_NUMBER, MARIE, LogIn
from tests.telephony.test_calls import an_incident

Post = Callable[..., tuple[int, Any]]


@pytest.fixture
def staffed(world: World, log_in: LogIn) -> None:
    """Paul (L1) and Inès (L2) logged in to the ACD, available."""
    log_in(world.users[Role.PARTNER_AGENT])
    log_in(world.users[Role.INTERNAL_AGENT])


@pytest.fixture
def proxy(proxy_token: str, numbers: dict[str, str]) -> Post:
    """POST to /api/sip/<path> as Kamailio does: JSON, the proxy's bearer token."""
    client = Client()

    def post(path: str, **body: Any) -> tuple[int, Any]:
        response = client.post(
            f"/api/sip/{path}",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {proxy_token}"},
        )
        return response.status_code, response.json()

    return post


def invite(call_id: str = "c1@127.0.0.1", number: str = L1_NUMBER, **extra: Any) -> dict[str, Any]:
    body = {
        "call_id": call_id,
        "from": f'"Marie Durand" <sip:{MARIE}@127.0.0.1:5070>;tag=m1',
        "to": f"<sip:{number}@127.0.0.1:5060>",
        "request_uri": f"sip:{number}@127.0.0.1:5060",
        "cseq": "1 INVITE",
        "via_branch": "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1",
        "user_to_user": "",
        "attempt": 0,
        "waits": 0,
        "failed_agent": "",
        "failed_code": "",
    }
    body.update(extra)
    return body


# --- SIP text and attached data ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "display", "user", "tag"),
    [
        (
            '"Marie Durand" <sip:0142685300@10.0.0.1:5070>;tag=abc',
            "Marie Durand",
            "0142685300",
            "abc",
        ),
        ("<sip:+33170360000@proxy;user=phone>", "", "+33170360000", ""),
        ("sip:paul.partner@127.0.0.1;tag=x", "", "paul.partner", "x"),
        ('"O\\"Brien" <sips:eric@host>', 'O"Brien', "eric", ""),
        ("<tel:+33142685300>;tag=t", "", "+33142685300", "t"),
        ("Anonymous <sip:anonymous@anonymous.invalid>;tag=1", "Anonymous", "anonymous", "1"),
        ("<sip:host-only.example>", "", "", ""),
        ("", "", "", ""),
    ],
)
def test_addresses_are_read_as_proxies_write_them(
    header: str, display: str, user: str, tag: str
) -> None:
    address = parse_address(header)
    assert (address.display, address.user, address.tag) == (display, user, tag)


def test_the_attached_data_goes_through_user_to_user_in_hex() -> None:
    uui = encode_uui(Attached(call=12, incident="INC-7"))
    assert uui.endswith(";encoding=hex")
    assert bytes.fromhex(uui.split(";")[0]) == b"escalade;call=12;incident=INC-7"
    assert decode_uui(uui) == Attached(call=12, incident="INC-7")
    # Another site's plain incident number; foreign or broken data is ignored
    assert decode_uui(b"INC-9".hex()) == Attached(incident="INC-9")
    assert decode_uui("INC-9;encoding=ascii") == Attached(incident="INC-9")
    assert decode_uui("zz-not-hex").empty
    assert decode_uui(b"isdn data".hex()).empty
    assert decode_uui("").empty


def test_the_refer_to_embeds_the_user_to_user_header_escaped() -> None:
    refer_to = with_uui("<sip:+33170360099@127.0.0.1:5060?User-to-User=old>", "ABCD;encoding=hex")
    assert refer_to == "<sip:+33170360099@127.0.0.1:5060?User-to-User=ABCD%3Bencoding%3Dhex>"


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        ("486", Cause.BUSY),
        ("487", Cause.CANCEL),
        ("408", Cause.NO_ANSWER),
        ("480", Cause.NO_ANSWER),
        ("404", Cause.NOT_FOUND),
        ("503", Cause.CONGESTION),
        ("302", Cause.FORWARDED),
        ("603", Cause.OTHER),
        ("", Cause.OTHER),
    ],
)
def test_sip_failures_become_hangup_causes(code: str, cause: Cause) -> None:
    assert failure_cause(code) == cause


def test_the_number_plan_comes_from_settings_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.ESCALADE_SIP_NUMBERS = {"+33 1 70 36 00 00": "FR L1 Callwave"}
    assert number_plan() == {"+33170360000": "FR L1 Callwave"}
    del settings.ESCALADE_SIP_NUMBERS
    monkeypatch.setenv("ESCALADE_SIP_NUMBERS", "+33170360099=Paris L2, 3900 = Paris L2")
    assert number_plan() == {"+33170360099": "Paris L2", "3900": "Paris L2"}


# --- POST /api/sip/route ---------------------------------------------------------------


def test_an_invite_is_recorded_and_routed_to_the_agent_the_acd_rings(
    world: World, staffed: None, proxy: Post
) -> None:
    status, answer = proxy("route", **invite())
    assert status == 200
    assert answer["action"] == "route"
    assert answer["status"] == "ok"
    assert answer["agent"] == "paul.partner"
    assert answer["extension"] == "2001"
    assert answer["queue"] == "FR L1 Callwave"
    call = Call.objects.get(pk=answer["call"])
    assert (call.source, call.external_id) == ("sip", "c1@127.0.0.1")
    assert call.state == State.ALERTING
    assert call.account == world.dupont
    assert call.from_e164 == "+33142685300"
    assert call.to_e164 == L1_NUMBER


def test_a_retransmitted_invite_gets_the_same_answer_and_changes_nothing(
    staffed: None, proxy: Post
) -> None:
    _, first = proxy("route", **invite())
    status, again = proxy("route", **invite())
    assert status == 200
    assert again["status"] == "duplicate"
    assert (again["action"], again["agent"]) == ("route", "paul.partner")
    assert again["call"] == first["call"]
    call = Call.objects.get(pk=first["call"])
    assert call.events.filter(kind=EventKind.OFFERED).count() == 1
    assert call.events.filter(kind=EventKind.ALERTING).count() == 1


def test_an_unknown_number_is_rejected_without_a_call(proxy: Post) -> None:
    status, answer = proxy("route", **invite(number="+33999999999"))
    assert status == 200
    assert (answer["action"], answer["code"]) == ("reject", 404)
    assert "+33999999999" in answer["reason"]
    assert not Call.objects.exists()


def test_the_caller_waits_until_an_agent_is_free(world: World, proxy: Post, log_in: LogIn) -> None:
    # Nobody logged in to L1: wait, and ask again
    status, answer = proxy("route", **invite())
    assert status == 200
    assert (answer["action"], answer["seconds"]) == ("wait", 5)
    assert Call.objects.get(pk=answer["call"]).state == State.OFFERED
    # Paul logs in: the ACD rings him at once; the next ask routes the call to his phone
    log_in(world.users[Role.PARTNER_AGENT])
    _, later = proxy("route", **invite(waits=1))
    assert (later["action"], later["agent"], later["call"]) == (
        "route",
        "paul.partner",
        answer["call"],
    )


def test_a_phone_that_fails_passes_the_call_on_at_once(
    world: World, staffed: None, proxy: Post, log_in: LogIn
) -> None:
    # Given Marie's call ringing Paul, the only L1 agent available
    _, first = proxy("route", **invite())
    assert first["agent"] == "paul.partner"
    # When his phone answers busy (486): nobody else may take it yet, the caller waits,
    # and Paul is not rung again (he is not ready: missed a call)
    status, answer = proxy(
        "route", **invite(attempt=1, failed_agent="paul.partner", failed_code="486")
    )
    assert status == 200
    assert answer["action"] == "wait"
    paul = AgentPresence.objects.get(agent__user__username="paul.partner")
    assert (paul.state, paul.reason) == ("not_ready", "no_answer")
    # When Léa logs in, the next ask routes the call to her, long before any ring timeout
    lea = make_agent(
        "lea.l1",
        organization=world.callwave,
        tier=world.tiers["L1"],
        role=Role.PARTNER_AGENT,
        site=world.callwave_lille,
    )
    service.set_agent_state(agent=lea, state=AcdState.AVAILABLE)
    _, later = proxy("route", **invite(waits=1, attempt=1))
    assert (later["action"], later["agent"]) == ("route", "lea.l1")


def test_a_failed_phone_with_another_agent_available_routes_to_that_agent_in_the_same_answer(
    world: World, staffed: None, proxy: Post, log_in: LogIn
) -> None:
    lea = make_agent(
        "lea.l1",
        organization=world.callwave,
        tier=world.tiers["L1"],
        role=Role.PARTNER_AGENT,
        site=world.callwave_lille,
    )
    _, first = proxy("route", **invite())
    service.set_agent_state(agent=lea, state=AcdState.AVAILABLE)
    busy = first["agent"]
    status, answer = proxy("route", **invite(attempt=1, failed_agent=busy, failed_code="486"))
    assert status == 200
    assert answer["action"] == "route"
    assert answer["agent"] not in (busy, None)
    # The same report again (a retransmission) changes nothing more
    _, again = proxy("route", **invite(attempt=1, failed_agent=busy, failed_code="486"))
    assert again["agent"] == answer["agent"]


def test_an_invite_from_another_site_brings_its_incident(
    world: World, staffed: None, proxy: Post
) -> None:
    incident = an_incident(world)
    uui = encode_uui(Attached(call=None, incident=incident.number or ""))
    status, answer = proxy("route", **invite(number=L2_NUMBER, user_to_user=uui))
    assert status == 200
    assert (answer["action"], answer["agent"]) == ("route", "ines.internal")
    assert answer["attached"] == {"call": None, "incident": incident.number}
    assert Call.objects.get(pk=answer["call"]).incident == incident


def test_bad_requests_get_a_clear_error(proxy: Post) -> None:
    status, answer = proxy("route", **{"from": "x"})
    assert status == 422
    assert "call_id" in answer["detail"]


def test_only_the_proxys_roles_may_call(client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.INTERNAL_AGENT).post(
        "/api/sip/route", json.dumps(invite()), content_type="application/json"
    )
    assert response.status_code == 403
    assert Client().post("/api/sip/route", "{}", content_type="application/json").status_code == 401


# --- POST /api/sip/dialog -------------------------------------------------------------


def dialog(event: str, **extra: Any) -> dict[str, Any]:
    return {"event": event, "call_id": "c1@127.0.0.1", "from_tag": "m1", "to_tag": "", **extra}


def test_dialog_start_and_end_answer_then_end_the_call(staffed: None, proxy: Post) -> None:
    _, routed = proxy("route", **invite())
    status, started = proxy(
        "dialog", **dialog("start", call=str(routed["call"]), agent="paul.partner")
    )
    assert status == 200
    assert (started["state"], started["status"]) == ("connected", "ok")
    assert proxy("dialog", **dialog("start"))[1]["status"] == "duplicate"
    status, ended = proxy("dialog", **dialog("end"))
    assert (status, ended["state"], ended["cause"]) == (200, "cleared", "normalClearing")
    call = Call.objects.get(pk=routed["call"])
    assert call.agent is not None
    assert call.agent.user.username == "paul.partner"
    assert call.talk_seconds is not None


def test_a_failed_dialog_ends_the_call_with_the_sip_cause(staffed: None, proxy: Post) -> None:
    proxy("route", **invite())
    status, failed = proxy("dialog", **dialog("failed", code="487"))
    assert (status, failed["state"], failed["cause"]) == (200, "cleared", "cancel")


def test_dialog_events_of_unknown_calls_or_out_of_order_are_refused(
    staffed: None, proxy: Post
) -> None:
    status, answer = proxy("dialog", **dialog("end", call_id="nobody@x"))
    assert status == 404
    assert "nobody@x" in answer["detail"]
    proxy("route", **invite())
    proxy("dialog", **dialog("failed", code="486"))
    status, answer = proxy("dialog", **dialog("start"))
    assert status == 409


# --- POST /api/sip/refer --------------------------------------------------------------


def refer(target: str = L2_NUMBER, **extra: Any) -> dict[str, Any]:
    return {
        "call_id": "c1@127.0.0.1",
        "refer_to": f"<sip:{target}@127.0.0.1:5060>",
        "referred_by": "<sip:paul.partner@127.0.0.1:5060>",
        **extra,
    }


def test_a_refer_hands_the_call_on_with_its_incident_in_user_to_user(
    world: World, staffed: None, proxy: Post
) -> None:
    incident = an_incident(world)
    _, routed = proxy("route", **invite())
    proxy("dialog", **dialog("start"))
    Call.objects.filter(pk=routed["call"]).update(incident=incident)
    status, answer = proxy("refer", **refer())
    assert status == 200
    assert (answer["action"], answer["target"]) == ("refer", "Paris L2")
    assert answer["refer_to"].startswith(f"<sip:{L2_NUMBER}@127.0.0.1:5060?User-to-User=")
    assert decode_uui(answer["user_to_user"]) == Attached(
        call=routed["call"], incident=incident.number or ""
    )
    # The caller holds; the ACD rings Inès for the call; Paul's part is over
    call = Call.objects.get(pk=routed["call"])
    assert call.state == State.HELD
    paul_leg = call.connections.get(party="agent", agent__user__username="paul.partner")
    assert paul_leg.cause == Cause.FORWARDED
    assert call.connections.filter(
        party="agent", state=State.ALERTING, agent__user__username="ines.internal"
    ).exists()
    assert AuditEntry.objects.filter(action="call_transferred").exists()
    # The REFER again (a retransmission) gets the same answer
    assert proxy("refer", **refer())[1]["refer_to"] == answer["refer_to"]
    # The caller's new dialog joins the call and rings Inès's phone
    joined = invite(
        call_id="xfer///c1@127.0.0.1", number=L2_NUMBER, user_to_user=answer["user_to_user"]
    )
    status, routed_again = proxy("route", **joined)
    assert (routed_again["action"], routed_again["agent"]) == ("route", "ines.internal")
    assert (routed_again["call"], routed_again["extension"]) == (call.pk, "3001")
    assert routed_again["queue"] == "Paris L2"
    # Inès answers; Paul's phone hangs up: the call goes on
    start = dialog("start", call_id="xfer///c1@127.0.0.1", call=str(call.pk))
    assert proxy("dialog", **start)[1]["state"] == "connected"
    _, kept = proxy("dialog", **dialog("end", transfer="Paris L2", by="callee"))
    assert (kept["status"], kept["state"]) == ("kept", "connected")
    # Marie hangs up with Inès: the call ends
    end = dialog("end", call_id="xfer///c1@127.0.0.1", call=str(call.pk), by="caller")
    _, ended = proxy("dialog", **end)
    assert (ended["state"], ended["cause"]) == ("cleared", "normalClearing")
    call.refresh_from_db()
    assert call.agent is not None
    assert call.agent.user.username == "ines.internal"


def test_a_refer_to_an_agent_or_nowhere(staffed: None, proxy: Post) -> None:
    proxy("route", **invite())
    proxy("dialog", **dialog("start"))
    status, answer = proxy("refer", **refer("+33999999999"))
    assert (status, answer["action"], answer["code"]) == (200, "reject", 404)
    # Sophie is not logged in to the ACD: refused
    status, answer = proxy("refer", **refer("sophie.supervisor"))
    assert (status, answer["action"], answer["code"]) == (200, "reject", 403)
    assert proxy("refer", **refer("ines.internal"))[1]["target"] == "Inès Martin"


def test_a_refer_of_a_call_escalade_never_saw_is_relayed_as_is(proxy: Post) -> None:
    status, answer = proxy("refer", **refer(call_id="internal@pbx"))
    assert (status, answer) == (
        200,
        {
            "action": "relay",
            "call": None,
            "refer_to": None,
            "target": None,
            "user_to_user": None,
            "incident": None,
            "code": None,
            "reason": None,
        },
    )


def test_a_refer_of_an_ended_call_is_refused(staffed: None, proxy: Post) -> None:
    proxy("route", **invite())
    proxy("dialog", **dialog("failed", code="487"))
    status, answer = proxy("refer", **refer())
    assert (status, answer["action"], answer["code"]) == (200, "reject", 481)
