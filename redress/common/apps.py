from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "redress.common"
    label = "common"
    verbose_name = _("common records")

    def ready(self) -> None:
        from .driver import keep_parsed_statements

        keep_parsed_statements()
