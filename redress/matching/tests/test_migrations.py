"""The matching app's data migrations on a database with cases."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from redress.matching.models import MatterBand

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("matching", target)])


def test_the_band_rows_take_their_cases_scope_path_and_product(bank):
    about_a_unit = bank.register(product="信用卡")
    about_nobody = bank.register(kind="suggestion", subject_unit="", product="")
    migrate("0006_matter_concepts_kept")
    migrate("0007_band_scope")
    rows = set(MatterBand.objects.values_list("case_id", "scope_path", "product"))
    assert rows == {
        (about_a_unit.pk, about_a_unit.subject_unit_path, "信用卡"),
        (about_nobody.pk, about_nobody.unit_path, ""),
    }
    assert about_a_unit.subject_unit_path and about_nobody.unit_path
