"""The one table of redress.common: the version tokens of reference data (redress.common.reference)."""

from django.db import models


class ReferenceVersion(models.Model):
    """A token that changes on every write to one kind of reference data. Written by database triggers
    (installed by the migrations of the app that owns the tables), read by every process's caches."""

    key = models.CharField(max_length=40, primary_key=True)
    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.token}"
