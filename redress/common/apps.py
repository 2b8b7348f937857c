from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "redress.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from .driver import keep_parsed_statements

        keep_parsed_statements()
