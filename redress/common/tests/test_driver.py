import pytest

from redress.common import driver


def test_the_driver_keeps_the_parsing_of_a_registrations_largest_statements():
    _queries = pytest.importorskip("psycopg._queries")
    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= driver.MAX_KEPT_LENGTH
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= driver.MAX_KEPT_PARAMS


def test_a_statement_of_a_hundred_parameters_is_parsed_once():
    _queries = pytest.importorskip("psycopg._queries")
    from psycopg import adapt

    text = ("SELECT " + ", ".join(["%s"] * 100)).encode()
    query = _queries.PostgresClientQuery(adapt.Transformer())
    before = _queries._query2pg_client.cache_info().hits
    for _ in range(3):
        query.convert(text, [1] * 100)
    assert _queries._query2pg_client.cache_info().hits >= before + 2


# A phrase of the related-matters lookup's text (redress.escalation.triggers.related_query) and no other's.
_LOOKUP = "NULLIF(m.person, '')"


def _prepared_statements() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_related_matters_lookup_is_prepared_once_and_still_counted_as_a_query(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        bank.register(matter="网点的存折打印机坏了，补登不了。")
    lookups = [q["sql"] for q in first.captured_queries if _LOOKUP in q["sql"]]
    assert len(lookups) == 1  # logged like any other statement (the statement counts stay true)
    assert len([s for s in _prepared_statements() if _LOOKUP in s]) == 1
    # The lookup also writes the case's place: raising a topic (above), joining one (here).
    bank.register(matter="存折打印机又坏了，还是补登不了。", complainant_phone="13900000002")
    prepared = sorted(s for s in _prepared_statements() if _LOOKUP in s)
    assert len(prepared) == 2
    bank.register(matter="存折补登机坏了。")
    bank.register(matter="网点存折打印机坏了。", complainant_phone="13900000003")
    # The same texts each time: whatever the matter and its bands, nothing more is prepared.
    assert sorted(s for s in _prepared_statements() if _LOOKUP in s) == prepared


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_connection_without_prepared_statements_runs_the_lookup_unprepared(bank):
    from django.db import connection

    connection.ensure_connection()
    connection.connection.prepare_threshold = None  # as REDRESS_DB_PREPARED_STATEMENTS=0 opens it
    bank.register(matter="网点的存折打印机坏了，补登不了。")
    assert not [s for s in _prepared_statements() if _LOOKUP in s]


@pytest.mark.parametrize(("value", "threshold"), [("1", str(2**31 - 1)), ("0", "None")])
def test_prepared_statements_can_be_turned_off_for_a_pooling_proxy(value, threshold):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    env["REDRESS_DB_PREPARED_STATEMENTS"] = value
    options = "settings.DATABASES['default'].get('OPTIONS', {})"
    code = f"from redress import settings; print({options}.get('prepare_threshold'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == threshold


@pytest.mark.django_db
def test_a_prepared_cursors_errors_are_djangos(bank):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), driver.prepared_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM cases_case")
