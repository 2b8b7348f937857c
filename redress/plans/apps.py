from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "redress.plans"
    label = "plans"
