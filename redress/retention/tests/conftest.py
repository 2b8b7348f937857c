import pytest
from django.db import connection


@pytest.fixture
def disable_triggers(db):
    """On PostgreSQL, a superuser switching the refusal off, as someone rewriting history would first."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
