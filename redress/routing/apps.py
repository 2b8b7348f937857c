from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "redress.routing"
    label = "routing"
