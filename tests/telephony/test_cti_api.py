"""The Generic CTI event API: a PBX bridge reports calls as it does to other help desks."""

from collections.abc import Callable

import pytest
import time_machine
from django.test import Client

from escalade.core.actions import do_create_api_token
from escalade.core.roles import Role
from escalade.incidents.models import EntryKind, TimelineEntry
from escalade.telephony.models import Call, CallConnection, CallEvent, Cause, Party, State
from escalade.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import World
from tests.telephony.conftest import HOTLINE, MARIE_AS_DIALLED, CtiPoster, Reply, post_cti

pytestmark = pytest.mark.django_db


def new_call(cti: CtiPoster, call_id: str = "pbx-1001", **extra: object) -> Reply:
    fields: dict[str, object] = {
        "event": "newCall",
        "from_": MARIE_AS_DIALLED,
        "to": HOTLINE,
        "direction": "in",
        "callId": call_id,
        "user": ["ines.internal"],
    }
    fields.update(extra)
    return cti(**fields)


def test_a_new_call_from_marie_rings_ines_and_identifies_dupont(
    world: World, cti: CtiPoster
) -> None:
    # Given the PBX bridge with its token
    # When the PBX reports Marie's call, her number written the French way, for Inès
    reply = cti(
        event="newCall",
        from_=MARIE_AS_DIALLED,
        to=HOTLINE,
        direction="in",
        callId="pbx-1001",
        user=["ines.internal"],
    )
    # Then the call is recorded, ringing Inès, and the bridge learns who is calling
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "ok"
    assert reply.body["call"]["state"] == "alerting"
    assert reply.body["call"]["agent"] == "ines.internal"
    assert reply.body["caller"]["known"] is True
    assert reply.body["caller"]["number"] == "+33142685300"
    assert reply.body["caller"]["account"]["name"] == "Dupont Industrie"
    assert reply.body["caller"]["contact"]["name"] == "Marie Durand"
    call = Call.objects.get(external_id="pbx-1001")
    assert call.from_number == MARIE_AS_DIALLED
    assert call.from_e164 == "+33142685300"
    assert call.to_e164 == "+33170360000"
    assert (call.account, call.contact) == (world.dupont, world.marie)
    assert call.agent is not None
    assert call.agent.user.username == "ines.internal"
    # And the customer's leg is connected while Inès's rings
    legs = {leg.party: leg for leg in call.connections.all()}
    assert legs[Party.CUSTOMER].state == State.CONNECTED
    assert legs[Party.AGENT].state == State.ALERTING
    assert legs[Party.AGENT].alerting_at is not None
    # And the event is stored as it came, under its idempotency key
    event = CallEvent.objects.get(call=call)
    assert (event.kind, event.source, event.key) == ("offered", "cti", "pbx-1001:newCall")
    assert event.payload["from"] == MARIE_AS_DIALLED
    assert event.payload["user[]"] == ["ines.internal"]


def test_the_same_event_again_is_acknowledged_as_a_duplicate(world: World, cti: CtiPoster) -> None:
    # Given Marie's call already reported
    new_call(cti)
    counts = (Call.objects.count(), CallConnection.objects.count(), CallEvent.objects.count())
    # When the bridge sends the very same newCall again (a retry)
    reply = new_call(cti)
    # Then it is acknowledged as a duplicate, with the call, and nothing new is stored
    assert reply.status == 200
    assert reply.body["status"] == "duplicate"
    assert reply.body["call"]["call_id"] == "pbx-1001"
    assert reply.body["caller"]["account"]["name"] == "Dupont Industrie"
    assert (
        Call.objects.count(),
        CallConnection.objects.count(),
        CallEvent.objects.count(),
    ) == counts


