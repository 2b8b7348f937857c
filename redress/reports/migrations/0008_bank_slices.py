from django.db import migrations


def fill_the_banks_slices(apps, schema_editor):
    # The whole bank's slices, summed from the cases' figures less the changes not yet folded (the next fold
    # adds those to them as to every slice).
    from ._frozen_sql import SLICES_0008, fill_slices, less_pending

    fill_slices(schema_editor, SLICES_0008, less_pending(schema_editor))


def drop_the_banks_slices(apps, schema_editor):
    from ._frozen_sql import SLICES_0008

    places = ", ".join(["%s"] * len(SLICES_0008))
    schema_editor.execute(f"DELETE FROM reports_slicefigures WHERE slice IN ({places})", list(SLICES_0008))


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_figure_changes")]

    operations = [migrations.RunPython(fill_the_banks_slices, drop_the_banks_slices)]
