"""The support network: organisations, sites, tiers, teams, queues, agents, skills."""

from __future__ import annotations

import json
import zoneinfo
from datetime import date, time
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.core.roles import Role
from escalade.engines.business_time import Calendar, CalendarError, OpenWindow

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def validate_dates(value: object) -> None:
    try:
        if not isinstance(value, list):
            raise TypeError
        for item in value:
            date.fromisoformat(item)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Closed days are a list of dates (YYYY-MM-DD).")) from exc


def validate_holiday_country(value: str) -> None:
    if value and value not in holidays.list_supported_countries():
        raise ValidationError(
            _("No public-holiday rules are known for %(value)s."), params={"value": value}
        )


def validate_weekly_hours(value: object) -> None:
    """Weekly hours are {"mon": [["09:00", "18:00"]], ...}; days left out are closed."""
    if not isinstance(value, dict):
        raise ValidationError(_("Weekly hours must map weekdays to lists of [start, end]."))
    for day, windows in value.items():
        if day not in WEEKDAY_KEYS:
            raise ValidationError(_("Unknown weekday %(day)s."), params={"day": day})
        if not isinstance(windows, list):
            raise ValidationError(_("Hours of %(day)s must be a list."), params={"day": day})
        for window in windows:
            try:
                start, end = (_parse_clock(part) for part in window)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    _('Bad window %(window)s on %(day)s: use ["HH:MM", "HH:MM"].'),
                    params={"window": window, "day": day},
                ) from exc
            if end != time.max and end <= start:
                raise ValidationError(
                    _("On %(day)s a window ends before it starts."), params={"day": day}
                )


def _parse_clock(text: str) -> time:
    if text in {"24:00", "24:00:00"}:
        return time.max
    return time.fromisoformat(text)


@lru_cache(maxsize=256)
def public_holidays(
    country: str, subdivision: str, first_year: int, last_year: int
) -> frozenset[date]:
    """A country's public holidays; cached because the rules only change with the library."""
    return frozenset(
        holidays.country_holidays(
            country, subdiv=subdivision or None, years=range(first_year, last_year + 1)
        ).keys()
    )


@lru_cache(maxsize=256)
def _engine_calendar(
    time_zone: str,
    always_open: bool,
    weekly_hours: str,
    holiday_country: str,
    holiday_subdivision: str,
    closed_dates: tuple[str, ...],
    first_year: int,
    last_year: int,
) -> Calendar:
    if always_open:
        return Calendar.twenty_four_seven(time_zone)
    days = frozenset(date.fromisoformat(d) for d in closed_dates)
    if holiday_country:
        days |= public_holidays(holiday_country, holiday_subdivision, first_year, last_year)
    windows = tuple(
        OpenWindow(weekday=WEEKDAY_KEYS.index(day), start=_parse_clock(s), end=_parse_clock(e))
        for day, spans in json.loads(weekly_hours).items()
        for s, e in spans
    )
    return Calendar(time_zone=time_zone, windows=windows, holidays=days)


class OrganizationKind(models.TextChoices):
    COUNTRY_CENTER = "country_center", _("Vendor country center")
    PARTNER = "partner", _("Partner (outsourcer)")
    REGIONAL_CENTER = "regional_center", _("Regional support center")
    PRODUCT_GROUP = "product_group", _("Product group")


