"""The shared rate limiter (decision 0030): a fixed window counted atomically in the database or in Redis,
shared by every process that uses the same store, keyed without the subject itself."""

import pytest

from redress.common import ratelimit
from redress.common.models import RateCounter
from redress.testing_cluster import PrivateRedis, Unavailable, unavailable

HOUR = 3600
T0 = 1_800_000_000.0  # a moment at the start of an hour-long window (divisible by 3600)


@pytest.fixture
def three_an_hour(settings):
    settings.RATE_LIMITS = {"test": (3, HOUR), "test-all": (5, HOUR)}


def _counts(subject: str, at: float, n: int) -> list[bool]:
    return [ratelimit.hit("test", subject, now=at).allowed for _ in range(n)]


def test_the_limit_holds_per_subject_within_a_window_and_a_new_window_starts_afresh(db, three_an_hour):
    assert _counts("192.0.2.1", T0 + 10, 4) == [True, True, True, False]
    assert _counts("192.0.2.2", T0 + 20, 1) == [True]
    refused = ratelimit.hit("test", "192.0.2.1", now=T0 + 600)
    assert (refused.allowed, refused.retry_after) == (False, HOUR - 600)
    assert _counts("192.0.2.1", T0 + HOUR + 1, 3) == [True, True, True]


def test_check_counts_the_subject_and_everyone_and_answers_the_longer_wait(db, three_an_hour):
    for n in range(5):
        ratelimit.check("test", f"192.0.2.{n}", ratelimit.EVERYONE, now=T0)
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.check("test", "192.0.2.99", ratelimit.EVERYONE, now=T0 + 100)
    assert (refused.value.status, refused.value.retry_after) == (429, HOUR - 100)


def test_the_database_keeps_no_subject_and_drops_the_counts_of_past_windows(db, three_an_hour):
    _counts("203.0.113.77", T0, 2)
    (row,) = RateCounter.objects.all()
    assert row.count == 2 and "203.0.113.77" not in row.key and len(row.key) == 64
    # Its window passed: the first count of a later window takes it away.
    ratelimit.hit("test", "192.0.2.1", now=T0 + 2 * HOUR)
    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]
    assert not RateCounter.objects.filter(key=row.key).exists()


@pytest.fixture
def redis_url(tmp_path):
    try:
        server = PrivateRedis(tmp_path).start()
    except Unavailable as exc:
        unavailable(str(exc))
    yield server.url
    server.stop()


def test_two_nodes_on_one_redis_share_the_count(db, three_an_hour, redis_url, settings):
    # Two stores, as two web nodes would each make their own, on the same server.
    node_a, node_b = ratelimit.RedisStore(redis_url), ratelimit.RedisStore(redis_url)
    key = ratelimit.key_for("test", "192.0.2.1", 1)
    assert [node_a.increment(key, T0 + HOUR, T0), node_b.increment(key, T0 + HOUR, T0)] == [1, 2]
    settings.RATE_LIMIT_URL = redis_url
    assert _counts("192.0.2.5", T0, 4) == [True, True, True, False]
    assert not RateCounter.objects.exists()
    ttl = node_a.client.ttl(f"redress:rate:{ratelimit.key_for('test', '192.0.2.5', int(T0 // HOUR))}")
    assert ttl > 0


def test_an_unreachable_redis_lets_requests_through_and_says_so(db, three_an_hour, settings, caplog):
    settings.RATE_LIMIT_URL = "redis://127.0.0.1:1/0"
    assert _counts("192.0.2.1", T0, 5) == [True] * 5
    assert "Redis unreachable" in caplog.text and "192.0.2.1" not in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_on_separate_connections_lose_no_count(three_an_hour):
    """Eight connections at once, as eight workers on several nodes: every request is counted once, so exactly
    the limit is let through."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so nothing would race")
    barrier = threading.Barrier(8)

    def one(_):
        try:
            barrier.wait(timeout=30)
            return [ratelimit.hit("test", "192.0.2.1", now=T0).allowed for _ in range(5)]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        allowed = [a for batch in pool.map(one, range(8)) for a in batch]
    assert allowed.count(True) == 3
    assert RateCounter.objects.get().count == 40
