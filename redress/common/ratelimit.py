"""The shared rate limiter: how many requests one subject (a client's address, an account, or everyone at
once) may make in a scope within a window, counted where every web node sees the same count.

A fixed window: the count of (scope, subject, window) is raised by one atomic increment and compared with the
scope's limit (settings.RATE_LIMITS, `REDRESS_RATE_*`, "count/seconds"). Two stores, chosen by
`REDRESS_RATE_LIMIT_URL` (decision 0030):

- the database (the default, and the embedded setup's): one `INSERT … ON CONFLICT DO UPDATE … RETURNING`
  on `common_ratecounter`, on SQLite and PostgreSQL alike, so every gunicorn worker and every node on the same
  database shares the count; the rows of windows that have passed are deleted when a new window starts;
- Redis (`redis://…`): `INCR` and `EXPIRE` in one transaction; the key expires with its window. A Redis that
  cannot be reached lets the request through and logs it (the limiter guards against floods; it must not take
  the service down with it).

The subject is never stored: the key is a keyed hash (HMAC with the secret key) of scope, subject and window,
so a counter row holds no address, and a key of one window cannot be linked to the next without the secret.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .errors import ApiError
from .models import RateCounter

log = logging.getLogger("redress.ratelimit")

# The subject of a scope's ceiling over all clients together.
EVERYONE = "*"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    # Seconds until the window ends and the subject may try again.
    retry_after: int


class RateLimited(ApiError):
    """429: too many requests of one scope; `retry_after` seconds until the next window."""

    def __init__(self, retry_after: int):
        super().__init__(
            429,
            _("Too many requests. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, math.ceil(retry_after / 60))},
        )
        self.retry_after = retry_after


class Store(Protocol):
    def increment(self, key: str, window_end: float, now: float) -> int: ...


class DatabaseStore:
    """Counts in `common_ratecounter`, one row per subject and window (the default)."""

    def increment(self, key: str, window_end: float, now: float) -> int:
        table = connection.ops.quote_name(RateCounter._meta.db_table)
        key_col, count_col, expires_col = (
            connection.ops.quote_name(c) for c in ("key", "count", "expires_at")
        )
        expires_at = dt.datetime.fromtimestamp(window_end, tz=dt.UTC)
        with connection.cursor() as cursor:
            # One statement on both databases: the first request of a window inserts, the others add one.
            cursor.execute(
                f"INSERT INTO {table} ({key_col}, {count_col}, {expires_col}) VALUES (%s, 1, %s) "  # nosec B608
                f"ON CONFLICT ({key_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
                f"RETURNING {count_col}",
                [key, connection.ops.adapt_datetimefield_value(expires_at)],
            )
            count = cursor.fetchone()[0]
        if count == 1:
            # A new window began for this subject: the counts of windows that have passed go.
            RateCounter.objects.filter(expires_at__lte=dt.datetime.fromtimestamp(now, tz=dt.UTC)).delete()
        return count


class RedisStore:
    """Counts in Redis, shared by every node that names the same server; keys expire with their window."""

    def __init__(self, url: str):
        import redis

        self._errors = (redis.RedisError, OSError)
        timeout = getattr(settings, "BROKER_TIMEOUT", 1)
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)

    def increment(self, key: str, window_end: float, now: float) -> int:
        name = f"redress:rate:{key}"
        try:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, max(1, math.ceil(window_end - now)) + 1)
                count, _ = pipe.execute()
        except self._errors as exc:
            log.warning(
                "rate limiter: Redis unreachable (%s); the request is not limited", type(exc).__name__
            )
            return 0
        return int(count)


@functools.cache
def _store_for(url: str) -> Store:
    if not url:
        return DatabaseStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(f"REDRESS_RATE_LIMIT_URL={url!r} is neither empty (the database) nor a Redis URL")


def store() -> Store:
    return _store_for(getattr(settings, "RATE_LIMIT_URL", ""))


def key_for(scope: str, subject: str, window: int) -> str:
    """The counter's key: a keyed hash, so the store never holds the subject (an address) itself."""
    return salted_hmac("redress.ratelimit", f"{scope}\0{subject}\0{window}", algorithm="sha256").hexdigest()


def hit(scope: str, subject: str, *, now: float | None = None) -> Verdict:
    """Count one request of `subject` in `scope` and say whether it is within the scope's limit."""
    limit, seconds = settings.RATE_LIMITS[scope]
    now = time.time() if now is None else now
    window = int(now // seconds)
    window_end = (window + 1) * seconds
    count = store().increment(key_for(scope, subject, window), window_end, now)
    return Verdict(count <= limit, count, limit, max(1, math.ceil(window_end - now)))


def check(scope: str, *subjects: str, now: float | None = None) -> None:
    """Count one request for each subject (e.g. the client's address and EVERYONE); raise RateLimited when
    any is over its scope's limit. Each subject is counted even when an earlier one is already over it."""
    verdicts = [hit(scope if s != EVERYONE else f"{scope}-all", s, now=now) for s in subjects]
    refused = [v for v in verdicts if not v.allowed]
    if refused:
        raise RateLimited(max(v.retry_after for v in refused))
