from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "redress.notifications"
    label = "notifications"
    verbose_name = _("notifications")

    def ready(self) -> None:
        # Makes Redress's Celery app the current one in every process (web, worker, commands), so tasks
        # are sent with its broker and queue settings rather than Celery's defaults.
        import redress.celery  # noqa: F401
