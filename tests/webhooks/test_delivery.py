"""Events of committed actions reach the subscribed receivers, signed, retried until they answer."""

import json
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from escalade.core.audit import record
from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.core.worker import claim
from escalade.customers.models import Account
from escalade.webhooks.delivery import (
    BACKOFF,
    MAX_ATTEMPTS,
    USER_AGENT,
    Claimed,
    DeliveryPoller,
    Outcome,
    claim_due,
    record_outcome,
)
from escalade.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from escalade.webhooks.outbox import emit
from escalade.webhooks.signing import verify_signature
from tests.factories import World
from tests.webhooks.conftest import Receiver

committed = pytest.mark.django_db(transaction=True)
on_postgres = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: concurrent transactions",
)


def subscribe(
    url: str, events: list[str], *, name: str = "CRM", active: bool = True
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name=name, url=url, events=events, is_active=active)


def rename_account(account: Account, name: str) -> int:
    """Stands for a domain action: the write, its audit entry and its event, in one transaction."""
    with transaction.atomic():
        account.name = name
        account.save(update_fields=["name"])
        record(actor=None, action="rename", obj=account, summary=f"Renamed to {name}")
        return emit("account.renamed", {"account_id": account.pk, "name": name})


def run_worker() -> None:
    call_command("run_worker", "--once", "--poller", "webhooks")


def the_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


