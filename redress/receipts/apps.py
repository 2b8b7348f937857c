from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "redress.receipts"
    verbose_name = "receipts"
