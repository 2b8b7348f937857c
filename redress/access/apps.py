from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    default = True  # this module also holds django-axes' configuration, below
    name = "redress.access"
    label = "access"
    verbose_name = _("access and sign-in")

    def ready(self) -> None:
        # The receivers: lockouts logged, tokens revoked on a password change or deactivation, the idle
        # clock started at login.
        from . import lockout, middleware, tokens  # noqa: F401


class LoginAttemptsConfig(AxesConfig):
    """django-axes as the admin names it to the bank: its records are the failed sign-ins and lockouts."""

    verbose_name = _("login attempts")
