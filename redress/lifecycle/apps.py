from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "redress.lifecycle"
    label = "lifecycle"
    verbose_name = "Case lifecycle"
