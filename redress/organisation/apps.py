from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "redress.organisation"
    label = "organisation"
    verbose_name = _("units and staff")
