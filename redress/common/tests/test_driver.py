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
