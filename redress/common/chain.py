"""The arithmetic of the audit chain (decision 0029): a row's seal over its content, and the link that ties
it to the row before. Pure functions; the tables, the sealer and `redress audit verify` are in
`redress.audit`, and the models whose rows are chained compute their seal here when they are written.

- `seal_of(table, content)`: HMAC-SHA256 under the audit key of the row's content in one canonical JSON
  form. Written with the row, in the same INSERT (no statement more). Without the key nobody can write a
  row, or change one, whose seal still matches.
- `link(previous, seq, seal)`: SHA-256 of the previous row's link, the row's place and its seal. Set by the
  sealer when it gives the row its place, so a deleted, inserted or reordered row breaks every link after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

# The link "before" the first row.
GENESIS = "0" * 64


def audit_key() -> bytes:
    """REDRESS_AUDIT_KEY when set, else one derived from the secret key (a key of its own survives a rotation
    of the secret key; without one, rotating the secret key makes every earlier seal unverifiable)."""
    configured = getattr(settings, "AUDIT_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"redress.audit.chain", hashlib.sha256).digest()


def _plain(value: Any) -> Any:
    """The value as the database gives it back: moments in UTC, JSON as JSON reads it (a tuple is a list, a
    number key a string), so that a seal computed at writing equals the one computed at reading."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Mapping | list | tuple):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def canonical(table: str, content: Mapping[str, Any]) -> bytes:
    body = {"table": table, **{name: _plain(value) for name, value in content.items()}}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal_of(table: str, content: Mapping[str, Any], key: bytes | None = None) -> str:
    return hmac.new(key or audit_key(), canonical(table, content), hashlib.sha256).hexdigest()


def link(previous: str, seq: int, seal: str) -> str:
    return hashlib.sha256(f"{previous}:{seq}:{seal}".encode()).hexdigest()


class ChainedQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Rows written many at once (an export's reads) are sealed like rows written one by one.
        objs = list(objs)
        for obj in objs:
            obj.fill_seal()
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        # Only the sealer gives a row its place; nothing else rewrites a chained row (on PostgreSQL a trigger
        # refuses it whoever asks).
        if set(kwargs) - {"seq", "link"}:
            raise TypeError(f"{self.model.__name__} rows are written once and never changed")
        return super().update(**kwargs)


class ChainedRow(models.Model):
    """A row of the audit chain: sealed when written, given its place (`seq`) and link by the sealer.
    `CHAINED` names the fields the seal covers (a foreign key by its attname, e.g. `case_id`)."""

    CHAINED: tuple[str, ...] = ()

    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    seal = models.CharField(max_length=64, default="", blank=True, editable=False)
    link = models.CharField(max_length=64, default="", blank=True, editable=False)

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are written once and never changed")
        self.fill_seal()
        super().save(*args, **kwargs)

    def chain_content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CHAINED}

    def fill_seal(self) -> None:
        if not self.seal:
            self.seal = seal_of(self._meta.db_table, self.chain_content())
