"""The built-in call simulator: callers through the CTI actions and the ACD.

Demo data (a small customer base) gives the queues, their agents and real customers'
numbers; the simulator plays in virtual time, so a burst of minutes takes a moment.
"""

from datetime import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from escalade.contactcenter.models import AcdState, AgentPresence
from escalade.demo.generator import generate
from escalade.incidents.models import TimelineEntry
from escalade.network.models import Queue
from escalade.telephony.models import Call, EventKind, State
from escalade.telephony.simulator import (
    SOURCE,
    Outcome,
    Settings,
    VirtualClock,
    queue_agents,
    simulate,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 16, 9, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def queue(db: None) -> Queue:
    generate(accounts=30, seed=5)
    return Queue.objects.order_by("pk").first()  # type: ignore[return-value]


def burst(queue: Queue, **overrides: Any) -> Outcome:
    fields: dict[str, Any] = {
        "rate": 6.0,
        "minutes": 5.0,
        "talk": 120.0,
        "seed": 7,
        "queue": queue.name,
        "agents": 2,
    }
    fields.update(overrides)
    return simulate(Settings(**fields), clock=VirtualClock(START))


def test_a_seeded_burst_plays_its_calls_through_the_acd(queue: Queue) -> None:
    outcome = burst(queue)

    calls = Call.objects.filter(source=SOURCE, pk__in=outcome.call_ids)
    assert outcome.calls == calls.count() > 10
    # Each call was recorded with its events and is over.
    for call in calls.prefetch_related("events"):
        kinds = {event.kind for event in call.events.all()}
        assert EventKind.OFFERED in kinds
        assert call.state == State.CLEARED
    # Two agents of the queue (with its skills) took the calls; the rest gave up waiting.
    skilled = set(queue_agents(queue)[:2].values_list("pk", flat=True))
    answered = calls.filter(answered_at__isnull=False)
    assert answered.count() == outcome.answered > 0
    assert set(answered.values_list("agent", flat=True)) <= skilled
    assert outcome.abandoned > 0
    assert outcome.answered + outcome.abandoned == outcome.calls
    assert calls.filter(cause="cancel").count() == outcome.abandoned
    # Known callers' files tell of the call; unknown numbers have none.
    known = calls.filter(account__isnull=False)
    assert known.count() == outcome.known > 0
    assert (
        TimelineEntry.objects.filter(
            data__call__in=list(known.values_list("pk", flat=True))
        ).count()
        == known.count()
    )
    # The simulated agents were logged in for the burst.
    assert (
        AgentPresence.objects.filter(agent__in=skilled).exclude(state=AcdState.LOGGED_OUT).count()
        == 2
    )


def test_the_same_seed_plays_the_same_calls(queue: Queue) -> None:
    def played() -> tuple[Any, ...]:
        outcome = burst(queue, minutes=3.0)
        calls = Call.objects.filter(pk__in=outcome.call_ids).order_by("pk")
        return (
            outcome.calls,
            outcome.answered,
            outcome.abandoned,
            sorted(outcome.by_agent.items()),
            [(c.from_e164, c.cause, c.started_at, c.answered_at) for c in calls],
        )

    class Rollback(Exception):
        pass

    results = []
    for _ in range(2):
        try:
            with transaction.atomic():
                results.append(played())
                raise Rollback
        except Rollback:
            pass
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--rate", "0"], "--rate must be above 0"),
        (["--minutes", "-1"], "--minutes must be above 0"),
        (["--talk", "1"], "--talk must be at least"),
        (["--queue", "Nowhere"], "No queue is named 'Nowhere'."),
        (["--speed", "-2"], "--speed must be 0 or more."),
    ],
)
def test_bad_arguments_are_one_line_errors(
    queue: Queue, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as error:
        call_command("simulate_calls", *arguments, stdout=StringIO(), stderr=StringIO())
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_command_plays_a_burst_and_says_what_became_of_it(queue: Queue) -> None:
    out = StringIO()
    call_command(
        "simulate_calls",
        "--rate",
        "4",
        "--minutes",
        "2",
        "--seed",
        "3",
        "--agents",
        "2",
        "--queue",
        queue.name,
        "--speed",
        "0",
        stdout=out,
        stderr=StringIO(),
    )
    assert f"calls to {queue.name}:" in out.getvalue()
    assert Call.objects.filter(source=SOURCE).exists()
