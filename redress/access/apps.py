from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "redress.access"
    label = "access"
