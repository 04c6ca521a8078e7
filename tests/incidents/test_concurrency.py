"""Two agents take the last unit of an allowance at the same moment: exactly one succeeds."""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from escalade.contracts.models import EntitlementEntry, EntryKind
from escalade.core.principal import principal_for
from escalade.core.roles import Role
from escalade.incidents.intake import IntakeRequest, NotCovered, do_open_incident
from escalade.incidents.models import Incident
from tests.factories import World
from tests.incidents.conftest import Routes

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs two real PostgreSQL connections"
    ),
]


def test_the_last_unit_goes_to_exactly_one_of_two_simultaneous_agents(
    world: World, routes: Routes
) -> None:
    EntitlementEntry.objects.create(
        entitlement=world.major_incidents, kind=EntryKind.CONSUME, reference="INC-EARLIER"
    )
    agents = [world.users[Role.PARTNER_AGENT], world.users[Role.SUPERVISOR]]
    start = threading.Barrier(len(agents))
    outcomes: list[str] = []
    lock = threading.Lock()

    def open_case(user: Any) -> None:
        try:
            principal = principal_for(user)
            assert principal is not None
            start.wait(timeout=10)
            do_open_incident(
                principal=principal,
                actor=user,
                account_id=world.dupont.pk,
                request=IntakeRequest(
                    title="Down", severity=1, channel="email", pid="ORB-7200-0001"
                ),
                now=timezone.now(),
            )
            result = "opened"
        except NotCovered as exc:
            result = ",".join(exc.reasons)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=open_case, args=(user,)) for user in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["allowance_exhausted", "opened"]
    assert Incident.objects.count() == 1
    consumed = EntitlementEntry.objects.filter(kind=EntryKind.CONSUME).count()
    assert consumed == 2
