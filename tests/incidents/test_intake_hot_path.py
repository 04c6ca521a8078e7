"""Intake's hot path: per-process copies, compiled queries and inserts, incident numbers.

A change made through Escalade in this process applies to the next request; one made by
another process (here: a bulk update, which sends no signal) within
``REFERENCE_CACHE_SECONDS``. A revoked API token stops at once whatever the process.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import LazySettings
from django.db import connection
from django.test import Client

from escalade.contracts.models import EntitlementEntry
from escalade.core import refcache
from escalade.core.actions import do_create_api_token
from escalade.core.audit import AUDIT_INSERT
from escalade.core.compiled import CompiledQuery
from escalade.core.models import ApiToken, AuditEntry
from escalade.core.roles import Role
from escalade.incidents.models import Incident, RoutingRule
from escalade.incidents.numbering import number_for
from tests.factories import World
from tests.incidents.conftest import Routes
from tests.incidents.test_intake import API, intake


class Clock:
    """The monotonic clock the copies age by, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: LazySettings) -> Clock:
    settings.REFERENCE_CACHE_SECONDS = 10
    ticking = Clock()
    monkeypatch.setattr(refcache, "_now", ticking)
    return ticking


def test_a_rule_edited_in_the_console_routes_the_very_next_case(
    world: World, routes: Routes, api: API
) -> None:
    assert api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))[1]["queue_name"] == (
        "FR L1 Callwave"
    )
    rule = RoutingRule.objects.get(queue=routes.partner_l1)
    rule.queue = routes.premier_l1
    rule.save()

    status, body = api(Role.INTERNAL_AGENT, "POST", "/incidents", intake(world))

    assert status == 201, body
    assert body["queue_name"] == "Paris L1 Premier"


def everyday(world: World) -> dict[str, Any]:
    """A low-severity request: it uses no allowance, so a test may open many."""
    return intake(world, severity=4)


def test_a_rule_changed_by_another_process_applies_within_the_reference_lifetime(
    world: World, routes: Routes, api: API, clock: Clock
) -> None:
    api(Role.INTERNAL_AGENT, "POST", "/incidents", everyday(world))
    RoutingRule.objects.filter(queue=routes.partner_l1).update(queue=routes.premier_l1)

    clock.now += 5
    kept = api(Role.INTERNAL_AGENT, "POST", "/incidents", everyday(world))[1]
    clock.now += 6
    fresh = api(Role.INTERNAL_AGENT, "POST", "/incidents", everyday(world))[1]

    assert kept["queue_name"] == "FR L1 Callwave"
    assert fresh["queue_name"] == "Paris L1 Premier"


def test_a_token_revoked_elsewhere_is_refused_on_its_next_call(
    world: World, routes: Routes, clock: Clock
) -> None:
    _, token = do_create_api_token(actor=None, user=world.users[Role.INTERNAL_AGENT], name="CRM")
    bearer = {"Authorization": f"Bearer {token}"}
    client = Client()
    assert client.get("/api/incidents", headers=bearer).status_code == 200

    ApiToken.objects.update(revoked_at=datetime.now(UTC))

    assert client.get("/api/incidents", headers=bearer).status_code == 401


def test_incident_numbers_follow_their_ids_and_never_repeat(
    world: World, routes: Routes, api: API
) -> None:
    opened = [api(Role.INTERNAL_AGENT, "POST", "/incidents", everyday(world))[1] for _ in range(3)]

    numbers = [body["number"] for body in opened]
    assert numbers == [number_for(body["id"]) for body in opened]
    assert len(set(numbers)) == 3
    assert [body["id"] for body in opened] == sorted(body["id"] for body in opened)
    assert set(Incident.objects.values_list("number", flat=True)) >= set(numbers)


LEDGER_SINCE: CompiledQuery[Any] = CompiledQuery(
    lambda entitlement, since: EntitlementEntry.objects.filter(
        entitlement_id=entitlement, occurred_at__gte=since
    ).order_by("pk"),
    entitlement=int,
    since=datetime,
)


def test_a_compiled_query_answers_as_the_orm_does_for_each_value(
    world: World, routes: Routes, api: API
) -> None:
    for _ in range(2):
        api(Role.INTERNAL_AGENT, "POST", "/incidents", intake(world))
    entry = EntitlementEntry.objects.order_by("pk").first()
    assert entry is not None
    for since in (
        entry.occurred_at - timedelta(days=1),
        entry.occurred_at,
        entry.occurred_at + timedelta(seconds=1),
    ):
        expected = list(
            EntitlementEntry.objects.filter(
                entitlement_id=entry.entitlement_id, occurred_at__gte=since
            ).order_by("pk")
        )
        assert LEDGER_SINCE.run(entitlement=entry.entitlement_id, since=since) == expected
    assert LEDGER_SINCE.run(entitlement=-1, since=entry.occurred_at) == []
    assert connection.vendor in {"sqlite", "postgresql"}


def test_a_query_that_ignores_an_argument_is_refused_when_compiled(world: World) -> None:
    unused: CompiledQuery[Any] = CompiledQuery(
        lambda account, pid: EntitlementEntry.objects.filter(pk=account), account=int, pid=str
    )

    with pytest.raises(ValueError, match="pid"):
        unused.run(account=1, pid="x")


def test_an_audit_entry_written_by_the_compiled_insert_reads_back_whole(world: World) -> None:
    entry = AUDIT_INSERT.insert(
        AuditEntry(
            actor_id=world.users[Role.SUPERVISOR].pk,
            action="override_coverage",
            object_type="incidents.incident",
            object_id="42",
            summary="Override: customer in production down",
            changes={"coverage": ["not_covered", "override"], "note": "é ✓"},
        )
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.action, stored.object_id, stored.changes) == (
        "override_coverage",
        "42",
        {"coverage": ["not_covered", "override"], "note": "é ✓"},
    )
    assert stored.occurred_at == entry.occurred_at
    with pytest.raises(ValueError, match="inserted once"):
        AUDIT_INSERT.insert(entry)
