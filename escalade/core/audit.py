"""Writing the audit trail from actions."""

from typing import Any

from django.db import models

from escalade.core.compiled import CompiledInsert
from escalade.core.models import AuditEntry

# Every action writes one: the statement is built once per process.
AUDIT_INSERT = CompiledInsert(AuditEntry)


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append the audit entry of one action; called inside the action's transaction."""
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AUDIT_INSERT.insert(
        AuditEntry(
            actor_id=user_id,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            summary=summary[:300],
            changes=changes or {},
        )
    )
