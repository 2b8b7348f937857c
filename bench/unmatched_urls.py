"""Redress's routes, in a process where a registration neither writes its matter's band keys nor looks for
related matters (the repeat and group rules find nothing): what registration costs without the similarity
of matters. The search entry is still written. Loaded by `bench.unmatched_settings` only."""

from redress.escalation import triggers
from redress.matching import similarity
from redress.urls import urlpatterns  # noqa: F401

# Patched here, where the URL configuration is loaded once per process before the first request.
triggers.related_cases = lambda case, rules: triggers.Related()
similarity.band_keys = lambda matter: []