def test_answer_then_hangup_records_durations_timeline_and_webhooks(
    world: World, cti: CtiPoster, call_hooks: WebhookEndpoint, clock: time_machine.Traveller
) -> None:
    # Given Marie's call ringing Inès, with an integration subscribed to call events
    new_call(cti)
    # When Inès answers after 12 seconds
    clock.shift(12)
    answered = cti(event="answer", callId="pbx-1001", user="ines.internal", direction="in")
    # Then the call is connected to her and the other legs follow
    assert answered.status == 200, answered.body
    assert answered.body["call"]["state"] == "connected"
    assert answered.body["call"]["wait_seconds"] == 12
    call = Call.objects.get(external_id="pbx-1001")
    assert {leg.party: leg.state for leg in call.connections.all()} == {
        Party.CUSTOMER: State.CONNECTED,
        Party.AGENT: State.CONNECTED,
    }
    # When they talk for 3 minutes 5 seconds and Marie hangs up
    clock.shift(185)
    ended = cti(event="hangup", callId="pbx-1001", cause="normalClearing", direction="in")
    # Then the call is cleared with its cause and durations
    assert ended.status == 200, ended.body
    call.refresh_from_db()
    assert call.state == State.CLEARED
    assert call.cause == Cause.NORMAL_CLEARING
    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (12, 185, 197)
    assert all(leg.state == State.CLEARED for leg in call.connections.all())
    # And Dupont Industrie's timeline tells of the call: who, how long, which agent, why it ended
    entry = TimelineEntry.objects.get(account=world.dupont, kind=EntryKind.CALL)
    assert entry.incident is None
    assert entry.actor == world.users[Role.INTERNAL_AGENT]
    assert "Marie Durand" in entry.body
    assert "3 min 05 s" in entry.body
    assert "Inès Martin" in entry.body
    assert "Normal clearing" in entry.body
    assert entry.data["talk_seconds"] == 185
    assert entry.data["agent"] == "ines.internal"
    # And one webhook delivery per call event is queued for the integration
    events = list(
        WebhookDelivery.objects.filter(endpoint=call_hooks)
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert events == ["call.offered", "call.answered", "call.ended"]
    last = WebhookDelivery.objects.filter(event="call.ended").get()
    assert last.payload["call"]["account"]["name"] == "Dupont Industrie"
    assert last.payload["call"]["talk_seconds"] == 185
    # And the whole story is stored: three events
    assert list(call.events.values_list("kind", flat=True)) == ["offered", "answered", "ended"]


def test_a_json_body_works_as_a_form_does(world: World, cti: CtiPoster) -> None:
    reply = cti(
        as_json=True,
        event="newCall",
        from_="+33 1 42 68 53 00",
        to=HOTLINE,
        direction="in",
        callId="json-1",
        user="ines.internal",
    )
    assert reply.status == 200, reply.body
    assert reply.body["caller"]["account"]["name"] == "Dupont Industrie"
    assert reply.body["call"]["state"] == "alerting"


def test_an_unknown_number_is_stored_without_account(world: World, cti: CtiPoster) -> None:
    # When a number nobody has calls
    reply = new_call(cti, call_id="pbx-2002", from_="02 99 00 00 01")
    # Then the call is stored, normalised, with no account or contact
    assert reply.status == 200
    assert reply.body["caller"] == {
        "known": False,
        "number": "+33299000001",
        "account": None,
        "contact": None,
        "candidates": [],
    }
    call = Call.objects.get(external_id="pbx-2002")
    assert (call.account, call.contact, call.from_e164) == (None, None, "+33299000001")


def test_an_anonymous_caller_keeps_its_caller_id_as_given(world: World, cti: CtiPoster) -> None:
    reply = new_call(cti, call_id="pbx-anon", from_="anonymous", user=[])
    assert reply.status == 200
    call = Call.objects.get(external_id="pbx-anon")
    assert (call.from_number, call.from_e164, call.state) == ("anonymous", "anonymous", "offered")


def test_a_missed_call_ends_with_its_cause(world: World, cti: CtiPoster) -> None:
    # Given Marie's call ringing Inès
    new_call(cti)
    # When Marie hangs up before anybody answers
    reply = cti(event="hangup", callId="pbx-1001", cause="cancel")
    # Then the call is recorded as missed on Dupont's timeline
    assert reply.status == 200
    assert reply.body["call"]["cause"] == "cancel"
    assert reply.body["call"]["answered_at"] is None
    entry = TimelineEntry.objects.get(account=world.dupont, kind=EntryKind.CALL)
    assert entry.body.startswith("Missed call from Marie Durand")


def test_a_queue_and_several_agents_ring_until_one_answers(world: World, cti: CtiPoster) -> None:
    # Given a call in the Callwave L1 queue ringing Inès and Sophie (a group call)
    reply = new_call(cti, queue="FR L1 Callwave", user=["ines.internal", "sophie.supervisor"])
    assert reply.status == 200
    assert reply.body["call"]["queue_name"] == "FR L1 Callwave"
    assert reply.body["call"]["agent"] is None
    # When Sophie answers (the bridge names her by answeringNumber)
    cti(event="answer", callId="pbx-1001", answeringNumber="sophie.supervisor")
    # Then her leg is connected, Inès stops ringing, the queue has handed the call on
    call = Call.objects.get(external_id="pbx-1001")
    assert call.agent is not None
    assert call.agent.user.username == "sophie.supervisor"
    states = {
        (leg.party, leg.agent.user.username if leg.agent else ""): (leg.state, leg.cause)
        for leg in call.connections.select_related("agent__user")
    }
    assert states[(Party.AGENT, "sophie.supervisor")] == (State.CONNECTED, "")
    assert states[(Party.AGENT, "ines.internal")] == (State.CLEARED, Cause.ANSWERED_ELSEWHERE)
    assert states[(Party.QUEUE, "")] == (State.CLEARED, Cause.FORWARDED)


def test_unknown_names_are_warnings_not_errors(world: World, cti: CtiPoster) -> None:
    reply = new_call(cti, queue="Nowhere", user=["ghost"])
    assert reply.status == 200
    assert reply.body["call"]["state"] == "offered"
    assert any("Nowhere" in w for w in reply.body["warnings"])
    assert any("ghost" in w for w in reply.body["warnings"])


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"event": "ring", "callId": "x"}, 422, "event"),
        ({"event": "newCall"}, 422, "callId"),
        ({"event": "newCall", "callId": "x", "direction": "sideways"}, 422, "direction"),
        ({"event": "answer", "callId": "never-seen"}, 404, "newCall first"),
        ({"event": "hangup", "callId": "never-seen"}, 404, "never-seen"),
    ],
)
def test_bad_input_gets_a_clear_4xx(
    world: World, cti: CtiPoster, fields: dict[str, str], status: int, message: str
) -> None:
    reply = cti(**fields)
    assert reply.status == status
    assert message in reply.body["detail"]
    assert not Call.objects.exists()


