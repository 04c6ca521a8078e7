"""Staffing: forecast calls per interval, handle time and target in; agents out.

Erlang C (``engines.erlang.agents_required``), or Erlang A when the callers' mean
patience is given (``agents_required_erlang_a``); the headcount to schedule follows
from the shrinkage (breaks, training, absence). A queue, if chosen, gives the handle
time the router learned (``QueueRouting.learned_handle_seconds``, else the configured
one) and its service-level threshold when they are left empty.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from escalade.contactcenter.models import IntervalLength, QueueRouting
from escalade.engines import erlang
from escalade.network.models import Queue

MAX_INTERVALS = 200
_LINE = re.compile(r"^\s*(?:(\d{1,2}:\d{2})\s+)?(\d+(?:[.,]\d+)?)\s*$")


@dataclass(frozen=True)
class IntervalIn:
    label: str
    calls: float


@dataclass(frozen=True)
class IntervalOut:
    label: str
    calls: float
    agents: int
    scheduled: int
    service_level: float
    average_speed_of_answer: float | None
    occupancy: float
    abandonment: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "calls": self.calls,
            "agents": self.agents,
            "scheduled": self.scheduled,
            "service_level": self.service_level,
            "average_speed_of_answer": self.average_speed_of_answer,
            "occupancy": self.occupancy,
            "abandonment": self.abandonment,
        }


class StaffingError(ValueError):
    """The figures given cannot be staffed (the message says why)."""


def queue_handle_seconds(queue: Queue) -> float | None:
    routing = QueueRouting.objects.filter(queue=queue).first()
    if routing is None:
        return None
    return routing.learned_handle_seconds or float(routing.handle_seconds)


def queue_threshold(queue: Queue) -> int | None:
    routing = QueueRouting.objects.filter(queue=queue).first()
    return routing.service_level_seconds if routing is not None else None


def compute(
    *,
    intervals: list[IntervalIn],
    length_minutes: int,
    handle_seconds: float,
    target_percent: float,
    target_seconds: float,
    shrinkage_percent: float,
    patience_seconds: float | None = None,
) -> list[IntervalOut]:
    """Agents required per interval; ``StaffingError`` when a figure is out of range."""
    out = []
    for interval in intervals:
        common = {
            "calls_per_interval": interval.calls,
            "interval_seconds": length_minutes * 60,
            "handle_time": handle_seconds,
            "target_service_level": target_percent / 100,
            "target_seconds": target_seconds,
            "shrinkage": shrinkage_percent / 100,
        }
        try:
            if patience_seconds is None:
                c = erlang.agents_required(**common)
                asa = c.average_speed_of_answer
                out.append(
                    IntervalOut(
                        label=interval.label,
                        calls=interval.calls,
                        agents=c.agents,
                        scheduled=c.scheduled,
                        service_level=c.service_level,
                        average_speed_of_answer=asa if math.isfinite(asa) else None,
                        occupancy=c.occupancy,
                        abandonment=None,
                    )
                )
            else:
                a = erlang.agents_required_erlang_a(patience=patience_seconds, **common)
                p = a.performance
                out.append(
                    IntervalOut(
                        label=interval.label,
                        calls=interval.calls,
                        agents=a.agents,
                        scheduled=a.scheduled,
                        service_level=p.service_level,
                        average_speed_of_answer=p.average_speed_of_answer,
                        occupancy=p.occupancy,
                        abandonment=p.probability_of_abandoning,
                    )
                )
        except ValueError as exc:
            raise StaffingError(str(exc)) from exc
    return out


def parse_intervals(text: str, length_minutes: int) -> list[IntervalIn]:
    """Lines "09:00 120" (or just "120", numbered from 1): calls per interval."""
    intervals: list[IntervalIn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValidationError(
                _('Line %(n)d: write a time and a number of calls, e.g. "09:00 120".'),
                params={"n": number},
            )
        label, calls = match.group(1), float(match.group(2).replace(",", "."))
        intervals.append(IntervalIn(label=label or str(len(intervals) + 1), calls=calls))
    if not intervals:
        raise ValidationError(_("Give the calls of at least one interval."))
    if len(intervals) > MAX_INTERVALS:
        raise ValidationError(
            _("At most %(max)d intervals at a time."), params={"max": MAX_INTERVALS}
        )
    return intervals


class StaffingForm(forms.Form):
    queue = forms.ModelChoiceField(
        label=_("Queue"),
        queryset=Queue.objects.none(),
        required=False,
        help_text=_("Fills in the handle time the ACD learned and the threshold, if empty."),
    )
    length_minutes = forms.TypedChoiceField(
        label=_("Interval length"),
        choices=IntervalLength.choices,
        coerce=int,
        initial=IntervalLength.HALF_HOUR,
    )
    calls = forms.CharField(
        label=_("Calls per interval"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "09:00 120\n09:30 140"}),
        help_text=_('One interval a line: its start and the calls forecast, e.g. "09:00 120".'),
    )
    handle_seconds = forms.FloatField(
        label=_("Average handle time (s)"), required=False, min_value=1, max_value=36000
    )
    target_percent = forms.FloatField(
        label=_("Service level target (%)"), initial=80, min_value=0, max_value=100
    )
    target_seconds = forms.FloatField(
        label=_("Answered within (s)"), required=False, min_value=0, max_value=3600
    )
    shrinkage_percent = forms.FloatField(
        label=_("Shrinkage (%)"), initial=30, min_value=0, max_value=99
    )
    patience_seconds = forms.FloatField(
        label=_("Callers' mean patience (s)"),
        required=False,
        min_value=1,
        max_value=36000,
        help_text=_("If given, abandons are taken into account (Erlang A)."),
    )

    def __init__(self, *args: Any, queues: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queues if queues is not None else Queue.objects.none()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        queue = data.get("queue")
        if data.get("handle_seconds") is None and queue is not None:
            data["handle_seconds"] = queue_handle_seconds(queue)
        if data.get("target_seconds") is None and queue is not None:
            data["target_seconds"] = queue_threshold(queue)
        if data.get("handle_seconds") is None and "handle_seconds" not in self.errors:
            self.add_error("handle_seconds", _("Give the average handle time, or a queue."))
        if data.get("target_seconds") is None and "target_seconds" not in self.errors:
            data["target_seconds"] = 20.0
        length = data.get("length_minutes")
        if "calls" in data and length is not None:
            try:
                data["intervals"] = parse_intervals(data["calls"], int(length))
            except ValidationError as exc:
                self.add_error("calls", exc)
        return data

    def result(self) -> list[IntervalOut]:
        data = self.cleaned_data
        return compute(
            intervals=data["intervals"],
            length_minutes=int(data["length_minutes"]),
            handle_seconds=float(data["handle_seconds"]),
            target_percent=float(data["target_percent"]),
            target_seconds=float(data["target_seconds"]),
            shrinkage_percent=float(data["shrinkage_percent"]),
            patience_seconds=data.get("patience_seconds"),
        )
