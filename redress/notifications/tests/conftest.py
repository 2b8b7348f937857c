from redress.notifications.testing import (  # noqa: F401  (fixtures)
    celery_broker,
    celery_worker,
    smtp_server,
    webhook_receiver,
)
