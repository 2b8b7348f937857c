from redress.notifications.testing import smtp_server  # noqa: F401  (fixture)
