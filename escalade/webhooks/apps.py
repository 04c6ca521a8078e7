from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from escalade.core.worker import register_poller


class WebhooksConfig(AppConfig):
    name = "escalade.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Imported here, as Django wants: the poller's module needs the loaded models.
        from escalade.webhooks.delivery import DeliveryPoller

        register_poller(DeliveryPoller())
