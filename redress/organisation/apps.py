from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "redress.organisation"
    label = "organisation"
