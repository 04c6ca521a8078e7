"""Incidents: the case file, its status history, escalation path, timeline and SLA events."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.contracts.models import Channel
from escalade.core.appendonly import AppendOnlyModel


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    PENDING_VENDOR = "pending_vendor", _("Pending vendor")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Where each status may go; anything else is refused with the allowed list.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {
            Status.OPEN,
            Status.PENDING_CUSTOMER,
            Status.PENDING_VENDOR,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
    Status.OPEN: frozenset(
        {Status.PENDING_CUSTOMER, Status.PENDING_VENDOR, Status.RESOLVED, Status.CLOSED}
    ),
    Status.PENDING_CUSTOMER: frozenset(
        {Status.OPEN, Status.PENDING_VENDOR, Status.RESOLVED, Status.CLOSED}
    ),
    Status.PENDING_VENDOR: frozenset({Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset(),
    # Closing a reopened case directly is a cancellation ("it works again, thanks").
    Status.REOPENED: frozenset(
        {
            Status.OPEN,
            Status.PENDING_CUSTOMER,
            Status.PENDING_VENDOR,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
}
ACTIVE_STATUSES = frozenset(
    {Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_VENDOR, Status.REOPENED}
)


class Classification(models.TextChoices):
    UNCLASSIFIED = "unclassified", _("Not classified yet")
    HOW_TO = "how_to", _("How-to question")
    CONFIGURATION = "configuration", _("Configuration")
    INSTALLATION = "installation", _("Installation")
    PERFORMANCE = "performance", _("Performance")
    DEFECT = "defect", _("Defect (product bug)")
    OTHER = "other", _("Other")


class Coverage(models.TextChoices):
    ENTITLED = "entitled", _("Covered by the contract")
    OVERRIDE = "override", _("Supervisor override")
    PAID = "paid", _("Paid per incident")


class Closure(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")


class Incident(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="incidents"
    )
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, related_name="incidents", null=True
    )
    licence = models.ForeignKey(
        "customers.Licence", on_delete=models.PROTECT, related_name="incidents", null=True
    )
    product = models.ForeignKey(
        "customers.Product", on_delete=models.PROTECT, related_name="incidents", null=True
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="incidents", null=True
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    classification = models.CharField(
        _("classification"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.UNCLASSIFIED,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    queue = models.ForeignKey("network.Queue", on_delete=models.PROTECT, related_name="incidents")
    tier = models.ForeignKey("network.Tier", on_delete=models.PROTECT, related_name="incidents")
    owner = models.ForeignKey(
        "network.Agent",
        on_delete=models.SET_NULL,
        related_name="owned_incidents",
        null=True,
        blank=True,
    )
    bug_reference = models.CharField(_("product bug"), max_length=60, blank=True)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    coverage = models.CharField(
        _("coverage"), max_length=10, choices=Coverage.choices, default=Coverage.ENTITLED
    )
    coverage_note = models.CharField(_("coverage note"), max_length=300, blank=True)
    closure = models.CharField(_("closure"), max_length=10, choices=Closure.choices, blank=True)
    # The organisation whose agent opened the case: partners keep read access to it.
    opened_by_organization = models.ForeignKey(
        "network.SupportOrganization", on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Derived from the clocks, kept for sorting and for the SLA watcher's index.
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_state = models.CharField(max_length=10, default="ok")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["queue", "status"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["account", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=4), name="incident_severity_1_4"
            )
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class StatusChange(AppendOnlyModel):
    """The status history the SLA clocks are computed from. Never edited."""

    append_only_message = "The status history is append-only."

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_changes")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class Direction(models.TextChoices):
    UP = "up", _("Escalated")
    DOWN = "down", _("De-escalated")
    ACROSS = "across", _("Transferred")


class Escalation(models.Model):
    """One step of the escalation path: from a queue and tier to another, and why."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalations")
    at = models.DateTimeField(default=timezone.now)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    from_queue = models.ForeignKey("network.Queue", on_delete=models.PROTECT, related_name="+")
    to_queue = models.ForeignKey("network.Queue", on_delete=models.PROTECT, related_name="+")
    from_tier = models.ForeignKey("network.Tier", on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey("network.Tier", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_queue} → {self.to_queue}"


class IncidentAccess(models.Model):
    """An organisation that keeps read access to a case it handed on."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="access_grants")
    organization = models.ForeignKey(
        "network.SupportOrganization", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "organization"], name="incidentaccess_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.organization} reads {self.incident}"


class EntryKind(models.TextChoices):
    NOTE = "note", _("Note")
    DIAGNOSTIC = "diagnostic", _("Diagnostic step")
    STATUS = "status", _("Status change")
    ESCALATION = "escalation", _("Escalation")
    SLA = "sla", _("SLA")
    ENTITLEMENT = "entitlement", _("Entitlement")
    INTAKE = "intake", _("Intake")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")


class TimelineEntry(AppendOnlyModel):
    """One step on the chronological, append-only timeline of an incident and its customer."""

    append_only_message = "The timeline is append-only."
    deletable = False

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="timeline"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="timeline", null=True, blank=True
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    # Customer-visible entries show on the portal; internal ones only to staff.
    customer_visible = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["incident", "at"]),
            models.Index(fields=["account", "at"]),
        ]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class SlaEventKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class SlaEvent(models.Model):
    """A warning or breach of one clock; the unique constraint makes each happen once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sla_events")
    # "first_response", "resolution" or "handoff:<escalation id or 0>".
    clock = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=SlaEventKind.choices)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "clock", "kind"], name="slaevent_once")
        ]
        indexes = [models.Index(fields=["kind", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.incident} {self.clock} {self.kind}"


class RoutingRule(models.Model):
    """Where cases go: at a tier, for these products, segments, contracts, languages, countries."""

    queue = models.ForeignKey("network.Queue", on_delete=models.CASCADE, related_name="rules")
    tier = models.ForeignKey("network.Tier", on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    product = models.ForeignKey(
        "customers.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    segment = models.CharField(_("segment"), max_length=10, blank=True)
    l1_partner = models.ForeignKey(
        "network.SupportOrganization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    internal_l1 = models.BooleanField(_("only internally handled contracts"), null=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)

    class Meta:
        ordering = ["tier__rank", "priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.tier} → {self.queue}"


class TierTarget(models.Model):
    """How long a tier may hold a case (business minutes of the plan's calendar)."""

    tier = models.OneToOneField("network.Tier", on_delete=models.CASCADE, related_name="target")
    handoff_minutes = models.PositiveIntegerField(_("hand-off target (business minutes)"))

    class Meta:
        verbose_name = _("tier target")
        verbose_name_plural = _("tier targets")

    def __str__(self) -> str:
        return f"{self.tier}: {self.handoff_minutes} min"
