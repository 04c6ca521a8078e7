"""The call panel of the agent's console: transfer the call, blind or after consulting.

``/calls/<id>/`` shows the call the agent is on with a transfer form: to an agent, a
queue or a site, blind or consultative, with one of the caller's open incidents. During a
consultation the first agent completes the transfer or takes the caller back. The
actions are telephony's (``do_transfer_call``, ``do_complete_transfer``,
``do_cancel_transfer``), the same as the REST API's, with the same rule: the agent on
the call or a supervisor.

Plain forms, POST/redirect/GET, working without JavaScript (the top bar's state control
links here while the agent is on a call). ``?fragment=1`` returns the panel alone:
``screenpop.js`` shows it under the screen pop and posts its forms in the background,
getting the panel back (with the form's errors and the values kept on a refusal).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.contactcenter.models import (
    OPEN_TRANSFER_STATES,
    AcdState,
    AgentPresence,
    Transfer,
    TransferState,
)
from escalade.core.principal import Principal
from escalade.core.roles import STAFF_ROLES
from escalade.core.rules import page_principal
from escalade.incidents.models import ACTIVE_STATUSES, Incident
from escalade.incidents.queries import writable_incidents
from escalade.network.models import Agent, Queue, Site
from escalade.telephony.acd import (
    TRANSFERABLE,
    do_cancel_transfer,
    do_complete_transfer,
    do_transfer_call,
    may_handle,
)
from escalade.telephony.actions import CallStateError
from escalade.telephony.models import Call, Party, State
from escalade.telephony.queries import calls

BLIND, CONSULTATIVE = "blind", "consultative"


class TransferForm(forms.Form):
    """One target (an agent, a queue or a site, in one list), blind or consultative, and
    the incident that goes with the call."""

    mode = forms.ChoiceField(
        label=gettext_lazy("How"),
        choices=[
            (BLIND, gettext_lazy("Blind: hand the call over now")),
            (CONSULTATIVE, gettext_lazy("Consult first: talk to the target, then hand over")),
        ],
        initial=BLIND,
        widget=forms.RadioSelect,
    )
    target = forms.ChoiceField(label=gettext_lazy("Transfer to"))
    incident = forms.TypedChoiceField(
        label=gettext_lazy("Incident to carry"),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, call: Call, principal: Principal, **kwargs: Any) -> None:
        self.call = call
        self.principal = principal
        self.incidents = self._incidents()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("incident", call.incident_id or "")
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        incident = self.fields["incident"]
        assert isinstance(target, forms.ChoiceField)
        assert isinstance(incident, forms.ChoiceField)
        target.choices = self._targets()
        incident.choices = [("", _("No incident")), *self._incident_choices()]

    # --- choices -----------------------------------------------------------------------

    def _incidents(self) -> list[Incident]:
        """The caller's open incidents this agent may work on, and the call's own."""
        found: list[Incident] = []
        if self.call.account_id is not None:
            found = list(
                writable_incidents(self.principal)
                .filter(account_id=self.call.account_id, status__in=ACTIVE_STATUSES)
                .order_by("-created_at", "-pk")[:20]
            )
        attached = self.call.incident
        if (
            attached is not None
            and attached.pk not in {i.pk for i in found}
            and writable_incidents(self.principal).filter(pk=attached.pk).exists()
        ):
            found.insert(0, attached)
        return found

    def _incident_choices(self) -> list[tuple[int, str]]:
        return [(i.pk, f"{i.number} · {i.title}") for i in self.incidents]

    def _targets(self) -> list[tuple[str, Any]]:
        labels = dict(AcdState.choices)
        on_call = self.call.connections.filter(
            party=Party.AGENT, state__in=TRANSFERABLE
        ).values_list("agent_id", flat=True)
        present = (
            AgentPresence.objects.exclude(state=AcdState.LOGGED_OUT)
            .exclude(agent_id__in=list(on_call))
            .filter(agent__is_active=True, agent__user__is_active=True)
            .select_related("agent__user", "agent__site")
            .order_by("agent__user__first_name", "agent__user__last_name", "agent_id")
        )
        agents = [
            (
                f"agent:{p.agent_id}",
                f"{p.agent} · {labels.get(p.state, p.state)}"
                + (f" · {p.agent.site.name}" if p.agent.site is not None else ""),
            )
            for p in present
        ]
        queues = [
            (f"queue:{q.pk}", q.name) for q in Queue.objects.order_by("name").only("pk", "name")
        ]
        sites = [
            (f"site:{s.pk}", s.name)
            for s in Site.objects.filter(queues__isnull=False).distinct().order_by("name")
        ]
        choices: list[tuple[str, Any]] = [("", _("Choose…"))]
        for label, group in (
            (_("Agents logged in"), agents),
            (_("Queues"), queues),
            (_("Sites"), sites),
        ):
            if group:
                choices.append((label, group))
        return choices

    # --- validation --------------------------------------------------------------------

    def clean_target(self) -> Agent | Queue | Site:
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        found: Agent | Queue | Site | None = None
        if pk.isdigit():
            if kind == "agent":
                found = Agent.objects.filter(pk=int(pk)).first()
            elif kind == "queue":
                found = Queue.objects.filter(pk=int(pk)).first()
            elif kind == "site":
                found = Site.objects.filter(pk=int(pk)).first()
        if found is None:
            raise forms.ValidationError(_("Choose an agent, a queue or a site."))
        return found

    def clean_incident(self) -> Incident | None:
        pk = self.cleaned_data.get("incident")
        if pk is None:
            return None
        incident = next((i for i in self.incidents if i.pk == pk), None)
        if incident is None:
            raise forms.ValidationError(_("Choose one of the caller's open incidents."))
        return incident

    def transfer(self, actor: Any) -> Transfer:
        target = self.cleaned_data["target"]
        return do_transfer_call(
            actor=actor,
            call=self.call,
            to_agent=target if isinstance(target, Agent) else None,
            to_queue=target if isinstance(target, Queue) else None,
            to_site=target if isinstance(target, Site) else None,
            consultative=self.cleaned_data["mode"] == CONSULTATIVE,
            incident=self.cleaned_data["incident"],
        )


# --- the panel --------------------------------------------------------------------------


def _call(request: HttpRequest, pk: int) -> tuple[Principal, Call]:
    principal = page_principal(request, STAFF_ROLES)
    call = get_object_or_404(calls(principal), pk=pk)
    return principal, call


def _consultation(call: Call) -> Transfer | None:
    return (
        Transfer.objects.filter(call=call, consultative=True, state__in=OPEN_TRANSFER_STATES)
        .select_related("to_agent__user", "to_queue", "answered_by__user")
        .order_by("-pk")
        .first()
    )


def panel_context(
    request: HttpRequest, principal: Principal, call: Call, form: TransferForm | None = None
) -> dict[str, Any]:
    """What the panel shows: the consultation under way, the form, or why neither."""
    allowed = may_handle(principal, call)
    consultation = _consultation(call) if allowed else None
    first_on_call = consultation is not None and (
        call.connections.filter(party=Party.AGENT, state=State.HELD).exists()
    )
    # A refused form is shown again as sent, whatever the call did meanwhile.
    can_transfer = allowed and (call.state == State.CONNECTED or form is not None)
    if can_transfer and form is None:
        form = TransferForm(call=call, principal=principal)
    return {
        "call": call,
        "allowed": allowed,
        "consultation": consultation if first_on_call else None,
        "consulting": consultation is not None and consultation.state == TransferState.CONSULTING,
        "form": form if can_transfer else None,
        "fragment": bool(request.GET.get("fragment") or request.POST.get("fragment")),
        "next": _next(request),
    }


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _render(
    request: HttpRequest,
    principal: Principal,
    call: Call,
    *,
    form: TransferForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = panel_context(request, principal, call, form)
    context["error"] = error
    template = "console/call_panel.html" if context["fragment"] else "console/call.html"
    return render(request, template, context, status=status)


def _done(request: HttpRequest, principal: Principal, call: Call, message: str) -> HttpResponse:
    """Success: the fresh panel for the pop's script, else back where the agent was."""
    if request.POST.get("fragment"):
        call = Call.objects.select_related("account", "contact", "agent__user", "incident").get(
            pk=call.pk
        )
        context = panel_context(request, principal, call)
        context["done"] = message
        return render(request, "console/call_panel.html", context)
    messages.success(request, message)
    return redirect(_next(request) or "console:call", pk=call.pk)


