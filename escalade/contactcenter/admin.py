from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from escalade.contactcenter.models import (
    AgentPresence,
    Callback,
    QueueRouting,
    RoutingEvent,
    Transfer,
    WaitingContact,
)
from escalade.contactcenter.service import service


@admin.register(QueueRouting)
class QueueRoutingAdmin(admin.ModelAdmin[QueueRouting]):
    list_display = ["queue", "strategy", "service_level_seconds", "wrap_up_seconds"]
    search_fields = ["queue__name"]

    # Every process's router reads these rows: a change made here bumps the routing
    # version, so the next decision anywhere rebuilds its router from the tables.
    def save_model(self, request: HttpRequest, obj: QueueRouting, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        service.routing_changed(actor=request.user, reason=f"Routing of {obj.queue} edited")

    def delete_model(self, request: HttpRequest, obj: QueueRouting) -> None:
        queue = obj.queue
        super().delete_model(request, obj)
        service.routing_changed(actor=request.user, reason=f"Routing of {queue} reset")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[QueueRouting]) -> None:
        super().delete_queryset(request, queryset)
        service.routing_changed(actor=request.user, reason="Queue routings reset")


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin[AgentPresence]):
    # States change through the ACD only (the router in memory must agree with them).
    list_display = ["agent", "state", "reason", "since", "calls_handled"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in AgentPresence._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(WaitingContact)
class WaitingContactAdmin(admin.ModelAdmin[WaitingContact]):
    list_display = ["key", "queue", "target_agent", "state", "agent", "priority", "arrival"]
    list_filter = ["state", "queue"]
    readonly_fields = [f.name for f in WaitingContact._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin[Callback]):
    list_display = ["number", "queue", "status", "agent", "requested_at", "original_arrival"]
    list_filter = ["status", "queue"]
    readonly_fields = [f.name for f in Callback._meta.fields]


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin[Transfer]):
    list_display = ["call", "from_agent", "to_queue", "to_agent", "consultative", "state"]
    readonly_fields = [f.name for f in Transfer._meta.fields]


@admin.register(RoutingEvent)
class RoutingEventAdmin(admin.ModelAdmin[RoutingEvent]):
    list_display = ["at", "kind", "queue", "agent", "contact_key", "waited_seconds"]
    list_filter = ["kind", "queue"]
    readonly_fields = [f.name for f in RoutingEvent._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
