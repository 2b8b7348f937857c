from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    # The package is named `calendar`; modules inside it use absolute imports so `import calendar` still
    # reaches the standard library.
    name = "redress.calendar"
    label = "calendar"
    verbose_name = _("business calendar")
