import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from redress.escalation.models import DEFAULT_MEDIA_PHRASES, DEFAULT_TOP_MEDIA_PHRASES

    rules = apps.get_model("escalation", "TriggerSettings")
    if not rules.objects.exists():
        rules.objects.create(
            version=1,
            effective_from=dt.date(2020, 3, 1),
            media_phrases=DEFAULT_MEDIA_PHRASES,
            top_media_phrases=DEFAULT_TOP_MEDIA_PHRASES,
        )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
