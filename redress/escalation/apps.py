from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "redress.escalation"
    label = "escalation"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (triggers run at registration; notices close with the case)
