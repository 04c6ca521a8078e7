from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from escalade.core.worker import register_poller


class IncidentsConfig(AppConfig):
    name = "escalade.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        # Imported here, as Django wants: the watcher's module needs the loaded models.
        from escalade.incidents.watcher import SlaPoller

        register_poller(SlaPoller())
