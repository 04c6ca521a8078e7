"""The router's plain data, built from the tables (the ``fetch`` step before the engine).

Identifiers given to the engine are zero-padded strings, so that its tie-breaks by
identifier follow the database order: agents ``a000000012``, queues ``q000000003``,
personal queues of transfers to one agent ``p000000012``, sites ``s000000002``; contact
keys are ``call:0000000042``, ``callback:0000000007`` and ``transfer:0000000005``.

Skills are ``kind:code`` strings: an agent holds its ``AgentSkill`` rows at their
proficiency and the languages of ``Agent.languages`` (proficiency 3 unless an
``AgentSkill`` says otherwise); a queue requires its ``required_skills`` (holding them
is enough); a caller adds ``language:<code>`` when the queue matches languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from escalade.contactcenter.models import (
    AgentPresence,
    ContactState,
    QueueRouting,
    WaitingContact,
)
from escalade.engines import acd
from escalade.network.models import Agent
from escalade.network.models import Queue as QueueRecord

LANGUAGE_PROFICIENCY = 3
PERSONAL_SKILL = "agent:{pk}"

_STATES = {
    ContactState.WAITING: acd.ContactState.WAITING,
    ContactState.RINGING: acd.ContactState.OFFERED,
    ContactState.CONNECTED: acd.ContactState.CONNECTED,
}
CONTACT_STATES = {engine: record for record, engine in _STATES.items()}


def agent_key(pk: int) -> str:
    return f"a{pk:09d}"


def agent_pk(key: str) -> int:
    return int(key[1:])


def queue_key(pk: int) -> str:
    return f"q{pk:09d}"


def personal_key(agent_id: int) -> str:
    return f"p{agent_id:09d}"


def queue_pk(key: str) -> int | None:
    """The network queue of an engine queue id; None for a personal queue."""
    return int(key[1:]) if key.startswith("q") else None


def site_key(pk: int | None) -> str | None:
    return None if pk is None else f"s{pk:09d}"


def call_key(pk: int) -> str:
    return f"call:{pk:010d}"


def callback_key(pk: int) -> str:
    return f"callback:{pk:010d}"


def transfer_key(pk: int) -> str:
    return f"transfer:{pk:010d}"


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """What the service needs of a queue beyond the engine's ``Queue``."""

    queue_pk: int | None  # None: a personal queue
    agent_pk: int | None  # the agent of a personal queue
    wrap_up_seconds: float
    ring_timeout_seconds: float
    match_language: bool


DEFAULTS = QueueRouting()


def routing_of(queue: QueueRecord) -> QueueRouting:
    """The queue's routing row, or an unsaved one with the defaults."""
    try:
        return queue.routing
    except QueueRouting.DoesNotExist:
        return QueueRouting(queue=queue)


def engine_queue(queue: QueueRecord, routing: QueueRouting) -> acd.Queue:
    return acd.Queue(
        queue_id=queue_key(queue.pk),
        required_skills={f"{skill.kind}:{skill.code}": 1 for skill in queue.required_skills.all()},
        strategy=acd.Strategy(routing.strategy),
        weight=float(routing.weight),
        service_level_seconds=float(routing.service_level_seconds),
        overflow=routing.overflow_steps(),
        tier_rank=queue.tier.rank,
        site=site_key(queue.site_id),
        handle_seconds=float(routing.handle_seconds),
    )


def queue_settings(queue: QueueRecord, routing: QueueRouting) -> QueueSettings:
    return QueueSettings(
        queue_pk=queue.pk,
        agent_pk=None,
        wrap_up_seconds=float(routing.wrap_up_seconds),
        ring_timeout_seconds=float(routing.ring_timeout_seconds),
        match_language=routing.match_language,
    )


def personal_queue(agent_id: int) -> acd.Queue:
    """The queue of calls transferred to one agent: only that agent holds its skill."""
    return acd.Queue(
        queue_id=personal_key(agent_id),
        required_skills={PERSONAL_SKILL.format(pk=agent_id): 1},
        handle_seconds=float(DEFAULTS.handle_seconds),
    )


def personal_settings(agent_id: int) -> QueueSettings:
    return QueueSettings(
        queue_pk=None,
        agent_pk=agent_id,
        wrap_up_seconds=float(DEFAULTS.wrap_up_seconds),
        ring_timeout_seconds=float(DEFAULTS.ring_timeout_seconds),
        match_language=False,
    )


