"""The band keys are now computed by Redress's own MinHash (`similarity.signature`), not datasketch's: every
case's bands are stored again, so that a new case still meets the earlier cases alike to it."""

from django.db import migrations

BATCH = 2000


def store_again(apps, schema_editor):
    from redress.matching.similarity import band_keys, concepts

    Case = apps.get_model("cases", "Case")
    MatterBand = apps.get_model("matching", "MatterBand")
    db = schema_editor.connection.alias
    last = 0
    while True:
        chunk = list(
            Case.objects.using(db).filter(pk__gt=last).order_by("pk").values_list("pk", "matter", "received_at")[
                :BATCH
            ]
        )
        if not chunk:
            return
        MatterBand.objects.using(db).filter(case_id__in=[pk for pk, _, _ in chunk]).delete()
        MatterBand.objects.using(db).bulk_create(
            [
                MatterBand(key=key, received_at=received_at, case_id=pk)
                for pk, matter, received_at in chunk
                for key in band_keys(concepts(matter))
            ]
        )
        last = chunk[-1][0]


class Migration(migrations.Migration):
    dependencies = [("matching", "0004_matter_bands")]

    operations = [migrations.RunPython(store_again, migrations.RunPython.noop, elidable=True)]
