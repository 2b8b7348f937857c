from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "redress.audit"
    label = "audit"

    def ready(self) -> None:
        # The receiver that copies the admin site's change records into the chain.
        from . import services  # noqa: F401
