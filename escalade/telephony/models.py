"""Calls, on the classic CTI vocabulary: a call, its connections, and every event received.

A ``Call`` is one telephone call as the switch (PBX, ACD, SIP proxy) reports it. Each
party on it has a ``CallConnection`` (the customer, a queue, one or more agents) whose
state goes offered → alerting → connected ⇄ held → cleared. Every event received is a
``CallEvent`` row, unique per (source, idempotency key): a repeated event is recognised
and ignored, so a bridge may retry as often as it likes.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.core.appendonly import AppendOnlyModel


class Direction(models.TextChoices):
    IN = "in", _("Inbound")
    OUT = "out", _("Outbound")


class State(models.TextChoices):
    """The state of a connection, and of the call as a whole."""

    OFFERED = "offered", _("Offered")
    ALERTING = "alerting", _("Ringing")
    CONNECTED = "connected", _("Connected")
    HELD = "held", _("On hold")
    CLEARED = "cleared", _("Ended")


# Where each state may go; anything else is refused (409 on the API).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.OFFERED: frozenset({State.ALERTING, State.CONNECTED, State.CLEARED}),
    State.ALERTING: frozenset({State.CONNECTED, State.CLEARED}),
    State.CONNECTED: frozenset({State.HELD, State.CLEARED}),
    State.HELD: frozenset({State.CONNECTED, State.CLEARED}),
    State.CLEARED: frozenset(),
}
LIVE_STATES = frozenset({State.OFFERED, State.ALERTING, State.CONNECTED, State.HELD})


def may_go(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


class Party(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    QUEUE = "queue", _("Queue")


class Cause(models.TextChoices):
    """Why a call or a connection ended: the Generic CTI hangup causes."""

    NORMAL_CLEARING = "normalClearing", _("Normal clearing")
    BUSY = "busy", _("Busy")
    CANCEL = "cancel", _("Caller hung up before an answer")
    NO_ANSWER = "noAnswer", _("No answer")
    CONGESTION = "congestion", _("Congestion")
    NOT_FOUND = "notFound", _("Number not found")
    FORWARDED = "forwarded", _("Forwarded")
    ANSWERED_ELSEWHERE = "answeredElsewhere", _("Answered by another agent")
    OTHER = "other", _("Other")


class Call(models.Model):
    # Where the call was reported from ("cti": the Generic CTI API, "sip", "sim"…) and
    # the switch's own id of it; together they identify the call.
    source = models.CharField(_("source"), max_length=20)
    external_id = models.CharField(_("call id"), max_length=250)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # The numbers as the switch wrote them, and their E.164 form when they have one
    # ("anonymous" and unknown formats stay as given).
    from_number = models.CharField(_("from"), max_length=100, blank=True)
    to_number = models.CharField(_("to"), max_length=100, blank=True)
    from_e164 = models.CharField(_("from (E.164)"), max_length=100, blank=True, db_index=True)
    to_e164 = models.CharField(_("to (E.164)"), max_length=100, blank=True)
    queue = models.ForeignKey(
        "network.Queue", on_delete=models.PROTECT, related_name="calls", null=True, blank=True
    )
    # The queue name as the switch gave it, kept even when no queue has that name.
    queue_name = models.CharField(_("queue name"), max_length=120, blank=True)
    # The agent handling the call: the one alerted, then the one who answered.
    agent = models.ForeignKey(
        "network.Agent", on_delete=models.PROTECT, related_name="calls", null=True, blank=True
    )
    # The caller, identified by caller ID; unknown callers have neither.
    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="calls", null=True, blank=True
    )
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, related_name="calls", null=True, blank=True
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        related_name="calls",
        null=True,
        blank=True,
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OFFERED
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="call_external_id_uniq")
        ]
        indexes = [
            models.Index(fields=["account", "started_at"]),
            models.Index(fields=["agent", "started_at"]),
            models.Index(fields=["state", "started_at"]),
        ]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.from_number or '?'} → {self.to_number or '?'}"

    @property
    def customer_number(self) -> str:
        """The customer's side: the caller of an inbound call, the called of an outbound one."""
        if self.direction == Direction.OUT:
            return self.to_e164 or self.to_number
        return self.from_e164 or self.from_number

    @staticmethod
    def _seconds(start: datetime | None, end: datetime | None) -> int | None:
        if start is None or end is None:
            return None
        return max(0, round((end - start).total_seconds()))

    @property
    def wait_seconds(self) -> int | None:
        """From the call's arrival to its answer (speed of answer)."""
        return self._seconds(self.started_at, self.answered_at)

    @property
    def talk_seconds(self) -> int | None:
        return self._seconds(self.answered_at, self.ended_at)

    @property
    def duration_seconds(self) -> int | None:
        return self._seconds(self.started_at, self.ended_at)


class CallConnection(models.Model):
    """One party's leg of a call, with the moment it entered each state."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="connections")
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)
    agent = models.ForeignKey(
        "network.Agent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    queue = models.ForeignKey(
        "network.Queue", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    number = models.CharField(_("number"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OFFERED
    )
    offered_at = models.DateTimeField(default=timezone.now)
    alerting_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)

    class Meta:
        ordering = ["offered_at", "id"]
        indexes = [models.Index(fields=["agent", "state"])]
        verbose_name = _("call connection")
        verbose_name_plural = _("call connections")

    def __str__(self) -> str:
        return f"{self.party} {self.state}"

    # The timestamp field each state sets when entered.
    STAMPS: dict[str, str] = {
        State.ALERTING: "alerting_at",
        State.CONNECTED: "connected_at",
        State.HELD: "held_at",
        State.CLEARED: "cleared_at",
    }


class EventKind(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ALERTING = "alerting", _("Alerting")
    ANSWERED = "answered", _("Answered")
    HELD = "held", _("Held")
    RETRIEVED = "retrieved", _("Retrieved")
    ENDED = "ended", _("Ended")
    INCIDENT = "incident", _("Incident attached")


class CallEvent(AppendOnlyModel):
    """One event received about a call, as it came (append-only)."""

    append_only_message = "Call events are append-only."

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    # When it happened (the switch's time when it says so), and when it reached us.
    at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(_("source"), max_length=20)
    # The same key again from the same source is the same event: acknowledged, ignored.
    key = models.CharField(_("idempotency key"), max_length=300)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="callevent_once_per_source")
        ]
        indexes = [models.Index(fields=["call", "at"])]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