@committed
def test_the_event_of_a_committed_action_is_delivered_signed(
    world: World, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a CRM subscribed to account renames
    endpoint = subscribe(receiver.url(), ["account.renamed"])

    # When an agent's action commits and the worker runs
    assert rename_account(world.dupont, "Dupont Industrie SA") == 1
    assert receiver.requests == []  # nothing is sent by the action itself
    run_worker()

    # Then the CRM got one signed JSON request with the event's identity
    assert "webhooks: 1" in capsys.readouterr().out
    [request] = receiver.requests
    delivery = the_delivery()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["X-Escalade-Event"] == "account.renamed"
    assert request.headers["X-Escalade-Delivery"] == str(delivery.event_id)
    signature = request.headers["X-Escalade-Signature"]
    assert verify_signature(endpoint.secret, signature, request.body)
    assert not verify_signature("whsec_wrong", signature, request.body)
    body = json.loads(request.body)
    assert body["id"] == str(delivery.event_id)
    assert body["event"] == "account.renamed"
    assert body["data"] == {"account_id": world.dupont.pk, "name": "Dupont Industrie SA"}
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None

    # And running the worker again sends nothing more
    run_worker()
    assert len(receiver.requests) == 1


@committed
def test_the_event_of_a_rolled_back_action_is_never_delivered(
    world: World, receiver: Receiver
) -> None:
    subscribe(receiver.url(), ["*"])

    def rename_that_fails() -> None:
        with transaction.atomic():
            emit("account.renamed", {"account_id": world.dupont.pk})
            raise ZeroDivisionError

    # When the action fails after emitting its event
    with pytest.raises(ZeroDivisionError):
        rename_that_fails()
    run_worker()

    # Then no trace of the event is left, and nothing was sent
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


@committed
def test_a_failing_receiver_is_retried_after_the_backoff(world: World, receiver: Receiver) -> None:
    # Given a receiver that answers 500 once
    subscribe(receiver.url(), ["account.renamed"])
    receiver.fail(1, status=500)
    rename_account(world.dupont, "Dupont SA")

    # When the worker sends it
    run_worker()

    # Then the delivery waits a minute before the next attempt
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert "HTTP 500" in delivery.last_error
    assert "receiver is down" in delivery.last_error
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    run_worker()
    assert len(receiver.requests) == 1  # not due yet

    # When the minute has passed
    DeliveryPoller().run_once(delivery.next_attempt_at)

    # Then the second attempt gets through, with the same event id
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert delivery.last_error == ""
    first, second = receiver.requests
    assert first.headers["X-Escalade-Delivery"] == second.headers["X-Escalade-Delivery"]


@committed
def test_after_seven_failures_the_delivery_fails_and_an_administrator_requeues_it(
    world: World, receiver: Receiver, client_as: Callable[[Role], Client]
) -> None:
    # Given a receiver that is down for seven attempts
    endpoint = subscribe(receiver.url(), ["account.renamed"])
    receiver.fail(MAX_ATTEMPTS)
    rename_account(world.dupont, "Dupont SA")
    poller = DeliveryPoller()

    # When the worker tries at each due time
    clock = timezone.now()
    waits: list[timedelta] = []
    for _attempt in range(MAX_ATTEMPTS):
        assert poller.run_once(clock) == 1
        delivery = the_delivery()
        if delivery.status == DeliveryStatus.PENDING:
            waits.append(delivery.next_attempt_at - clock)
            clock = delivery.next_attempt_at

    # Then it waited 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and then gave up
    assert [round(w.total_seconds() / 60) for w in waits] == [
        round(b.total_seconds() / 60) for b in BACKOFF
    ]
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert poller.run_once(clock + timedelta(days=30)) == 0
    assert len(receiver.requests) == MAX_ATTEMPTS

    # And the administrator sees the failure through the API
    admin = client_as(Role.ADMINISTRATOR)
    failed = admin.get(f"/api/webhooks/deliveries?status=failed&endpoint_id={endpoint.pk}").json()
    assert failed["count"] == 1
    assert failed["items"][0]["attempts"] == MAX_ATTEMPTS
    assert "HTTP 500" in failed["items"][0]["last_error"]

    # When the administrator re-queues it, once the receiver is back
    retried = admin.post(f"/api/webhooks/deliveries/{delivery.pk}/retry")
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "pending"
    assert retried.json()["attempts"] == 0
    run_worker()

    # Then it is delivered, and the re-queue is in the audit trail
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == MAX_ATTEMPTS + 1
    entry = AuditEntry.objects.get(action="retry_delivery")
    assert entry.actor_id == world.users[Role.ADMINISTRATOR].pk
    assert admin.post(f"/api/webhooks/deliveries/{delivery.pk}/retry").status_code == 422


@committed
def test_endpoints_get_only_their_events_and_only_while_active(
    world: World, receiver: Receiver
) -> None:
    # Given four endpoints on the same receiver, told apart by their path
    subscribe(receiver.url("/renames"), ["account.renamed"], name="Renames")
    subscribe(receiver.url("/all"), ["*"], name="Everything")
    subscribe(receiver.url("/calls"), ["call.ended"], name="Calls")
    subscribe(receiver.url("/off"), ["*"], name="Switched off", active=False)

    # When an account is renamed
    assert rename_account(world.dupont, "Dupont SA") == 2
    run_worker()

    # Then only the active endpoints subscribed to the event got it
    assert sorted(receiver.paths()) == ["/all", "/renames"]


@committed
def test_a_paused_endpoint_keeps_its_queue_until_it_is_active_again(
    world: World, receiver: Receiver
) -> None:
    endpoint = subscribe(receiver.url(), ["*"])
    rename_account(world.dupont, "Dupont SA")

    # When the endpoint is switched off before the worker runs
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    run_worker()
    assert receiver.requests == []
    assert the_delivery().status == DeliveryStatus.PENDING

    # Then switching it on again sends what was queued
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=True)
    run_worker()
    assert len(receiver.requests) == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@committed
def test_an_unreachable_receiver_does_not_hold_up_the_others(
    world: World, receiver: Receiver
) -> None:
    subscribe(f"http://127.0.0.1:{closed_port()}/hooks", ["*"], name="Gone")
    good = subscribe(receiver.url(), ["*"], name="Up")

    rename_account(world.dupont, "Dupont SA")
    run_worker()

    gone = WebhookDelivery.objects.exclude(endpoint=good).get()
    assert gone.status == DeliveryStatus.PENDING
    assert gone.last_status_code is None
    assert "Could not connect" in gone.last_error
    assert WebhookDelivery.objects.get(endpoint=good).status == DeliveryStatus.DELIVERED


