"""The one table of redress.common: the version tokens of reference data (redress.common.reference)."""

from django.db import models


class ReferenceVersion(models.Model):
    """A token that changes on every write to one kind of reference data. Written by database triggers
    (installed by the migrations of the app that owns the tables), read by every process's caches."""

    key = models.CharField(max_length=40, primary_key=True)
    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.token}"


class RateCounter(models.Model):
    """One count of the shared rate limiter's database store (redress.common.ratelimit): the requests of
    one subject in one window. `key` is a keyed hash of the scope, the subject (e.g. a client's address)
    and the window, never the subject itself; a row is deleted once its window has passed."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.count}"
