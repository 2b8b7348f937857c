# Writes to this app's reference tables change their token, so every process's cache sees them
# (redress.common.reference).
from django.db import migrations

from redress.common.reference import watch


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial"), ("deadlines", "0003_clock_case_index")]

    operations = [
        watch("policies", "deadlines_policy"),
    ]
