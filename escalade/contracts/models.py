"""Support contracts: service plans with targets, contracts, entitlements and their ledger."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.core.appendonly import AppendOnlyModel
from escalade.engines import entitlements as engine
from escalade.engines.business_time import Calendar
from escalade.network.models import BusinessCalendar, SupportOrganization


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")


class Coverage(models.TextChoices):
    BUSINESS_HOURS = "business_hours", _("Business hours")
    ALWAYS = "24x7", _("24 × 7")


SEVERITIES = (1, 2, 3, 4)


def validate_channels(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give at least one channel."))
    unknown = sorted(set(map(str, value)) - set(Channel.values))
    if unknown:
        raise ValidationError(
            _("Unknown channel(s): %(names)s."), params={"names": ", ".join(unknown)}
        )


def validate_severities(value: object) -> None:
    if not isinstance(value, list) or any(v not in SEVERITIES for v in value):
        raise ValidationError(_("Severities are 1 (critical) to 4 (low)."))


@lru_cache(maxsize=64)
def always_open(time_zone: str) -> Calendar:
    return Calendar.twenty_four_seven(time_zone)


class ServicePlan(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    coverage = models.CharField(
        _("coverage"), max_length=20, choices=Coverage.choices, default=Coverage.BUSINESS_HOURS
    )
    # The business hours and holidays the clocks run in; for 24 × 7, only its time zone counts.
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="service_plans"
    )
    channels = models.JSONField(_("channels"), default=list, validators=[validate_channels])
    # Share of a target after which the clock shows a warning.
    warning_share = models.FloatField(
        _("warning at share of target"),
        default=0.75,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.99)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")

    def __str__(self) -> str:
        return self.name

    def engine_calendar(self, *, first_year: int, last_year: int) -> Calendar:
        if self.coverage == Coverage.ALWAYS:
            return always_open(self.calendar.time_zone)
        return self.calendar.to_engine(first_year=first_year, last_year=last_year)


class ServiceTarget(models.Model):
    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="targets")
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        ordering = ["plan", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "severity"], name="servicetarget_unique"),
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=4),
                name="servicetarget_severity_1_4",
            ),
        ]
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")

    def __str__(self) -> str:
        return f"{self.plan} S{self.severity}"


class Contract(models.Model):
    number = models.CharField(_("contract number"), max_length=30, unique=True)
    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="contracts"
    )
    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="contracts")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    products = models.ManyToManyField("customers.Product", related_name="contracts", blank=True)
    # None: L1 is handled internally (always so for premier accounts).
    l1_partner = models.ForeignKey(
        SupportOrganization,
        on_delete=models.PROTECT,
        related_name="l1_contracts",
        null=True,
        blank=True,
        limit_choices_to={"kind": "partner"},
        verbose_name=_("L1 partner"),
    )

    class Meta:
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["account", "ends_on"])]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        if (
            self.l1_partner_id is not None
            and self.account_id is not None
            and self.account.segment == "premier"
        ):
            raise ValidationError(
                {"l1_partner": _("Premier accounts are handled internally from L1.")}
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A contract cannot end before it starts.")})
        if self.cancelled_on and self.starts_on and self.cancelled_on < self.starts_on:
            raise ValidationError({"cancelled_on": _("Cancelled before it started.")})


class Period(models.TextChoices):
    CONTRACT_TERM = engine.Period.CONTRACT_TERM.value, _("Whole contract term")
    YEARLY = engine.Period.YEARLY.value, _("Per contract year")
    MONTHLY = engine.Period.MONTHLY.value, _("Per month")


class Entitlement(models.Model):
    """An incident allowance, e.g. "two major incidents a year, bugs excluded"."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="entitlements")
    name = models.CharField(_("name"), max_length=120)
    allowance = models.PositiveIntegerField(_("allowance per period"))
    period = models.CharField(
        _("period"), max_length=20, choices=Period.choices, default=Period.YEARLY
    )
    counted_severities = models.JSONField(
        _("severities counted"), default=list, validators=[validate_severities]
    )
    excludes_bugs = models.BooleanField(_("product bugs do not count"), default=True)

    class Meta:
        ordering = ["contract", "name"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self) -> str:
        return f"{self.contract}: {self.name}"

    def to_engine(self) -> engine.EntitlementTerms:
        return engine.EntitlementTerms(
            entitlement_id=self.pk,
            name=self.name,
            allowance=self.allowance,
            period=engine.Period(self.period),
            counted_severities=frozenset(self.counted_severities),
            excludes_bugs=self.excludes_bugs,
        )


class EntryKind(models.TextChoices):
    CONSUME = engine.EntryKind.CONSUME.value, _("Consumed")
    REFUND = engine.EntryKind.REFUND.value, _("Refunded")


class EntitlementEntry(AppendOnlyModel):
    """One line of the append-only allowance ledger. Corrections are new refund lines."""

    append_only_message = "The entitlement ledger is append-only."
    deletable = False

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    refunds = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunded_by"
    )
    # The incident this entry is about (a number until incidents exist as records).
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["entitlement", "occurred_at"])]
        verbose_name = _("entitlement entry")
        verbose_name_plural = _("entitlement ledger")

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.entitlement}"

    def to_engine(self) -> engine.LedgerEntry:
        return engine.LedgerEntry(
            entry_id=self.pk,
            entitlement_id=self.entitlement_id,
            kind=engine.EntryKind(self.kind),
            quantity=self.quantity,
            occurred_at=self.occurred_at,
            refunds_entry_id=self.refunds_id,
        )
