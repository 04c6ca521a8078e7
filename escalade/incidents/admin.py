from django.contrib import admin

from escalade.core.admin import ReadOnlyAdmin
from escalade.incidents.models import Incident, RoutingRule, SlaEvent, TierTarget, TimelineEntry


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "account", "severity", "status", "queue", "sla_state")
    list_filter = ("status", "severity", "sla_state", "queue")
    search_fields = ("number", "title", "account__search_name")


@admin.register(TimelineEntry)
class TimelineAdmin(ReadOnlyAdmin):
    list_display = ("at", "incident", "kind", "actor", "customer_visible")
    list_filter = ("kind",)


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin):
    list_display = ("incident", "clock", "kind", "due_at", "raised_at")
    list_filter = ("kind",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ("tier", "queue", "priority", "product", "segment", "l1_partner", "language")
    list_filter = ("tier",)


@admin.register(TierTarget)
class TierTargetAdmin(admin.ModelAdmin[TierTarget]):
    list_display = ("tier", "handoff_minutes")
