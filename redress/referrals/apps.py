from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "redress.referrals"
    label = "referrals"
    verbose_name = "referrals"
