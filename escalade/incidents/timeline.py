"""Appending to the timeline, from inside actions."""

from typing import Any

from escalade.incidents.models import EntryKind, Incident, TimelineEntry


def add_entry(
    *,
    incident: Incident,
    kind: EntryKind,
    actor: Any,
    body: str = "",
    customer_visible: bool = False,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> TimelineEntry:
    entry = new_entry(
        incident=incident,
        kind=kind,
        actor=actor,
        body=body,
        customer_visible=customer_visible,
        data=data,
        at=at,
    )
    entry.save()
    return entry


def new_entry(
    *,
    incident: Incident,
    kind: EntryKind,
    actor: Any,
    body: str = "",
    customer_visible: bool = False,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> TimelineEntry:
    """An entry not yet written, for actions that append several in one statement."""
    entry = TimelineEntry(
        account_id=incident.account_id,
        incident=incident,
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        body=body,
        customer_visible=customer_visible,
        data=data or {},
    )
    if at is not None:
        entry.at = at
    return entry
