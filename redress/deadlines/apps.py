from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "redress.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the clocks to the case lifecycle and the calendar)
