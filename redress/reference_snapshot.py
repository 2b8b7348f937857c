"""Pytest plugin: migration-loaded reference data survives transactional tests.

A transactional test (`live_server`, browser tests, concurrency tests on PostgreSQL) ends with Django
flushing every table, which also deletes the rows data migrations loaded, such as the shipped complaint
classification. pytest-django runs such tests after the others, but `pytest -n 2 --dist loadfile` keeps a
file's tests together, so a file mixing both kinds can leave a worker with empty reference tables for the
files it runs next. So the first transactional test in a process snapshots the freshly migrated database,
and after every flush the tables the flush left empty are loaded again from that snapshot. Tables that the
flush's own `post_migrate` handlers refill (content types, permissions) are left as those handlers made them.
"""

from __future__ import annotations

import json
from itertools import groupby

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models.signals import post_migrate

_snapshots: dict[str, str] = {}

_TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


def _is_transactional(item: pytest.Item) -> bool:
    if _TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(
        (marker.args and marker.args[0])
        or marker.kwargs.get("transaction")
        or marker.kwargs.get("reset_sequences")
    )


@pytest.fixture(scope="session")
def _migrated_database_snapshot(django_db_setup, django_db_blocker) -> None:
    with django_db_blocker.unblock():
        for connection in connections.all():
            _snapshots[connection.alias] = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _reference_data_survives_flush(request: pytest.FixtureRequest) -> None:
    if _is_transactional(request.node):
        request.getfixturevalue("_migrated_database_snapshot")


def _last_app_with_models():
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def restore_emptied_tables(using: str) -> None:
    """Load the snapshot's rows of every table that is empty now."""
    snapshot = _snapshots.get(using)
    if snapshot is None:
        return
    rows = json.loads(snapshot)
    emptied = {
        label
        for label in {row["model"] for row in rows}
        if not apps.get_model(label)._base_manager.using(using).exists()
    }
    missing = [row for row in rows if row["model"] in emptied]
    if not missing:
        return
    connection = connections[using]
    restored = list(serializers.deserialize("json", json.dumps(missing), using=using))
    # Bulk inserts: a calendar's worth of days saved row by row would add seconds to every flush.
    with transaction.atomic(using=using), connection.constraint_checks_disabled():
        models = []
        for model, group in groupby(restored, key=lambda obj: type(obj.object)):
            objects = list(group)
            model._base_manager.using(using).bulk_create([obj.object for obj in objects])
            for obj in objects:
                for name, values in (obj.m2m_data or {}).items():
                    getattr(obj.object, name).set(values)
            models.append(model)
        connection.check_constraints(table_names=[model._meta.db_table for model in models])
        # Rows came back with their ids; sequences must move past them for the next insert.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


def _after_flush(sender, app_config, using: str, **kwargs) -> None:
    # post_migrate is sent once per app; by the last app every other handler has refilled its tables.
    if app_config is _last_app_with_models():
        restore_emptied_tables(using)


def pytest_configure(config: pytest.Config) -> None:
    post_migrate.connect(_after_flush, dispatch_uid="redress.reference_snapshot")
