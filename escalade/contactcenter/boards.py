"""The supervisors' wallboard: per queue and per site, the live picture and today's figures.

Per queue: calls waiting, the longest current wait, today's service level, average
speed of answer and abandon rate (``stats.period_figures`` since local midnight), and
the queue's agents by state. A queue's agents are the active agents of its
organisation and tier, at its site (if it has one), who have all its required skills:
those the ACD may offer its calls to before any overflow. Per site: the sums (the
longest wait is the longest of its queues; an agent is counted once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from escalade.contactcenter import queries
from escalade.contactcenter.models import AcdState
from escalade.contactcenter.stats import Figures, period_figures, today_start
from escalade.core.principal import Principal
from escalade.network.models import Agent, Queue

# The states shown, in order: ringing counts as on call.
BOARD_STATES = ("available", "on_call", "wrap_up", "not_ready", "logged_out")
_STATE_COLUMN = {
    AcdState.AVAILABLE: "available",
    AcdState.RESERVED: "on_call",
    AcdState.ON_CALL: "on_call",
    AcdState.WRAP_UP: "wrap_up",
    AcdState.NOT_READY: "not_ready",
    AcdState.LOGGED_OUT: "logged_out",
}


def state_labels() -> dict[str, str]:
    return {
        "available": str(AcdState.AVAILABLE.label),
        "on_call": str(AcdState.ON_CALL.label),
        "wrap_up": str(AcdState.WRAP_UP.label),
        "not_ready": str(AcdState.NOT_READY.label),
        "logged_out": str(AcdState.LOGGED_OUT.label),
    }


@dataclass
class Row:
    """One line of the board: a queue, or a site's total."""

    id: int | None
    name: str
    site_id: int | None
    site: str
    waiting: int = 0
    longest_wait_seconds: int = 0
    figures: Figures = field(default_factory=Figures)
    agents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BOARD_STATES, 0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "site_id": self.site_id,
            "site": self.site,
            "waiting": self.waiting,
            "longest_wait_seconds": self.longest_wait_seconds,
            "offered_today": self.figures.offered,
            "answered_today": self.figures.answered,
            "abandoned_today": self.figures.abandoned,
            "service_level_today": self.figures.service_level,
            "asa_today_seconds": self.figures.average_speed_of_answer,
            "abandon_rate_today": self.figures.abandon_rate,
            "agents": dict(self.agents),
        }


@dataclass
class Board:
    at: datetime
    queues: list[Row]
    sites: list[Row]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "queues": [row.as_dict() for row in self.queues],
            "sites": [row.as_dict() for row in self.sites],
        }


def board_queues(
    principal: Principal, *, site_id: int | None = None, queue_id: int | None = None
) -> list[Queue]:
    queryset = queries.queues(principal).select_related("site").prefetch_related("required_skills")
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    if queue_id is not None:
        queryset = queryset.filter(pk=queue_id)
    return list(queryset)


def _serves(agent: Agent, skills: set[int], queue: Queue, queue_skills: set[int]) -> bool:
    return (
        agent.organization_id == queue.organization_id
        and agent.tier_id == queue.tier_id
        and (queue.site_id is None or agent.site_id == queue.site_id)
        and queue_skills <= skills
    )


def build(
    principal: Principal,
    *,
    site_id: int | None = None,
    queue_id: int | None = None,
    now: datetime | None = None,
) -> Board:
    now = now or timezone.now()
    queues = board_queues(principal, site_id=site_id, queue_id=queue_id)
    ids = [queue.pk for queue in queues]
    counts = queries.queue_counts(ids)
    today = period_figures(ids, since=today_start(now), until=now)
    presences = list(
        queries.presences(principal).filter(agent__is_active=True).prefetch_related("agent__skills")
    )
    agent_skills = {p.agent_id: {s.pk for s in p.agent.skills.all()} for p in presences}
    rows: list[Row] = []
    sites: dict[int | None, Row] = {}
    site_agents: dict[int | None, set[int]] = {}
    for queue in queues:
        count = counts.get(queue.pk, {})
        oldest = count.get("oldest")
        site_name = queue.site.name if queue.site is not None else ""
        row = Row(
            id=queue.pk,
            name=queue.name,
            site_id=queue.site_id,
            site=site_name,
            waiting=int(count.get("waiting", 0)),
            longest_wait_seconds=max(0, round((now - oldest).total_seconds())) if oldest else 0,
            figures=today.get(queue.pk, Figures()),
        )
        queue_skills = {s.pk for s in queue.required_skills.all()}
        total = sites.setdefault(
            queue.site_id, Row(id=None, name=site_name, site_id=queue.site_id, site=site_name)
        )
        seen = site_agents.setdefault(queue.site_id, set())
        for presence in presences:
            if not _serves(presence.agent, agent_skills[presence.agent_id], queue, queue_skills):
                continue
            column = _STATE_COLUMN.get(AcdState(presence.state), "logged_out")
            row.agents[column] += 1
            if presence.agent_id not in seen:
                seen.add(presence.agent_id)
                total.agents[column] += 1
        total.waiting += row.waiting
        total.longest_wait_seconds = max(total.longest_wait_seconds, row.longest_wait_seconds)
        total.figures.add(row.figures)
        rows.append(row)
    return Board(at=now, queues=rows, sites=list(sites.values()))
