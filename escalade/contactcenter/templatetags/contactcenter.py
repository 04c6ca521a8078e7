"""The agent-state control of the console's top bar."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from escalade.contactcenter.views import control_context

register = template.Library()


@register.simple_tag(takes_context=True)
def agent_state_control(context: template.Context) -> SafeString:
    """The signed-in agent's ACD state and the form to change it (nothing for others)."""
    principal: Any = context.get("principal")
    request = context.get("request")
    if principal is None or principal.agent_id is None or request is None:
        return SafeString("")
    return render_to_string(
        "contactcenter/state_control.html",
        control_context(principal.agent_id, request=request),
        request=request,
    )


@register.filter
def percent(value: float | None) -> str:
    """0.834 → "83 %"; no figure → "—"."""
    if value is None:
        return "—"
    return f"{round(value * 100)} %"


@register.filter
def seconds(value: float | None) -> str:
    """Seconds as m:ss (h:mm:ss past an hour); no figure → "—"."""
    if value is None:
        return "—"
    total = round(value)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
