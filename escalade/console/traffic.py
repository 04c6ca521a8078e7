"""Simulated traffic, started and stopped from the console by a supervisor.

The built-in call simulator (``telephony.simulator``) plays its callers in a thread of
this web process (``traffic``), so that their screen pops reach the consoles this
process serves: with the in-memory channel layer (the embedded default) no other
process can reach them. ``manage.py simulate_calls`` remains for scripted runs, and for
demos on Redis.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from escalade.console.context import MANAGER_ROLES
from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.queries import queues
from escalade.core.principal import Principal
from escalade.core.rules import page_principal
from escalade.network.models import Queue
from escalade.telephony.simulator import MAX_RATE, MIN_TALK, Settings, SimulatorError, traffic


class TrafficForm(forms.Form):
    queue: forms.ModelChoiceField[Queue] = forms.ModelChoiceField(
        label=gettext_lazy("Queue"),
        queryset=Queue.objects.none(),
        required=False,
        empty_label=gettext_lazy("The first queue with agents available"),
    )
    rate = forms.FloatField(
        label=gettext_lazy("Calls per minute"), min_value=0.1, max_value=MAX_RATE, initial=6
    )
    minutes = forms.FloatField(
        label=gettext_lazy("Callers arrive for (minutes)"),
        min_value=0.5,
        max_value=8 * 60,
        initial=5,
    )
    talk = forms.FloatField(
        label=gettext_lazy("Mean talk time (seconds)"),
        min_value=MIN_TALK,
        max_value=3600,
        initial=120,
    )
    agents = forms.IntegerField(
        label=gettext_lazy("Log in this many agents of the queue first"),
        min_value=0,
        max_value=200,
        initial=0,
    )
    speed = forms.FloatField(
        label=gettext_lazy("Speed (1: real time)"), min_value=1, max_value=60, initial=1
    )

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queues(principal).order_by("name")

    def settings(self) -> Settings:
        data = self.cleaned_data
        return Settings(
            rate=data["rate"],
            minutes=data["minutes"],
            talk=data["talk"],
            queue=data["queue"].name if data["queue"] is not None else "",
            agents=data["agents"],
        )


def _page(
    request: HttpRequest,
    principal: Principal,
    *,
    form: TrafficForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "console/traffic.html",
        {
            "form": form or TrafficForm(principal=principal),
            "status": traffic.status(),
            "error": error,
            "page_name": "traffic",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def traffic_page(request: HttpRequest) -> HttpResponse:
    """GET: the run under way (or the last one) and the form; POST: start a run."""
    principal = page_principal(request, MANAGER_ROLES)
    if request.method == "GET":
        return _page(request, principal)
    form = TrafficForm(request.POST, principal=principal)
    if not form.is_valid():
        return _page(request, principal, form=form, status=422)
    try:
        traffic.start(form.settings(), speed=form.cleaned_data["speed"], actor=request.user)
    except (SimulatorError, AcdInvalid, AcdRefused) as exc:
        return _page(request, principal, form=form, error=str(exc), status=409)
    messages.success(request, _("Simulated traffic started."))
    return redirect("console:traffic")


@login_required
@require_http_methods(["POST"])
def stop_traffic(request: HttpRequest) -> HttpResponse:
    page_principal(request, MANAGER_ROLES)
    if traffic.status().running:
        status = traffic.stop()
        outcome = status.outcome
        messages.success(
            request,
            _("Simulated traffic stopped: %(calls)s calls, %(answered)s answered.")
            % {
                "calls": len(outcome.call_ids) if outcome else 0,
                "answered": sum(outcome.by_agent.values()) if outcome else 0,
            },
        )
    return redirect("console:traffic")
