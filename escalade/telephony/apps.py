from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from escalade.contactcenter.ports import register_call_control


class TelephonyConfig(AppConfig):
    name = "escalade.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        # Imported here, as Django wants: the module needs the loaded models.
        from escalade.telephony.acd import TelephonyCallControl

        # The ACD rings agents through telephony (it cannot import it: layers).
        register_call_control(TelephonyCallControl())