def test_a_malformed_json_body_is_a_400(world: World, bridge_token: str) -> None:
    response = Client().post(
        "/api/cti/events",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {bridge_token}"},
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_answering_an_ended_call_is_a_conflict(world: World, cti: CtiPoster) -> None:
    new_call(cti)
    cti(event="hangup", callId="pbx-1001", cause="cancel")
    reply = cti(event="answer", callId="pbx-1001", user="ines.internal")
    assert reply.status == 409
    assert "already ended" in reply.body["detail"]
    # The refused event left nothing behind
    assert not CallEvent.objects.filter(kind="answered").exists()


def test_an_unknown_cause_is_kept_as_other(world: World, cti: CtiPoster) -> None:
    new_call(cti)
    reply = cti(event="hangup", callId="pbx-1001", cause="solarFlare")
    assert reply.status == 200
    assert reply.body["call"]["cause"] == "other"
    assert reply.body["warnings"]
    assert CallEvent.objects.get(kind="ended").payload["cause"] == "solarFlare"


@pytest.mark.parametrize(
    "role", [Role.CUSTOMER, Role.PARTNER_AGENT, Role.INTERNAL_AGENT, Role.ENGINEER]
)
def test_roles_other_than_bridges_are_refused(world: World, role: Role) -> None:
    # Given a token of a user who is not an administrator or a supervisor
    _, token = do_create_api_token(actor=world.users[role], user=world.users[role], name="t")
    # When it posts a CTI event
    reply = post_cti(Client(), token, event="newCall", callId="x", from_=MARIE_AS_DIALLED)
    # Then it is refused, and nothing is recorded
    assert reply.status == 403
    assert not Call.objects.exists()


def test_an_administrator_may_post_too(world: World, client_as: Callable[[Role], Client]) -> None:
    client = client_as(Role.ADMINISTRATOR)
    response = client.post(
        "/api/cti/events", {"event": "newCall", "callId": "adm-1", "from": MARIE_AS_DIALLED}
    )
    # A session needs its CSRF token like any form; the test client does not enforce it.
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "application/x-www-form-urlencoded",
            "event=newCall&callId=enc-1&from=01+42+68+53+00&user%5B%5D=ines.internal",
        ),
        ("text/plain", '{"event": "newCall", "callId": "enc-1", "from": "01 42 68 53 00"}'),
    ],
)
def test_bridges_may_post_urlencoded_or_unlabelled_json(
    world: World, bridge_token: str, content_type: str, body: str
) -> None:
    response = Client().post(
        "/api/cti/events",
        body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {bridge_token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["caller"]["account"]["name"] == "Dupont Industrie"
