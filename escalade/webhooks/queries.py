"""Reads of webhooks; only administrators reach them, so nothing is scoped further."""

from django.db.models import QuerySet

from escalade.core.principal import Principal
from escalade.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints(principal: Principal) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def deliveries(principal: Principal) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.all()
