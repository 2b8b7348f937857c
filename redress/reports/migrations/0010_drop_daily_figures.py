# The rollup's bucket rows: read by no report since the slices (decision 0039), summed by every fold and
# every rebuild (376 s of the rebuild of 10,000,000 cases), and a row per case. The cases' own rows keep the
# buckets; `verify` checks the slices against them.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_ancestor_slices"),
    ]

    operations = [
        migrations.DeleteModel(name="DailyFigures"),
    ]