@committed
def test_a_redirect_is_a_failure_not_followed(world: World, receiver: Receiver) -> None:
    subscribe(receiver.url(), ["*"])
    receiver.fail(1, status=302)

    rename_account(world.dupont, "Dupont SA")
    run_worker()

    delivery = the_delivery()
    assert delivery.last_status_code == 302
    assert delivery.status == DeliveryStatus.PENDING
    assert receiver.paths() == ["/hooks"]  # /elsewhere was not called


@committed
def test_a_crash_while_sending_is_recorded_and_the_batch_goes_on(world: World) -> None:
    subscribe("http://crm.example/a", ["*"], name="A")
    subscribe("http://crm.example/b", ["*"], name="B")
    rename_account(world.dupont, "Dupont SA")
    sent: list[str] = []

    def flaky(item: Claimed) -> Outcome:
        if item.url.endswith("/a"):
            raise RuntimeError("bug in the sender")
        sent.append(item.url)
        return Outcome(status_code=204)

    assert DeliveryPoller(send=flaky).run_once(timezone.now()) == 2

    assert sent == ["http://crm.example/b"]
    crashed = WebhookDelivery.objects.get(endpoint__name="A")
    assert crashed.status == DeliveryStatus.PENDING
    assert crashed.last_error == "RuntimeError: bug in the sender"
    assert WebhookDelivery.objects.get(endpoint__name="B").status == DeliveryStatus.DELIVERED


@pytest.mark.django_db
def test_a_worker_whose_lease_ran_out_cannot_overwrite_a_newer_attempt(world: World) -> None:
    subscribe("http://crm.example/hooks", ["*"])
    with transaction.atomic():
        emit("account.renamed", {"account_id": world.dupont.pk})
    now = timezone.now()

    # Given a worker that claimed the delivery and then hung past its lease
    [stale] = claim_due(now, 10)
    assert claim_due(now, 10) == []  # leased: nobody else takes it meanwhile
    later = the_delivery().next_attempt_at
    [fresh] = claim_due(later, 10)

    # When the stale worker finally reports success
    assert record_outcome(stale, Outcome(status_code=200), later) is False

    # Then only the current attempt's result counts
    assert the_delivery().status == DeliveryStatus.PENDING
    assert record_outcome(fresh, Outcome(status_code=200), later) is True
    assert the_delivery().status == DeliveryStatus.DELIVERED
    assert the_delivery().attempts == 2


@committed
def test_emit_must_run_inside_the_actions_transaction(world: World) -> None:
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        emit("account.renamed", {})
    with pytest.raises(ValueError, match="Not an event name"), transaction.atomic():
        emit("Account Renamed", {})


@pytest.mark.django_db
def test_payload_dates_and_ids_are_sent_as_json_strings(world: World) -> None:
    subscribe("http://crm.example/hooks", ["*"])
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with transaction.atomic():
        emit("incident.opened", {"opened_at": at, "account_id": world.dupont.pk})
    [item] = claim_due(timezone.now(), 10)
    assert json.loads(item.body)["data"] == {
        "opened_at": "2026-03-01T09:30:00Z",
        "account_id": world.dupont.pk,
    }


@on_postgres
@committed
def test_two_workers_never_claim_the_same_delivery(world: World) -> None:
    subscribe("http://crm.example/hooks", ["*"])
    with transaction.atomic():
        for number in range(3):
            emit("account.renamed", {"n": number})
    due = WebhookDelivery.objects.order_by("id")
    holding = threading.Event()
    release = threading.Event()
    taken_by_other: list[int] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                taken_by_other.extend(row.pk for row in claim(due, 1))
                holding.set()
                release.wait(10)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(10)
        # When this worker claims while the other still holds its row
        with transaction.atomic():
            mine = [row.pk for row in claim(due, 10)]
    finally:
        release.set()
        thread.join(10)

    # Then it skips that row instead of waiting for it or taking it too
    assert len(taken_by_other) == 1
    assert len(mine) == 2
    assert not set(mine) & set(taken_by_other)
