from django.contrib import admin

from escalade.network.models import (
    Agent,
    AgentSkill,
    BusinessCalendar,
    Queue,
    Site,
    Skill,
    SupportOrganization,
    Team,
    Tier,
)


@admin.register(SupportOrganization)
class OrganizationAdmin(admin.ModelAdmin[SupportOrganization]):
    list_display = ("name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(BusinessCalendar)
class CalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = ("name", "time_zone", "always_open", "holiday_country")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("name", "organization", "country", "time_zone")
    list_filter = ("organization",)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin[Tier]):
    list_display = ("code", "name", "rank")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    list_display = ("kind", "code", "name")
    list_filter = ("kind",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "organization", "site", "tier")


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ("name", "organization", "site", "tier")
    list_filter = ("tier", "organization")
    filter_horizontal = ("required_skills",)


class AgentSkillInline(admin.TabularInline[AgentSkill, Agent]):
    model = AgentSkill
    extra = 0


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin[Agent]):
    list_display = ("user", "role", "organization", "site", "tier", "is_active")
    list_filter = ("role", "organization", "tier")
    search_fields = ("user__username", "user__last_name")
    inlines = [AgentSkillInline]
    raw_id_fields = ("user",)
