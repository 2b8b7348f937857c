from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """What a complaint is about: Chinese words, search, similarity of matters, repeats and groups."""

    name = "redress.matching"
    label = "matching"
    verbose_name = _("search and similar matters")