@login_required
@require_http_methods(["GET"])
def call_panel(request: HttpRequest, pk: int) -> HttpResponse:
    principal, call = _call(request, pk)
    return _render(request, principal, call)


@login_required
@require_http_methods(["POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    principal, call = _call(request, pk)
    if not may_handle(principal, call):
        return _render(
            request,
            principal,
            call,
            error=_("Only the agent on the call or a supervisor can do this."),
            status=403,
        )
    form = TransferForm(request.POST, call=call, principal=principal)
    if not form.is_valid():
        return _render(request, principal, call, form=form, status=422)
    try:
        done = form.transfer(request.user)
    except (AcdRefused, CallStateError) as exc:
        form.add_error(None, str(exc))
        return _render(request, principal, call, form=form, status=409)
    except AcdInvalid as exc:
        form.add_error(None, str(exc))
        return _render(request, principal, call, form=form, status=422)
    target = str(done.to_agent or done.to_queue)
    message = (
        _("Consulting %(target)s: the caller is on hold.")
        if done.consultative
        else _("Call transferred to %(target)s.")
    ) % {"target": target}
    return _done(request, principal, call, message)


def _consultation_step(request: HttpRequest, pk: int, *, complete: bool) -> HttpResponse:
    principal, call = _call(request, pk)
    if not may_handle(principal, call):
        raise Http404
    try:
        if complete:
            done = do_complete_transfer(actor=request.user, call=call)
        else:
            done = do_cancel_transfer(actor=request.user, call=call)
    except (AcdRefused, CallStateError) as exc:
        return _render(request, principal, call, error=str(exc), status=409)
    target = str(done.to_agent or done.to_queue)
    message = (
        _("Call handed over to %(target)s.") if complete else _("You have the caller back.")
    ) % {"target": target}
    return _done(request, principal, call, message)


@login_required
@require_http_methods(["POST"])
def complete_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _consultation_step(request, pk, complete=True)


@login_required
@require_http_methods(["POST"])
def cancel_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _consultation_step(request, pk, complete=False)
