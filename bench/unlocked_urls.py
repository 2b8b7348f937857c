"""Redress's routes, in a process where a registration takes no per-key advisory locks before it reads the
topics sharing its band keys (`similarity.topics_after_locks_sql` without the locks): everything else of
the similarity of matters (the topics, the lookup, the rules) is as served. Wrong for a bank (two alike
registrations in the same instant may each miss the other, or raise two topics for one matter); it
measures the waits the locks cost. Loaded by `bench.unlocked_settings` only."""

from redress.matching import similarity
from redress.urls import urlpatterns  # noqa: F401

# The function's read alone, as the same expression's value.
READ = (
    "ARRAY(SELECT t.id || ' ' || t.concepts FROM matching_topic t"
    " WHERE t.id IN (SELECT tk.topic_id FROM matching_topickey tk WHERE tk.key = ANY(%s::bigint[])))"
)

# Patched here, where the URL configuration is loaded once per process before the first request.
similarity.topics_after_locks_sql = lambda keys: (READ, [sorted(set(keys))])
