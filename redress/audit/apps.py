from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "redress.audit"
    label = "audit"
    verbose_name = _("audit trail")

    def ready(self) -> None:
        # The receiver that copies the admin site's change records into the chain.
        from . import services  # noqa: F401
