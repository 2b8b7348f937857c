from redress.notifications.testing import (  # noqa: F401  (fixtures: a real Celery worker, SMTP server, receiver)
    celery_broker,
    celery_worker,
    smtp_server,
    webhook_receiver,
)
