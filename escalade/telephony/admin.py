from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.core.admin import ReadOnlyAdmin
from escalade.telephony.models import Call, CallConnection, CallEvent


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ConnectionInline(ReadOnlyInline):
    model = CallConnection
    fields = ("party", "agent", "queue", "number", "state", "offered_at", "connected_at", "cause")


class EventInline(ReadOnlyInline):
    model = CallEvent
    fields = ("kind", "at", "source", "key", "payload")


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    """A log: calls are written by the telephony actions only."""

    list_display = ("started_at", "direction", "from_number", "account", "agent", "state", "cause")
    list_filter = ("state", "direction", "source")
    search_fields = ("external_id", "from_number", "from_e164", "to_number")
    list_select_related = ("account", "agent__user")
    date_hierarchy = "started_at"
    inlines = (ConnectionInline, EventInline)
