"""Redress's routes, in a process where the related-matters lookup of a registration reads and scores at most
`CAP` candidates (`similarity.MAX_CANDIDATES`, 100 as served): decision 0027's option 2, measured. A group's
evidence then counts the people among the newest `CAP` similar cases only. Loaded by
`bench.capped_settings` only."""

from redress.matching import similarity
from redress.urls import urlpatterns  # noqa: F401

CAP = 30

# Patched here, where the URL configuration is loaded once per process before the first request; the lookup
# reads the module's value at each call (`escalation.triggers.related_query`).
similarity.MAX_CANDIDATES = CAP
