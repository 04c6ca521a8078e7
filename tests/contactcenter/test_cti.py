"""The Generic CTI events drive the ACD: a newCall to a queue without agents is routed."""

from escalade.contactcenter.models import AcdState, EventKind, RoutingEvent, WaitingContact
from escalade.telephony.models import Call
from tests.contactcenter.conftest import HOTLINE, MARIE_AS_DIALLED, Floor


def test_a_new_call_to_a_queue_without_agents_named_is_routed_by_the_acd(floor: Floor) -> None:
    # Given Léa available
    floor.available(floor.lea)
    # When the PBX bridge reports Marie's call to the queue, naming nobody
    reply = floor.post(
        event="newCall", callId="pbx-9", from_=MARIE_AS_DIALLED, to=HOTLINE, queue="FR L1 Callwave"
    )
    # Then the answer already says the call rings Léa
    assert reply.status == 200
    assert (reply.body["call"]["state"], reply.body["call"]["agent"]) == ("alerting", "lea.l1")
    assert reply.body["caller"]["account"]["name"] == "Dupont Industrie"
    # When Léa answers, she is on the call; when Marie hangs up, Léa wraps up
    floor.post(event="answer", callId="pbx-9", user="lea.l1")
    assert floor.state(floor.lea).state == AcdState.ON_CALL
    floor.post(event="hangup", callId="pbx-9", cause="normalClearing")
    assert floor.state(floor.lea).state == AcdState.WRAP_UP
    assert not WaitingContact.objects.exists()


def test_a_new_call_naming_its_agents_is_left_to_the_switch(floor: Floor) -> None:
    floor.available(floor.lea)
    reply = floor.post(
        event="newCall",
        callId="pbx-9",
        from_=MARIE_AS_DIALLED,
        to=HOTLINE,
        queue="FR L1 Callwave",
        user=["paul.partner"],
    )
    assert reply.body["call"]["agent"] == "paul.partner"
    assert not WaitingContact.objects.exists()
    assert floor.state(floor.lea).state == AcdState.AVAILABLE


def test_a_hangup_while_waiting_is_an_abandon(floor: Floor) -> None:
    floor.post(event="newCall", callId="pbx-9", from_=MARIE_AS_DIALLED, queue="FR L1 Callwave")
    floor.later(12)
    reply = floor.post(event="hangup", callId="pbx-9", cause="cancel")
    assert reply.status == 200
    assert Call.objects.get().state == "cleared"
    assert RoutingEvent.objects.get(kind=EventKind.ABANDONED).waited_seconds == 12


def test_a_repeated_event_changes_nothing_in_the_acd(floor: Floor) -> None:
    floor.available(floor.lea)
    fields = {
        "event": "newCall",
        "callId": "pbx-9",
        "from_": MARIE_AS_DIALLED,
        "queue": "FR L1 Callwave",
    }
    floor.post(**fields)
    assert floor.post(**fields).body["status"] == "duplicate"
    floor.post(event="answer", callId="pbx-9", user="lea.l1")
    again = floor.post(event="answer", callId="pbx-9", user="lea.l1")
    assert again.body["status"] == "duplicate"
    assert floor.state(floor.lea).calls_handled == 1
    assert RoutingEvent.objects.filter(kind=EventKind.ANSWERED).count() == 1
