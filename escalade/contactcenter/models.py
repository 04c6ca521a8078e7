"""The ACD's tables: the source of truth of who is available, who waits, who talks to whom.

The in-memory router of each process (``escalade.engines.acd.Router``) is rebuilt from
these rows whenever another process has decided since (``RoutingVersion``), so any web
or worker process may die without losing a waiting caller or an agent's state.

* ``AgentPresence``: one per agent who ever logged in to the ACD: its state (the
  engine's ``AgentState``), since when, the not-ready reason, the wrap-up end, the
  contact it holds.
* ``QueueRouting``: how one ``network.Queue`` routes: strategy, weight, service level,
  wrap-up and ring time, overflow steps, expected handle time.
* ``WaitingContact``: a call or callback inside the ACD (waiting, ringing an agent, or
  connected), under a key: ``call:<id>``, ``callback:<id>`` or ``transfer:<id>`` (the
  second leg of a consultative transfer).
* ``Callback``: a customer to call back, keeping the place of the call it replaces.
* ``Transfer``: a call handed from an agent to a queue, an agent or a site, with its
  incident (the attached data).
* ``RoutingEvent``: what the ACD did and when (append-only): the raw material of queue
  statistics (service level, abandonment, handle time, agents by state).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from escalade.core.appendonly import AppendOnlyModel
from escalade.engines.acd import AcdError, AgentState, OverflowStep, Queue, Strategy


class AcdState(models.TextChoices):
    """An agent's state in the ACD: the values of the engine's ``AgentState``."""

    LOGGED_OUT = AgentState.LOGGED_OUT.value, _("Logged out")
    AVAILABLE = AgentState.AVAILABLE.value, _("Available")
    RESERVED = AgentState.RESERVED.value, _("Ringing")
    ON_CALL = AgentState.ON_CALL.value, _("On call")
    WRAP_UP = AgentState.WRAP_UP.value, _("Wrap-up")
    NOT_READY = AgentState.NOT_READY.value, _("Not ready")


class NotReadyReason(models.TextChoices):
    """Why an agent is not ready. ``no_answer`` is set by the ACD, never chosen by hand."""

    BREAK = "break", _("Break")
    LUNCH = "lunch", _("Lunch")
    MEETING = "meeting", _("Meeting")
    TRAINING = "training", _("Training")
    BACK_OFFICE = "back_office", _("Case work")
    NO_ANSWER = "no_answer", _("Missed a call")


# The reasons an agent or supervisor may pick.
MANUAL_REASONS = tuple(r for r in NotReadyReason if r != NotReadyReason.NO_ANSWER)


class AgentPresence(models.Model):
    agent = models.OneToOneField("network.Agent", on_delete=models.CASCADE, related_name="presence")
    state = models.CharField(
        _("state"), max_length=12, choices=AcdState.choices, default=AcdState.LOGGED_OUT
    )
    since = models.DateTimeField(_("since"), null=True, blank=True)
    reason = models.CharField(
        _("not-ready reason"), max_length=20, choices=NotReadyReason.choices, blank=True
    )
    wrap_up_until = models.DateTimeField(_("wrap-up until"), null=True, blank=True)
    available_since = models.DateTimeField(_("available since"), null=True, blank=True)
    # Calls answered on ``counted_on`` (the counter restarts each day).
    calls_handled = models.PositiveIntegerField(_("calls handled today"), default=0)
    counted_on = models.DateField(null=True, blank=True)
    contact = models.ForeignKey(
        "WaitingContact",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("current contact"),
    )
    # The phone or softphone the agent logged in at (what a route request answers).
    extension = models.CharField(_("extension"), max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state"])]
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")

    def __str__(self) -> str:
        return f"{self.agent} {self.state}"


def validate_overflow(value: object) -> None:
    """Overflow steps: a list of {after_seconds, max_tier_rank_delta, any_site, drop_skills}."""
    overflow_steps(value)


OVERFLOW_KEYS = frozenset({"after_seconds", "max_tier_rank_delta", "any_site", "drop_skills"})


def overflow_steps(value: object) -> tuple[OverflowStep, ...]:
    """The engine's steps from their JSON, or a ValidationError saying what is wrong."""
    if not isinstance(value, list):
        raise ValidationError(_("Overflow steps must be a list."))
    steps: list[OverflowStep] = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError(_("Overflow step %(n)d must be an object."), params={"n": index})
        unknown = sorted(set(item) - OVERFLOW_KEYS)
        if unknown:
            raise ValidationError(
                _("Overflow step %(n)d: unknown field %(field)s."),
                params={"n": index, "field": ", ".join(unknown)},
            )
        after = item.get("after_seconds")
        delta = item.get("max_tier_rank_delta", 0)
        any_site = item.get("any_site", False)
        drop = item.get("drop_skills", [])
        if isinstance(after, bool) or not isinstance(after, int | float):
            raise ValidationError(
                _("Overflow step %(n)d: after_seconds must be a number of seconds."),
                params={"n": index},
            )
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise ValidationError(
                _("Overflow step %(n)d: max_tier_rank_delta must be a whole number."),
                params={"n": index},
            )
        if not isinstance(any_site, bool):
            raise ValidationError(
                _("Overflow step %(n)d: any_site must be true or false."), params={"n": index}
            )
        if not isinstance(drop, list) or not all(isinstance(s, str) and s for s in drop):
            raise ValidationError(
                _('Overflow step %(n)d: drop_skills must be a list of skills ("language:fr").'),
                params={"n": index},
            )
        try:
            steps.append(
                OverflowStep(
                    after_seconds=float(after),
                    max_tier_rank_delta=delta,
                    any_site=any_site,
                    drop_skills=frozenset(drop),
                )
            )
        except AcdError as exc:
            raise ValidationError(
                _("Overflow step %(n)d: %(error)s"), params={"n": index, "error": str(exc)}
            ) from exc
    try:
        Queue(queue_id="check", overflow=tuple(steps))
    except AcdError as exc:
        raise ValidationError(
            _(
                "Overflow steps must come later and later, and each must only widen the agents "
                "who may take the call (tier, site, dropped skills)."
            )
        ) from exc
    return tuple(steps)


