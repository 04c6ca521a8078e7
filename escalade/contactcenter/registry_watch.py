"""Registry edits that change routing: queues, their required skills, agents' skills.

They are made in the network registry (API, admin), which knows nothing of the ACD. Once
such an edit commits, the routing version moves, so every process's router rebuilds at
its next decision instead of up to ``ACD_ROUTER_MAX_AGE_SECONDS`` later.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from escalade.network.models import Agent, AgentSkill, Queue, Skill

# Rows whose change alters who may take which call.
WATCHED = (Queue, AgentSkill, Skill, Agent)


def _bump() -> None:
    from escalade.contactcenter.service import service

    service.routing_changed()


def _changed(**kwargs: Any) -> None:
    if kwargs.get("raw") or kwargs.get("action", "post_").split("_")[0] != "post":
        return  # fixtures being loaded; the "pre" half of a many-to-many change
    transaction.on_commit(_bump)


def watch_registry() -> None:
    for model in WATCHED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"acd-routing-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"acd-routing-{model.__name__}")
    m2m_changed.connect(
        _changed, sender=Queue.required_skills.through, dispatch_uid="acd-routing-queue-skills"
    )
