from django.db import migrations


def fill_the_ancestors_slices(apps, schema_editor):
    # The slices by the registering unit's ancestor (province, branch, sub-branch), summed from the cases'
    # figures less the changes not yet folded (the next fold adds those to them as to every slice).
    from ._frozen_sql import SLICES_0009, fill_slices, less_pending

    fill_slices(schema_editor, SLICES_0009, less_pending(schema_editor))


def drop_the_ancestors_slices(apps, schema_editor):
    schema_editor.execute("DELETE FROM reports_slicefigures WHERE slice LIKE %s", ["%@%"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_bank_slices")]

    operations = [migrations.RunPython(fill_the_ancestors_slices, drop_the_ancestors_slices)]
