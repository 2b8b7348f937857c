from django.db import connection

from redress.cases.models import ClassificationItem
from redress.reference_snapshot import restore_emptied_tables

TABLE = ClassificationItem._meta.db_table


def delete_rows(where: str = "", params=()) -> None:
    # As the flush does: straight SQL, no model-level protection of the tree.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} {where}", params)


def test_reference_rows_emptied_by_a_flush_come_back(transactional_db):
    shipped = sorted(ClassificationItem.objects.values_list("pk", "label"))
    assert shipped, "the shipped classification is loaded by a data migration"
    delete_rows()

    restore_emptied_tables(connection.alias)

    assert sorted(ClassificationItem.objects.values_list("pk", "label")) == shipped


def test_tables_that_still_have_rows_are_left_alone(transactional_db):
    kept = ClassificationItem.objects.filter(parent=None).order_by("pk").first()
    delete_rows("WHERE id <> %s", [kept.pk])

    restore_emptied_tables(connection.alias)

    assert list(ClassificationItem.objects.all()) == [kept]
