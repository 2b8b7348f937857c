from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiptsConfig(AppConfig):
    name = "redress.receipts"
    verbose_name = _("reports from the public")
