from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "redress.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from django.core import signals

        from . import reference
        from .driver import keep_parsed_statements

        keep_parsed_statements()
        signals.request_started.connect(reference.request_started, dispatch_uid="redress-reference-request")
        signals.request_finished.connect(reference.request_finished, dispatch_uid="redress-reference-request")
