from django.contrib import admin

from escalade.core.admin import ReadOnlyAdmin
from escalade.webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    # The secret is not editable and not shown: the API shows it once, at creation.
    readonly_fields = ("created_at",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """A log: read it here, re-queue failures through the API."""

    list_display = (
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
    )
    list_filter = ("status", "event", "endpoint")
    search_fields = ("event_id", "event")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
