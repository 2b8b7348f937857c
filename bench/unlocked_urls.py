"""Redress's routes, in a process where a registration's band rows are written as always but without the
per-key advisory locks (`similarity.band_rows_sql`) held to its commit: everything else of the similarity
of matters (the lookup, the scoring, the rules) is as served. Wrong for a bank (two alike registrations in
the same instant may each miss the other); it measures the waits the locks cost. Loaded by
`bench.unlocked_settings` only."""

from django.db import connection

from redress.matching import similarity
from redress.matching.models import MatterBand
from redress.urls import urlpatterns  # noqa: F401

served = similarity.band_rows_sql


def band_rows_without_locks(case, keys):
    if connection.vendor != "postgresql":
        return served(case, keys)
    at = connection.ops.adapt_datetimefield_value(case.received_at)
    sql = (
        f'INSERT INTO {MatterBand._meta.db_table} ("key", received_at, case_id, scope_path, product)'
        " SELECT v.k, %s::timestamptz, %s::integer, %s::varchar, %s::varchar"
        " FROM unnest(%s::bigint[]) AS v (k)"
    )
    return sql, [at, case.pk, similarity.band_scope_path(case), case.product, list(keys)]


# Patched here, where the URL configuration is loaded once per process before the first request.
similarity.band_rows_sql = band_rows_without_locks
