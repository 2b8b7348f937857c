from django.db import migrations


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from redress.cases.numbering import PRECREATED_YEARS, _sequence_name

    with schema_editor.connection.cursor() as cursor:
        for year in PRECREATED_YEARS:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {_sequence_name(year)} START 1")


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_anonymous_assessed")]
    operations = [migrations.RunPython(create_sequences, migrations.RunPython.noop)]
