"""The reports' data migrations on a database with cases: what they fill adds up to the cases."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from redress.lifecycle import perform
from redress.reports import figures
from redress.reports.figures import FigureChange, SliceFigures

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("reports", target)])


def latest() -> str:
    return MigrationExecutor(connection).loader.graph.leaf_nodes("reports")[0][1]


def test_the_banks_slices_are_summed_from_the_cases_less_the_changes_not_yet_folded(bank):
    perform("accept", bank.teller, bank.register())
    figures.fold()
    perform("accept", bank.teller, bank.register(product="信用卡"))  # its changes wait for a fold
    assert FigureChange.objects.exists()
    migrate("0007_figure_changes")
    assert not SliceFigures.objects.filter(slice__startswith="bank_").exists()
    migrate(latest())
    assert SliceFigures.objects.filter(slice="bank_product", grain="month", product="信用卡").exists()
    assert figures.verify() == []


def test_the_slices_migration_sums_every_slice_from_the_cases(bank):
    perform("accept", bank.teller, bank.register())
    bank.register(product="现金取款", complainant_vip=True)
    migrate("0005_plan_clocks_breaches")
    migrate(latest())
    assert SliceFigures.objects.filter(slice="unit").exists()
    assert figures.verify() == []
