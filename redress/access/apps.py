from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "redress.access"
    label = "access"

    def ready(self) -> None:
        # The receivers: lockouts logged, tokens revoked on a password change or deactivation, the idle
        # clock started at login.
        from . import lockout, middleware, tokens  # noqa: F401
