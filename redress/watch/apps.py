from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "redress.watch"
    label = "watch"
    verbose_name = "watch"
