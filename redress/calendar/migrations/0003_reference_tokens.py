# Writes to this app's reference tables change their token, so every process's cache sees them
# (redress.common.reference).
from django.db import migrations

from redress.common.reference import watch


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial"), ("calendar", "0002_seed_cn")]

    operations = [
        watch("calendar", "calendar_jurisdiction"),
        watch("calendar", "calendar_calendarday"),
        watch("calendar", "calendar_calendaryear"),
    ]
