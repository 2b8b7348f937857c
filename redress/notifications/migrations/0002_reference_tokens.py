# Writes to the preferences and webhook endpoints change their tokens, so every process's cache sees them
# (redress.common.reference).
from django.db import migrations

from redress.common.reference import watch


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial"), ("notifications", "0001_initial")]

    operations = [
        watch("preferences", "notifications_notificationpreference"),
        watch("webhooks", "notifications_webhookendpoint"),
    ]
