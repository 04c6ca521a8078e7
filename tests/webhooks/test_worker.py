"""The worker runs registered pollers on their intervals, survives their errors, stops politely."""

import logging
import os
import signal
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from escalade.core import worker as worker_module
from escalade.core.worker import (
    Poller,
    Worker,
    claim,
    register_poller,
    registered_pollers,
    select_pollers,
)
from escalade.webhooks.delivery import DeliveryPoller
from escalade.webhooks.models import WebhookEndpoint


class Scripted(Poller):
    """Handles the counts it is given, one per batch, then nothing."""

    def __init__(self, name: str, counts: list[int], *, batch_size: int = 10) -> None:
        self.name = name
        self.counts = counts
        self.batch_size = batch_size
        self.interval_seconds = 30.0
        self.calls: list[datetime] = []

    def run_once(self, now: datetime) -> int:
        self.calls.append(now)
        return self.counts.pop(0) if self.counts else 0


class Broken(Poller):
    name = "broken"

    def run_once(self, now: datetime) -> int:
        raise RuntimeError("database on fire")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Poller]:
    """An empty registry for the test; the real one is back afterwards."""
    empty: dict[str, Poller] = {}
    monkeypatch.setattr(worker_module, "_registry", empty)
    return empty


def test_the_webhooks_app_registers_its_delivery_poller() -> None:
    assert any(isinstance(poller, DeliveryPoller) for poller in registered_pollers())


@pytest.mark.django_db
def test_once_runs_each_poller_one_time(
    registry: dict[str, Poller], capsys: pytest.CaptureFixture[str]
) -> None:
    sla, digest = Scripted("sla", [3]), Scripted("digest", [0])
    register_poller(sla)
    register_poller(digest)

    call_command("run_worker", "--once")

    assert len(sla.calls) == len(digest.calls) == 1
    assert capsys.readouterr().out.splitlines() == ["sla: 3", "digest: 0"]


@pytest.mark.django_db
def test_poller_names_restrict_the_run(registry: dict[str, Poller]) -> None:
    sla, digest = Scripted("sla", []), Scripted("digest", [])
    register_poller(sla)
    register_poller(digest)

    call_command("run_worker", "--once", "--poller", "digest")

    assert (len(sla.calls), len(digest.calls)) == (0, 1)
    unknown = r"Unknown poller\(s\): nope \(registered: digest, sla\)"
    with pytest.raises(CommandError, match=unknown):
        call_command("run_worker", "--once", "--poller", "nope")


def test_two_different_pollers_cannot_share_a_name(registry: dict[str, Poller]) -> None:
    register_poller(Scripted("sla", []))
    register_poller(Scripted("sla", []))  # the same kind again: a second ready() call
    with pytest.raises(ValueError, match="already registered"):
        register_poller(type("Other", (Scripted,), {})("sla", []))
    assert [poller.name for poller in select_pollers(None)] == ["sla"]


@pytest.mark.django_db
def test_a_failing_poller_is_logged_and_does_not_stop_the_others(
    registry: dict[str, Poller], caplog: pytest.LogCaptureFixture
) -> None:
    healthy = Scripted("healthy", [1])
    register_poller(Broken())
    register_poller(healthy)

    with (
        caplog.at_level(logging.ERROR, logger="escalade.worker"),
        pytest.raises(CommandError, match="1 poller"),
    ):
        call_command("run_worker", "--once")

    assert len(healthy.calls) == 1
    assert "Poller broken failed" in caplog.text
    assert "database on fire" in caplog.text


@pytest.mark.django_db
def test_a_full_batch_runs_again_at_once_else_the_poller_waits_its_interval() -> None:
    clock = [1000.0]
    poller = Scripted("sla", [10, 10, 4], batch_size=10)
    worker = Worker([poller], clock=lambda: clock[0])

    assert worker.run_round() == 0  # full: more may be due
    assert worker.run_round() == 0
    assert worker.run_round() == 30.0  # not full: wait the interval
    clock[0] += 29
    worker.run_round()
    assert len(poller.calls) == 3
    clock[0] += 1
    worker.run_round()
    assert len(poller.calls) == 4


@pytest.mark.django_db
def test_a_broken_poller_waits_its_interval_like_an_idle_one() -> None:
    worker = Worker([Broken()], clock=lambda: 0.0)
    assert worker.run_round() == Broken.interval_seconds
    assert worker.failures == 1


@pytest.mark.django_db
def test_sigterm_lets_the_batch_in_progress_finish(
    registry: dict[str, Poller], capsys: pytest.CaptureFixture[str]
) -> None:
    finished: list[bool] = []
    before = signal.getsignal(signal.SIGTERM)

    class StoppedMidBatch(Poller):
        name = "stopped"

        def run_once(self, now: datetime) -> int:
            os.kill(os.getpid(), signal.SIGTERM)  # the service manager stops us now
            finished.append(True)  # …and the batch still ends
            return 1

    register_poller(StoppedMidBatch())

    call_command("run_worker")

    assert finished == [True]
    assert "Worker stopped." in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.django_db(transaction=True)
def test_claim_needs_a_transaction_and_takes_at_most_the_limit() -> None:
    for number in range(3):
        WebhookEndpoint.objects.create(name=f"E{number}", url="https://e.example", events=["*"])
    endpoints = WebhookEndpoint.objects.order_by("id")

    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        claim(endpoints, 2)

    with transaction.atomic():
        assert [e.name for e in claim(endpoints, 2)] == ["E0", "E1"]
