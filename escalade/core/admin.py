from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.core.models import ApiToken, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Logs and histories: written by actions only, never by hand in the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "created_at", "last_used_at")
