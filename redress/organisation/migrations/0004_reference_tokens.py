# Writes to this app's reference tables change their token, so every process's cache sees them
# (redress.common.reference).
from django.db import migrations

from redress.common.reference import watch


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial"), ("organisation", "0003_system_actor")]

    operations = [
        watch("organisation", "organisation_unit"),
        watch("organisation", "organisation_staff", ["username", "unit_id", "is_active", "name", "email", "phone"]),
        watch("organisation", "organisation_staffrole"),
        watch("organisation", "organisation_workgroup"),
        watch("organisation", "organisation_workgroupmember"),
    ]