class SupportOrganization(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    country = models.CharField(_("country"), max_length=2, blank=True)
    # Countries a regional center serves (ISO codes); empty for the others.
    served_countries = models.JSONField(_("countries served"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("support organisation")
        verbose_name_plural = _("support organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_partner(self) -> bool:
        return self.kind == OrganizationKind.PARTNER


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, with a country's public holidays, or 24 × 7."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    always_open = models.BooleanField(_("24 × 7"), default=False)
    weekly_hours = models.JSONField(
        _("weekly hours"), default=dict, blank=True, validators=[validate_weekly_hours]
    )
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, blank=True, validators=[validate_holiday_country]
    )
    holiday_subdivision = models.CharField(_("region"), max_length=10, blank=True)
    # Extra closing days (ISO dates), e.g. a site closure.
    closed_dates = models.JSONField(
        _("extra closed days"), default=list, blank=True, validators=[validate_dates]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.always_open:
            return
        if not self.weekly_hours:
            raise ValidationError(
                {"weekly_hours": _("Give opening hours, or make the calendar 24 × 7.")}
            )
        try:
            Calendar(time_zone=self.time_zone, windows=self.engine_windows())
        except (CalendarError, ValueError, TypeError) as exc:
            raise ValidationError({"weekly_hours": str(exc)}) from exc

    def engine_windows(self) -> tuple[OpenWindow, ...]:
        return tuple(
            OpenWindow(weekday=WEEKDAY_KEYS.index(day), start=_parse_clock(s), end=_parse_clock(e))
            for day, spans in self.weekly_hours.items()
            for s, e in spans
        )

    def to_engine(self, *, first_year: int, last_year: int) -> Calendar:
        """The engine's calendar; the same object for the same definition and years.

        Handing the engine the same object lets it reuse its compiled index of open
        intervals instead of rebuilding it for every incident.
        """
        return _engine_calendar(
            self.time_zone,
            self.always_open,
            json.dumps(self.weekly_hours, sort_keys=True),
            self.holiday_country,
            self.holiday_subdivision,
            tuple(sorted(self.closed_dates)),
            first_year,
            last_year,
        )


class Site(models.Model):
    organization = models.ForeignKey(
        SupportOrganization, on_delete=models.PROTECT, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="sites", null=True, blank=True
    )

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="site_unique_name")
        ]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.organization} – {self.name}"


class Tier(models.Model):
    """A support level; escalation goes to the next rank (L1 → L2 → RSC → L3 by default)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.code


class SkillKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    LANGUAGE = "language", _("Language")
    TIER = "tier", _("Tier")


class Skill(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=SkillKind.choices)
    # A product code, an ISO language code or a tier code, depending on the kind.
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="skill_unique_code")]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


# The roles an outsourcer's people may hold: never internal, engineering or admin ones.
PARTNER_ROLES = frozenset({Role.PARTNER_AGENT, Role.SUPERVISOR})


class Team(models.Model):
    organization = models.ForeignKey(
        SupportOrganization, on_delete=models.PROTECT, related_name="teams"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="teams", null=True, blank=True
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")
        ]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.site is not None and self.site.organization_id != self.organization_id:
            raise ValidationError({"site": _("The site belongs to another organisation.")})


class Queue(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    organization = models.ForeignKey(
        SupportOrganization, on_delete=models.PROTECT, related_name="queues"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="queues", null=True, blank=True
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="queues")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, related_name="queues", null=True, blank=True
    )
    required_skills = models.ManyToManyField(Skill, related_name="queues", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A person who works in the support network: a Django user with a place in it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    organization = models.ForeignKey(
        SupportOrganization, on_delete=models.PROTECT, related_name="agents"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="agents", null=True, blank=True
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="agents")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, related_name="agents", null=True, blank=True
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.INTERNAL_AGENT
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    skills = models.ManyToManyField(Skill, through="AgentSkill", related_name="agents", blank=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if self.role == Role.CUSTOMER:
            raise ValidationError({"role": _("An agent cannot have the customer role.")})
        if self.site is not None and self.site.organization_id != self.organization_id:
            raise ValidationError({"site": _("The site belongs to another organisation.")})
        if self.team is not None and self.team.organization_id != self.organization_id:
            raise ValidationError({"team": _("The team belongs to another organisation.")})
        if (
            self.organization_id is not None
            and self.organization.is_partner
            and self.role not in PARTNER_ROLES
        ):
            raise ValidationError(
                {"role": _("Partner staff may only be partner agents or supervisors.")}
            )


class AgentSkill(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_levels")
    proficiency = models.PositiveSmallIntegerField(
        _("proficiency"), validators=[MinValueValidator(1), MaxValueValidator(5)], default=3
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique"),
            models.CheckConstraint(
                condition=models.Q(proficiency__gte=1, proficiency__lte=5),
                name="agentskill_proficiency_1_5",
            ),
        ]
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")

    def __str__(self) -> str:
        return f"{self.agent} {self.skill} {self.proficiency}"
