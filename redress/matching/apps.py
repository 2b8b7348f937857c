from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """What a complaint is about: Chinese words, search, similarity of matters, repeats and groups."""

    name = "redress.matching"
    label = "matching"
    verbose_name = "Matching"
