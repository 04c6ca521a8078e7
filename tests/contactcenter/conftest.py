"""The contact center of the personas' world.

Callwave's Lille site answers the first-level queue "FR L1 Callwave" (it needs the
Orbit skill): Paul and Léa know Orbit, Hugo only Nova. Escalade France's Paris site has
the second-level queue "Paris L2", where Inès and Sophie work (they know Orbit too).
Marie Durand (Dupont Industrie, standard) and Claire Morel (Banque Lumière, premier)
call the hotline.

Calls come the way a PBX bridge sends them, through the Generic CTI API; the clock
moves only when a test says so, and the ``acd`` poller runs when a test calls it.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from escalade.contactcenter.dialer import SimulatedDialer, get_dialer
from escalade.contactcenter.models import AcdState, AgentPresence, QueueRouting, WaitingContact
from escalade.contactcenter.service import service
from escalade.contactcenter.worker import AcdPoller
from escalade.core.roles import Role
from escalade.incidents.models import Incident, RoutingRule
from escalade.network.models import Agent, AgentSkill, Queue, Skill
from escalade.telephony.models import Call
from tests.factories import World, make_agent
from tests.telephony.conftest import HOTLINE, MARIE_AS_DIALLED, bridge_token, cti

__all__ = ["HOTLINE", "MARIE_AS_DIALLED", "bridge_token", "cti"]

CLAIRE_AS_DIALLED = "06 12 34 56 78"


@dataclass
class Floor:
    """The people and queues of the contact center, and the moves a test makes."""

    world: World
    clock: time_machine.Traveller
    post: Callable[..., Any]
    l1: Queue
    l2: Queue
    paul: Agent
    lea: Agent
    hugo: Agent
    ines: Agent
    sophie: Agent
    orbit: Skill

    # --- time --------------------------------------------------------------------------

    def later(self, seconds: float) -> datetime:
        """The clock moves on, and the ``acd`` poller runs (as the worker would)."""
        self.clock.shift(timedelta(seconds=seconds))
        AcdPoller().run_once(timezone.now())
        return timezone.now()

    # --- agents ------------------------------------------------------------------------

    def available(self, *agents: Agent) -> None:
        for agent in agents:
            service.set_agent_state(agent=agent, state=AcdState.AVAILABLE)

    def state(self, agent: Agent) -> AgentPresence:
        return AgentPresence.objects.select_related("contact").get(agent=agent)

    # --- calls (as the PBX bridge reports them) ----------------------------------------

    def call(
        self, call_id: str, *, number: str = MARIE_AS_DIALLED, queue: Queue | None = None
    ) -> Call:
        reply = self.post(
            event="newCall",
            callId=call_id,
            from_=number,
            to=HOTLINE,
            direction="in",
            queue=(queue or self.l1).name,
        )
        assert reply.status == 200, reply.body
        return Call.objects.get(external_id=call_id)

    def answer(self, call_id: str, agent: Agent) -> Call:
        reply = self.post(event="answer", callId=call_id, user=agent.user.get_username())
        assert reply.status == 200, reply.body
        return Call.objects.get(external_id=call_id)

    def hang_up(self, call_id: str, cause: str = "normalClearing") -> Call:
        reply = self.post(event="hangup", callId=call_id, cause=cause)
        assert reply.status == 200, reply.body
        return Call.objects.get(external_id=call_id)

    def ringing(self, call_id: str) -> Agent | None:
        row = WaitingContact.objects.filter(call__external_id=call_id, state="ringing").first()
        return row.agent if row is not None else None

    def routing(self, queue: Queue, **fields: Any) -> QueueRouting:
        return service.configure_queue(queue=queue, changes=fields)


@pytest.fixture(autouse=True)
def fresh_acd() -> Iterator[SimulatedDialer]:
    """Each test starts with no router in memory and an empty simulated dialer."""
    service.forget()
    dialer = get_dialer()
    assert isinstance(dialer, SimulatedDialer)
    dialer.clear()
    yield dialer
    service.forget()
    dialer.clear()


@pytest.fixture
def dialer(fresh_acd: SimulatedDialer) -> SimulatedDialer:
    return fresh_acd


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _skilled(agent: Agent, *skills: Skill) -> Agent:
    for skill in skills:
        AgentSkill.objects.create(agent=agent, skill=skill, proficiency=3)
    return agent


@pytest.fixture
def floor(world: World, clock: time_machine.Traveller, cti: Callable[..., Any]) -> Floor:
    orbit = Skill.objects.create(kind="product", code="ORBIT", name="Orbit Server")
    nova = Skill.objects.create(kind="product", code="NOVA", name="Nova Desktop")
    world.l1_queue.required_skills.add(orbit)
    l2 = Queue.objects.create(
        name="Paris L2", organization=world.france, site=world.paris, tier=world.tiers["L2"]
    )

    def callwave_l1(username: str, first: str, last: str) -> Agent:
        return make_agent(
            username,
            organization=world.callwave,
            tier=world.tiers["L1"],
            role=Role.PARTNER_AGENT,
            site=world.callwave_lille,
            first=first,
            last=last,
        )

    paul = _skilled(Agent.objects.get(user__username="paul.partner"), orbit)
    lea = _skilled(callwave_l1("lea.l1", "Léa", "Petit"), orbit)
    hugo = _skilled(callwave_l1("hugo.l1", "Hugo", "Blanc"), nova)
    ines = _skilled(Agent.objects.get(user__username="ines.internal"), orbit)
    sophie = _skilled(Agent.objects.get(user__username="sophie.supervisor"), orbit)
    RoutingRule.objects.create(
        tier=world.tiers["L1"], queue=world.l1_queue, l1_partner=world.callwave
    )
    return Floor(
        world=world,
        clock=clock,
        post=cti,
        l1=world.l1_queue,
        l2=l2,
        paul=paul,
        lea=lea,
        hugo=hugo,
        ines=ines,
        sophie=sophie,
        orbit=orbit,
    )


@pytest.fixture
def api_as(client_as: Callable[[Role], Client]) -> Callable[..., Any]:
    """Call the API as a role's persona (or as a given user): (status, json)."""

    def call(who: Role | User, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if isinstance(who, User):
            client = Client()
            client.force_login(who)
        else:
            client = client_as(who)
        response = client.generic(
            method,
            "/api/acd" + path,
            "" if body is None else json.dumps(body),
            content_type="application/json",
        )
        return response.status_code, response.json() if response.content else None

    return call


def an_incident(world: World) -> Incident:
    """An open incident of Dupont Industrie about Orbit, reported by Marie."""
    return Incident.objects.create(
        number=f"INC-{Incident.objects.count() + 1:05d}",
        title="Orbit Server does not start",
        account=world.dupont,
        contact=world.marie,
        severity=2,
        channel="phone",
        status="open",
        queue=world.l1_queue,
        tier=world.tiers["L1"],
    )