class QueueRouting(models.Model):
    """How one queue routes its calls; a queue without a row uses the defaults."""

    queue = models.OneToOneField("network.Queue", on_delete=models.CASCADE, related_name="routing")
    strategy = models.CharField(
        _("strategy"),
        max_length=20,
        choices=[
            (Strategy.LONGEST_IDLE.value, _("Longest idle agent")),
            (Strategy.ROUND_ROBIN.value, _("Round robin")),
            (Strategy.FEWEST_CALLS.value, _("Fewest calls today")),
            (Strategy.BEST_PROFICIENCY.value, _("Best skilled")),
        ],
        default=Strategy.LONGEST_IDLE.value,
    )
    # Waits are compared as wait × weight across queues of the same priority.
    weight = models.FloatField(
        _("weight"), default=1.0, validators=[MinValueValidator(0.01), MaxValueValidator(100)]
    )
    service_level_seconds = models.PositiveIntegerField(
        _("service level threshold (s)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(3600)],
    )
    wrap_up_seconds = models.PositiveIntegerField(
        _("wrap-up (s)"), default=30, validators=[MaxValueValidator(3600)]
    )
    # An agent who lets a call ring this long is made not ready; the call goes back in line.
    ring_timeout_seconds = models.PositiveIntegerField(
        _("ring timeout (s)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(300)]
    )
    overflow = models.JSONField(
        _("overflow steps"), default=list, blank=True, validators=[validate_overflow]
    )
    handle_seconds = models.PositiveIntegerField(
        _("expected handle time (s)"),
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(36000)],
    )
    # Callers must speak with an agent who has their language (skill "language:<code>").
    match_language = models.BooleanField(_("match the caller's language"), default=True)
    # What the router learned, kept so that a router rebuilt elsewhere decides the same.
    learned_handle_seconds = models.FloatField(null=True, blank=True, editable=False)
    round_robin_last = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("queue routing")
        verbose_name_plural = _("queue routings")

    def __str__(self) -> str:
        return f"{self.queue} ({self.strategy})"

    def overflow_steps(self) -> tuple[OverflowStep, ...]:
        return overflow_steps(self.overflow)


class ContactState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    RINGING = "ringing", _("Ringing")
    CONNECTED = "connected", _("Connected")


class WaitingContact(models.Model):
    """A call or callback inside the ACD, from its arrival until it is answered and over."""

    key = models.CharField(max_length=40, unique=True)
    call = models.ForeignKey(
        "telephony.Call",
        on_delete=models.CASCADE,
        related_name="acd_contacts",
        null=True,
        blank=True,
    )
    callback = models.ForeignKey(
        "Callback", on_delete=models.CASCADE, related_name="contacts", null=True, blank=True
    )
    transfer = models.ForeignKey(
        "Transfer", on_delete=models.SET_NULL, related_name="contacts", null=True, blank=True
    )
    # The queue it waits in, or the agent it was transferred to (a personal queue).
    queue = models.ForeignKey(
        "network.Queue",
        on_delete=models.PROTECT,
        related_name="acd_contacts",
        null=True,
        blank=True,
    )
    target_agent = models.ForeignKey(
        "network.Agent", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    # Its place in line: a callback and a transferred call keep the first call's arrival.
    arrival = models.DateTimeField(_("arrival"))
    entered_at = models.DateTimeField(_("in this queue since"), default=timezone.now)
    priority = models.IntegerField(_("priority"), default=0)
    extra_skills = models.JSONField(_("extra skills"), default=dict, blank=True)
    is_callback = models.BooleanField(_("callback"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=ContactState.choices, default=ContactState.WAITING
    )
    agent = models.ForeignKey(
        "network.Agent",
        on_delete=models.PROTECT,
        related_name="acd_contacts",
        null=True,
        blank=True,
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # When a ringing agent counts as not answering.
    ring_deadline = models.DateTimeField(null=True, blank=True)
    overflow_step = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-priority", "arrival", "key"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(queue__isnull=False, target_agent__isnull=True)
                    | models.Q(queue__isnull=True, target_agent__isnull=False)
                ),
                name="waitingcontact_queue_or_agent",
            )
        ]
        indexes = [
            models.Index(fields=["queue", "state"]),
            models.Index(fields=["state", "ring_deadline"]),
        ]
        verbose_name = _("contact in the ACD")
        verbose_name_plural = _("contacts in the ACD")

    def __str__(self) -> str:
        return f"{self.key} {self.state}"


class CallbackStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RESERVED = "reserved", _("Agent reserved")
    DIALING = "dialing", _("Dialing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", pgettext_lazy("callback", "Cancelled")


CALLBACK_TRANSITIONS: dict[str, frozenset[str]] = {
    CallbackStatus.REQUESTED: frozenset(
        {CallbackStatus.RESERVED, CallbackStatus.CANCELLED, CallbackStatus.FAILED}
    ),
    # The reserved agent is taken back (cancelled) or the call is placed.
    CallbackStatus.RESERVED: frozenset(
        {CallbackStatus.DIALING, CallbackStatus.CANCELLED, CallbackStatus.FAILED}
    ),
    # Done, failed, or tried again later (back in line at its place).
    CallbackStatus.DIALING: frozenset(
        {CallbackStatus.DONE, CallbackStatus.FAILED, CallbackStatus.REQUESTED}
    ),
    CallbackStatus.DONE: frozenset(),
    CallbackStatus.FAILED: frozenset(),
    CallbackStatus.CANCELLED: frozenset(),
}
OPEN_CALLBACK_STATUSES = frozenset(
    {CallbackStatus.REQUESTED, CallbackStatus.RESERVED, CallbackStatus.DIALING}
)


class Callback(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        on_delete=models.PROTECT,
        related_name="callbacks",
        null=True,
        blank=True,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.PROTECT,
        related_name="callbacks",
        null=True,
        blank=True,
    )
    number = models.CharField(_("number (E.164)"), max_length=20)
    queue = models.ForeignKey("network.Queue", on_delete=models.PROTECT, related_name="callbacks")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # Not to be called before (a time the customer chose); None: as soon as possible.
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    # The place in line: the waiting call's arrival, or when the callback became due.
    original_arrival = models.DateTimeField(_("place in line since"))
    priority = models.IntegerField(_("priority"), default=0)
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CallbackStatus.choices,
        default=CallbackStatus.REQUESTED,
    )
    agent = models.ForeignKey(
        "network.Agent",
        on_delete=models.PROTECT,
        related_name="callbacks",
        null=True,
        blank=True,
    )
    # The waiting call it replaces (virtual hold), if any.
    call = models.ForeignKey(
        "telephony.Call",
        on_delete=models.SET_NULL,
        related_name="callbacks",
        null=True,
        blank=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    dialed_at = models.DateTimeField(_("dialed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The dialer's id of the call it placed.
    dial_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "not_before"])]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")

    def __str__(self) -> str:
        return f"{_('Callback')} {self.number} ({self.status})"


class TransferState(models.TextChoices):
    """pending → completed / failed; a consultation: pending → consulting (the target
    answered, the caller holds) → completed, or cancelled (the first agent keeps the call)."""

    PENDING = "pending", _("Pending")
    CONSULTING = "consulting", _("Consulting")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A transfer still under way: the first agent may complete or cancel a consultation.
OPEN_TRANSFER_STATES = (TransferState.PENDING, TransferState.CONSULTING)


class Transfer(models.Model):
    """A call handed on, blind or after consulting, with the incident it is about."""

    call = models.ForeignKey("telephony.Call", on_delete=models.CASCADE, related_name="transfers")
    from_agent = models.ForeignKey(
        "network.Agent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_queue = models.ForeignKey(
        "network.Queue", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_agent = models.ForeignKey(
        "network.Agent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_site = models.ForeignKey(
        "network.Site", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    consultative = models.BooleanField(_("consultative"), default=False)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=TransferState.choices, default=TransferState.PENDING
    )
    answered_by = models.ForeignKey(
        "network.Agent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{_('Transfer')} {self.pk} ({self.state})"


class RoutingVersion(models.Model):
    """One row: bumped by every routing decision, so a process knows its router is stale.

    ``token`` is new at each decision: a decision rolled back leaves the old token, so a
    router that saw the rolled-back changes is never mistaken for the current one.
    """

    version = models.BigIntegerField(default=0)
    token = models.CharField(max_length=32, blank=True)
    # The latest ``now`` any router has decided at: time never goes back across processes.
    clock = models.DateTimeField(null=True, blank=True)
    # When the poller must look again (a wrap-up ends, an overflow step, a ring timeout,
    # a scheduled callback); None: nothing is due.
    next_event_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("routing version")
        verbose_name_plural = _("routing versions")

    def __str__(self) -> str:
        return f"v{self.version}"


class EventKind(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ASSIGNED = "assigned", _("Assigned to an agent")
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("Not answered by the agent")
    ABANDONED = "abandoned", _("Abandoned")
    HUNG_UP = "hung_up", _("Hung up")
    OVERFLOWED = "overflowed", _("Overflowed")
    TRANSFERRED = "transferred", _("Transferred")
    CALLBACK = "callback", _("Turned into a callback")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AGENT_STATE = "agent_state", _("Agent state")


class RoutingEvent(AppendOnlyModel):
    """What the ACD did, when (append-only): the source of interval statistics."""

    append_only_message = "Routing events are append-only."

    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    queue = models.ForeignKey(
        "network.Queue", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    agent = models.ForeignKey(
        "network.Agent", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    contact_key = models.CharField(max_length=40, blank=True)
    call = models.ForeignKey(
        "telephony.Call", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    callback = models.ForeignKey(
        Callback, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    # answered/abandoned/assigned: seconds since arrival; hung_up: talk seconds.
    waited_seconds = models.FloatField(null=True, blank=True)
    handle_seconds = models.FloatField(null=True, blank=True)
    within_service_level = models.BooleanField(null=True, blank=True)
    overflow_step = models.PositiveSmallIntegerField(null=True, blank=True)
    # agent_state: the state entered and its reason.
    state = models.CharField(max_length=12, blank=True)
    reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["queue", "at"]),
            models.Index(fields=["agent", "at"]),
            models.Index(fields=["kind", "at"]),
        ]
        verbose_name = _("routing event")
        verbose_name_plural = _("routing events")

    def __str__(self) -> str:
        return f"{self.kind} {self.contact_key} {self.at:%H:%M:%S}"


class IntervalLength(models.IntegerChoices):
    QUARTER = 15, _("15 minutes")
    HALF_HOUR = 30, _("30 minutes")


class IntervalStat(models.Model):
    """One queue's figures over one closed interval, recomputed from ``RoutingEvent``.

    Written by the ``acd-stats`` poller (``escalade.contactcenter.stats``) once the
    interval is over; recomputing it gives the same row (upsert), so it may run twice.
    """

    queue = models.ForeignKey(
        "network.Queue", on_delete=models.CASCADE, related_name="interval_stats"
    )
    interval_start = models.DateTimeField(_("interval start"))
    length_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), choices=IntervalLength.choices
    )
    offered = models.PositiveIntegerField(_("offered"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    answered_within_sl = models.PositiveIntegerField(_("answered within service level"), default=0)
    abandoned = models.PositiveIntegerField(_("abandoned"), default=0)
    total_wait_seconds = models.FloatField(_("total wait of answered calls (s)"), default=0.0)
    total_handle_seconds = models.FloatField(_("total talk time (s)"), default=0.0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["interval_start", "queue_id", "length_minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "interval_start", "length_minutes"],
                name="intervalstat_unique_interval",
            )
        ]
        indexes = [models.Index(fields=["length_minutes", "interval_start"])]
        verbose_name = _("interval statistic")
        verbose_name_plural = _("interval statistics")

    def __str__(self) -> str:
        return f"{self.queue_id} {self.interval_start:%Y-%m-%d %H:%M} ({self.length_minutes})"
