"""Eligibility, allowance consumption and refunds through the API."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from escalade.contracts.models import EntitlementEntry
from escalade.core.roles import Role
from tests.factories import World

PARIS = ZoneInfo("Europe/Paris")


def next_weekday_at(hour: int) -> datetime:
    """The next Tuesday at this hour in Paris: a working day in the world's calendar."""
    day = datetime.now(PARIS).date() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def ask(client: Client, world: World, **change: Any) -> Any:
    payload = {
        "contract_id": world.dupont_contract.pk,
        "product_id": world.product.pk,
        "channel": "phone",
        "severity": 2,
        "at": next_weekday_at(10).isoformat(),
        **change,
    }
    response = client.post("/api/contracts/eligibility", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def consume(client: Client, world: World, reference: str) -> Any:
    return client.post(
        "/api/contracts/ledger/consume",
        {"entitlement_id": world.major_incidents.pk, "reference": reference},
        content_type="application/json",
    )


def test_a_covered_request_shows_the_allowance_it_would_use(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    answer = ask(client_as(Role.PARTNER_AGENT), world)

    assert answer["covered"] is True
    assert answer["reasons"] == []
    assert [(a["name"], a["remaining"]) for a in answer["allowances"]] == [("Major incidents", 2)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"channel": "chat"}, "channel_not_allowed"),
        ({"at": next_weekday_at(22).isoformat()}, "outside_hours"),
    ],
)
def test_an_uncovered_request_says_why(
    change: dict[str, Any], reason: str, world: World, client_as: Callable[[Role], Client]
) -> None:
    answer = ask(client_as(Role.INTERNAL_AGENT), world, **change)

    assert answer["covered"] is False
    assert reason in answer["reasons"]
    assert len(answer["messages"]) == len(answer["reasons"])


def test_a_product_outside_the_contract_is_not_covered(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    answer = ask(client_as(Role.INTERNAL_AGENT), world, product_id=world.other_product.pk)

    assert answer["reasons"] == ["product_not_covered"]


def test_email_requests_are_accepted_outside_business_hours(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    answer = ask(
        client_as(Role.INTERNAL_AGENT), world, channel="email", at=next_weekday_at(23).isoformat()
    )

    assert answer["covered"] is True


def test_two_major_incidents_a_year_then_a_bug_gives_one_back(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    supervisor = client_as(Role.SUPERVISOR)
    first = consume(supervisor, world, "INC-1")
    assert consume(supervisor, world, "INC-2").status_code == 201

    third = consume(supervisor, world, "INC-3")
    assert third.status_code == 422
    assert "No Major incidents left" in third.json()["detail"]
    assert ask(supervisor, world)["reasons"] == ["allowance_exhausted"]
    assert ask(supervisor, world, severity=4)["covered"] is True

    refund = supervisor.post(
        f"/api/contracts/ledger/{first.json()['id']}/refund",
        {"reason": "Turned out to be product bug ORB-1234"},
        content_type="application/json",
    )
    assert refund.status_code == 201
    assert refund.json()["refunds_id"] == first.json()["id"]
    assert ask(supervisor, world)["covered"] is True

    again = supervisor.post(
        f"/api/contracts/ledger/{first.json()['id']}/refund",
        {"reason": "twice"},
        content_type="application/json",
    )
    assert again.status_code == 422
    assert "already refunded" in again.json()["detail"]


def test_the_ledger_is_append_only(world: World, client_as: Callable[[Role], Client]) -> None:
    supervisor = client_as(Role.SUPERVISOR)
    entry = EntitlementEntry.objects.get(pk=consume(supervisor, world, "INC-9").json()["id"])

    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    ledger = supervisor.get(f"/api/contracts/ledger?entitlement_id={world.major_incidents.pk}")
    assert [e["reference"] for e in ledger.json()["items"]] == ["INC-9"]


def test_a_naive_time_is_refused(world: World, client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.INTERNAL_AGENT).post(
        "/api/contracts/eligibility",
        {
            "contract_id": world.dupont_contract.pk,
            "product_id": world.product.pk,
            "channel": "phone",
            "severity": 2,
            "at": "2026-11-24T10:00:00",
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "offset" in response.json()["detail"]
