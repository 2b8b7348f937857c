from django.db import migrations


def load_shipped(apps, schema_editor):
    from redress.cases.classification import SHIPPED_EFFECTIVE, SHIPPED_FILE, SHIPPED_NAME, load_version

    version_model = apps.get_model("cases", "ClassificationVersion")
    item_model = apps.get_model("cases", "ClassificationItem")
    if version_model.objects.filter(name=SHIPPED_NAME).exists():
        return
    load_version(
        version_model,
        item_model,
        name=SHIPPED_NAME,
        effective_from=SHIPPED_EFFECTIVE,
        text=SHIPPED_FILE.read_text(encoding="utf-8"),
        activate=not version_model.objects.filter(active=True).exists(),
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(load_shipped, migrations.RunPython.noop)]
