from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "redress.escalation"
    label = "escalation"
