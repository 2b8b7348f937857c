# A new training on any node changes the suggestions' token, so every process loads the new model
# (redress.common.reference).
from django.db import migrations

from redress.common.reference import watch


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial"), ("matching", "0001_initial")]

    operations = [
        watch("suggestions", "matching_suggestionmodel"),
    ]
