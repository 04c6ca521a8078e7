"""Callbacks: called back by the next free agent, keeping the place in line."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from escalade.contactcenter.dialer import SimulatedDialer
from escalade.contactcenter.models import (
    AcdState,
    Callback,
    CallbackStatus,
    ContactState,
    EventKind,
    RoutingEvent,
    WaitingContact,
)
from escalade.core.roles import Role
from tests.contactcenter.conftest import Floor

Api = Callable[..., tuple[int, Any]]


def test_a_waiting_caller_called_back_keeps_the_place_and_is_dialled(
    floor: Floor, api_as: Api, dialer: SimulatedDialer
) -> None:
    # Given Marie waiting with nobody available, and a second caller behind her
    marie = floor.call("pbx-1")
    floor.later(30)
    floor.call("pbx-2", number="+33 1 40 00 00 02")
    # When Marie chooses to be called back (the IVR asks through the API) and hangs up
    status, body = api_as(Role.SUPERVISOR, "POST", f"/calls/{marie.pk}/callback", {})
    assert status == 201, body
    assert body["number"] == "+33142685300"
    floor.hang_up("pbx-1", cause="cancel")
    # Then her hang-up is no abandon: the callback waits at her call's place
    assert not RoutingEvent.objects.filter(kind=EventKind.ABANDONED).exists()
    callback = Callback.objects.get()
    assert callback.original_arrival == marie.started_at
    row = WaitingContact.objects.get(callback=callback)
    assert (row.state, row.arrival, row.is_callback) == (
        ContactState.WAITING,
        marie.started_at,
        True,
    )
    # When Paul becomes available, he is reserved for the callback, before the later caller
    floor.later(10)
    floor.available(floor.paul)
    callback.refresh_from_db()
    assert (callback.status, callback.agent) == (CallbackStatus.RESERVED, floor.paul)
    assert floor.state(floor.paul).state == AcdState.RESERVED
    assert floor.ringing("pbx-2") is None
    # And the poller places the call through the dialer: Paul is on it
    floor.later(1)
    (placed,) = dialer.placed
    assert (placed.agent, placed.number, placed.callback_id) == (
        "paul.partner",
        "+33142685300",
        callback.pk,
    )
    callback.refresh_from_db()
    assert (callback.status, callback.attempts, callback.dial_reference) == (
        CallbackStatus.DIALING,
        1,
        placed.reference,
    )
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    # When Paul reports it done, he wraps up and the callback is over
    status, body = api_as(
        floor.paul.user, "POST", f"/callbacks/{callback.pk}/finish", {"outcome": "done"}
    )
    assert status == 200, body
    assert body["status"] == "done"
    assert floor.state(floor.paul).state == AcdState.WRAP_UP
    assert not WaitingContact.objects.filter(callback=callback).exists()


def test_a_customer_asks_to_be_called_back_later_from_the_portal(
    floor: Floor, api_as: Api, dialer: SimulatedDialer
) -> None:
    # Given Paul available
    floor.available(floor.paul)
    later = timezone.now() + timedelta(minutes=10)
    # When Marie asks, from the portal, to be called back in ten minutes
    status, body = api_as(
        Role.CUSTOMER,
        "POST",
        "/callbacks",
        {"number": "01 42 68 53 00", "not_before": later.isoformat(), "note": "After lunch"},
    )
    assert status == 201, body
    # Then the callback goes to her first-level queue, for her, at the time she chose
    assert (body["queue_id"], body["account_id"], body["contact_id"]) == (
        floor.l1.pk,
        floor.world.dupont.pk,
        floor.world.marie.pk,
    )
    assert body["number"] == "+33142685300"
    assert body["status"] == "requested"
    # And nobody is reserved before then
    floor.later(60)
    assert floor.state(floor.paul).state == AcdState.AVAILABLE
    # When the time comes, the poller reserves Paul and places the call at once
    floor.later(540)
    assert [p.number for p in dialer.placed] == ["+33142685300"]
    assert floor.state(floor.paul).state == AcdState.ON_CALL
    # And Marie sees her callback being dialled
    status, body = api_as(Role.CUSTOMER, "GET", "/callbacks")
    assert [item["status"] for item in body["items"]] == ["dialing"]


def test_a_callback_can_be_cancelled_until_it_is_dialled(floor: Floor, api_as: Api) -> None:
    status, body = api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "+33142685300"})
    assert status == 201, body
    pk = body["id"]
    status, body = api_as(Role.CUSTOMER, "POST", f"/callbacks/{pk}/cancel")
    assert (status, body["status"]) == (200, "cancelled")
    assert not WaitingContact.objects.exists()
    status, body = api_as(Role.CUSTOMER, "POST", f"/callbacks/{pk}/cancel")
    assert status == 409
    assert body["detail"]


def test_cancelling_a_reserved_callback_frees_the_agent(floor: Floor, api_as: Api) -> None:
    floor.available(floor.paul)
    status, body = api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "+33142685300"})
    assert floor.state(floor.paul).state == AcdState.RESERVED
    status, body = api_as(Role.SUPERVISOR, "POST", f"/callbacks/{body['id']}/cancel")
    assert status == 200
    assert floor.state(floor.paul).state == AcdState.AVAILABLE


def test_a_callback_the_line_refuses_fails_and_frees_the_agent(
    floor: Floor, api_as: Api, dialer: SimulatedDialer
) -> None:
    dialer.failing = True
    floor.available(floor.paul)
    api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "+33142685300"})
    floor.later(1)
    assert Callback.objects.get().status == CallbackStatus.FAILED
    assert floor.state(floor.paul).state == AcdState.WRAP_UP


def test_a_callback_tried_again_keeps_its_place(floor: Floor, api_as: Api) -> None:
    floor.routing(floor.l1, wrap_up_seconds=0)
    floor.available(floor.paul)
    api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "+33142685300"})
    floor.later(1)
    callback = Callback.objects.get()
    status, body = api_as(
        floor.paul.user, "POST", f"/callbacks/{callback.pk}/finish", {"outcome": "requested"}
    )
    assert status == 200, body
    # Paul is free again, and the callback is offered to him again, at its first place
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.RESERVED
    assert WaitingContact.objects.get(callback=callback).arrival == callback.original_arrival


def test_bad_callback_requests_are_refused_with_a_reason(floor: Floor, api_as: Api) -> None:
    status, body = api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "call me"})
    assert status == 422
    assert "phone number" in body["detail"]
    status, body = api_as(Role.CUSTOMER, "POST", "/callbacks", {})
    assert status == 422
    # Another customer's account is not hers to book for
    status, body = api_as(
        Role.CUSTOMER,
        "POST",
        "/callbacks",
        {"number": "+33142685300", "account": floor.world.lumiere.pk},
    )
    assert status == 404
    # Staff must say which queue for a number alone
    status, body = api_as(Role.SUPERVISOR, "POST", "/callbacks", {"number": "+33142685300"})
    assert status == 422
    # Only a waiting caller may be turned into a callback
    floor.available(floor.paul)
    call = floor.call("pbx-1")
    status, body = api_as(Role.SUPERVISOR, "POST", f"/calls/{call.pk}/callback", {})
    assert status == 409
    # Finishing a callback not being dialled is a conflict
    api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "+33142685300"})
    pk = Callback.objects.get().pk
    status, body = api_as(Role.SUPERVISOR, "POST", f"/callbacks/{pk}/finish", {"outcome": "done"})
    assert status == 409


def test_customers_see_only_their_own_callbacks(floor: Floor, api_as: Api) -> None:
    api_as(
        Role.SUPERVISOR,
        "POST",
        "/callbacks",
        {"number": "+33612345678", "account": floor.world.lumiere.pk, "queue": floor.l1.pk},
    )
    api_as(Role.CUSTOMER, "POST", "/callbacks", {"number": "+33142685300"})
    _status, body = api_as(Role.CUSTOMER, "GET", "/callbacks")
    assert [item["number"] for item in body["items"]] == ["+33142685300"]
    # Partner staff never see a premier account's callback
    _, body = api_as(Role.PARTNER_AGENT, "GET", "/callbacks")
    assert [item["number"] for item in body["items"]] == ["+33142685300"]
    _, body = api_as(Role.SUPERVISOR, "GET", "/callbacks")
    assert len(body["items"]) == 2
