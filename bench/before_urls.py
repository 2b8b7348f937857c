"""Redress's routes, in a process where a registration evaluates the repeat and group rules as they were
before issue 13 (`bench.rules_before`). Loaded by `bench.before_settings` only."""

from bench import rules_before
from redress.urls import urlpatterns  # noqa: F401

# Here, where the URL configuration is loaded once per process before the first request.
rules_before.install()
