"""Plain rows of clocks for the API and the console."""

from datetime import datetime
from typing import Any

from escalade.incidents.models import Incident
from escalade.incidents.sla import clocks


def clock_rows(incident: Incident, *, now: datetime) -> list[dict[str, Any]]:
    """The clocks at ``now``, or as the action that just ran computed them."""
    computed = getattr(incident, "computed_clocks", None)
    named = computed[1] if computed is not None else clocks(incident, now=now)
    return [
        {
            "name": item.name,
            "label": str(item.label),
            "state": item.clock.state.value,
            "target_minutes": item.clock.target_minutes,
            "elapsed_minutes": round(item.clock.elapsed_minutes, 2),
            "remaining_minutes": round(item.clock.remaining_minutes, 2),
            "deadline": item.clock.deadline,
            "warn_at": item.clock.warn_at,
            "warned_at": item.clock.warned_at,
            "breached_at": item.clock.breached_at,
        }
        for item in named
    ]
