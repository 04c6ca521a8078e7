"""The support routes of the personas' world: queues per tier and the rules that pick them."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine
from django.test import Client

from escalade.core.roles import Role
from escalade.incidents.models import RoutingRule, TierTarget
from escalade.network.models import Queue
from tests.factories import World

PARIS = ZoneInfo("Europe/Paris")


def _tuesday_next_week() -> date:
    day = datetime.now(PARIS).date() + timedelta(days=7)
    day += timedelta(days=(1 - day.weekday()) % 7)
    while day in holidays.country_holidays("FR", years=day.year):
        day += timedelta(days=7)
    return day


# Fixed when the tests load, before any test moves the clock.
TUESDAY = _tuesday_next_week()


def next_tuesday(hour: int, minute: int = 0) -> datetime:
    """A working Tuesday (next week, never a French holiday) at this Paris time."""
    return datetime(TUESDAY.year, TUESDAY.month, TUESDAY.day, hour, minute, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def office_hours() -> Iterator[time_machine.Traveller]:
    """Incident tests run on a Tuesday at 10:00 in Paris unless they move the clock."""
    with time_machine.travel(next_tuesday(10), tick=False) as traveller:
        yield traveller


@dataclass
class Routes:
    partner_l1: Queue  # Callwave Lille: standard accounts served by Callwave
    premier_l1: Queue  # Paris, internal: premier and internally handled accounts
    l2: Queue
    rsc: Queue
    l3: Queue


@pytest.fixture
def routes(world: World) -> Routes:
    tiers = world.tiers
    premier_l1 = Queue.objects.create(
        name="Paris L1 Premier", organization=world.france, site=world.paris, tier=tiers["L1"]
    )
    l2 = Queue.objects.create(
        name="Paris L2", organization=world.france, site=world.paris, tier=tiers["L2"]
    )
    rsc = Queue.objects.create(name="EMEA RSC", organization=world.emea, tier=tiers["RSC"])
    l3 = Queue.objects.create(name="Orbit L3", organization=world.product_group, tier=tiers["L3"])
    RoutingRule.objects.create(
        tier=tiers["L1"], queue=world.l1_queue, l1_partner=world.callwave, segment="standard"
    )
    RoutingRule.objects.create(tier=tiers["L1"], queue=premier_l1, internal_l1=True)
    RoutingRule.objects.create(tier=tiers["L1"], queue=premier_l1, segment="premier")
    RoutingRule.objects.create(tier=tiers["L2"], queue=l2)
    RoutingRule.objects.create(tier=tiers["RSC"], queue=rsc)
    RoutingRule.objects.create(tier=tiers["L3"], queue=l3, product=world.product)
    TierTarget.objects.create(tier=tiers["L2"], handoff_minutes=240)
    return Routes(partner_l1=world.l1_queue, premier_l1=premier_l1, l2=l2, rsc=rsc, l3=l3)


@pytest.fixture
def api(client_as: Callable[[Role], Client]) -> Callable[..., Any]:
    """Call the API as a role: api(role, method, path, payload) → (status, json)."""

    def call(role: Role, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        client = client_as(role)
        response = client.generic(
            method, "/api" + path, json_dumps(payload or {}), content_type="application/json"
        )
        return response.status_code, response.json() if response.content else None

    return call


def json_dumps(payload: dict[str, Any]) -> str:
    return json.dumps(
        payload,
        default=lambda value: value.isoformat() if isinstance(value, datetime) else str(value),
    )