def agent_skills(agent: Agent) -> dict[str, int]:
    skills = {
        f"language:{code.strip().lower()}": LANGUAGE_PROFICIENCY
        for code in (agent.languages or [])
        if isinstance(code, str) and code.strip()
    }
    skills.update(
        {
            f"{level.skill.kind}:{level.skill.code}": level.proficiency
            for level in agent.skill_levels.all()
        }
    )
    return skills


def fresh_agent(pk: int) -> Agent:
    """An agent with what its engine configuration needs, in two queries."""
    return (
        Agent.objects.select_related("tier", "user")
        .prefetch_related("skill_levels__skill")
        .get(pk=pk)
    )


def engine_agent(agent: Agent, *, personal: bool = False) -> acd.Agent:
    skills = agent_skills(agent)
    if personal:
        skills[PERSONAL_SKILL.format(pk=agent.pk)] = 1
    return acd.Agent(
        agent_id=agent_key(agent.pk),
        skills=skills,
        site=site_key(agent.site_id),
        tier_rank=agent.tier.rank,
    )


def engine_contact(row: WaitingContact) -> acd.Contact:
    return acd.Contact(
        contact_id=row.key,
        queue_id=(
            queue_key(row.queue_id) if row.queue_id is not None else personal_key(_target(row))
        ),
        arrival=row.arrival,
        priority=row.priority,
        extra_skills=_skills(row.extra_skills),
        callback=row.is_callback,
    )


def _target(row: WaitingContact) -> int:
    assert row.target_agent_id is not None
    return row.target_agent_id


def _skills(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): int(v) for k, v in value.items()}


@dataclass(frozen=True, slots=True)
class Loaded:
    snapshot: acd.RouterSnapshot
    settings: dict[str, QueueSettings]


def load(*, clock: datetime | None, today: date) -> Loaded:
    """The whole routing state from the tables (a handful of queries)."""
    settings: dict[str, QueueSettings] = {}
    queues: list[acd.Queue] = []
    handle: dict[str, float] = {}
    rotation: dict[str, str] = {}
    records = QueueRecord.objects.select_related("tier", "routing").prefetch_related(
        "required_skills"
    )
    for queue in records:
        routing = routing_of(queue)
        key = queue_key(queue.pk)
        queues.append(engine_queue(queue, routing))
        settings[key] = queue_settings(queue, routing)
        if routing.learned_handle_seconds:
            handle[key] = routing.learned_handle_seconds
        if routing.round_robin_last:
            rotation[key] = routing.round_robin_last
    rows = list(WaitingContact.objects.order_by("key"))
    personal = sorted({row.target_agent_id for row in rows if row.target_agent_id is not None})
    for agent_id in personal:
        queues.append(personal_queue(agent_id))
        settings[personal_key(agent_id)] = personal_settings(agent_id)
    presences = AgentPresence.objects.select_related("agent__tier", "contact").prefetch_related(
        "agent__skill_levels__skill"
    )
    agents = []
    for presence in presences.order_by("agent_id"):
        config = engine_agent(presence.agent, personal=presence.agent_id in personal)
        agents.append(agent_status(presence, config, today=today))
    contacts = tuple(
        acd.ContactStatus(
            contact=engine_contact(row),
            state=_STATES[ContactState(row.state)],
            agent_id=agent_key(row.agent_id) if row.agent_id is not None else None,
            offered_at=row.offered_at,
            answered_at=row.answered_at,
            overflow_step=row.overflow_step,
        )
        for row in rows
    )
    snapshot = acd.RouterSnapshot(
        clock=clock,
        queues=tuple(queues),
        agents=tuple(agents),
        contacts=contacts,
        handle_seconds=handle,
        round_robin_last=rotation,
    )
    return Loaded(snapshot=snapshot, settings=settings)


def agent_status(presence: AgentPresence, config: acd.Agent, *, today: date) -> acd.AgentStatus:
    state = acd.AgentState(presence.state)
    return acd.AgentStatus(
        agent=config,
        state=state,
        since=presence.since,
        available_since=presence.available_since if state is acd.AgentState.AVAILABLE else None,
        calls_handled=presence.calls_handled if presence.counted_on == today else 0,
        reason=(presence.reason or "break") if state is acd.AgentState.NOT_READY else None,
        wrap_up_until=presence.wrap_up_until if state is acd.AgentState.WRAP_UP else None,
        contact_id=presence.contact.key if presence.contact is not None else None,
    )
