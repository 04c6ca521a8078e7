from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from escalade.core.worker import register_poller


class ContactCenterConfig(AppConfig):
    name = "escalade.contactcenter"
    label = "contactcenter"
    verbose_name = _("Contact center")

    def ready(self) -> None:
        # Imported here, as Django wants: the poller's module needs the loaded models.
        from escalade.contactcenter.registry_watch import watch_registry
        from escalade.contactcenter.worker import (
            AcdPoller,
            CallbackSweeper,
            IntervalStatsPoller,
        )

        watch_registry()
        register_poller(AcdPoller())
        register_poller(CallbackSweeper())
        register_poller(IntervalStatsPoller())
