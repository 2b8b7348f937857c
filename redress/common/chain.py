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


_AS_THEY_ARE = frozenset({str, int, float, type(None)})
# One encoder for every seal (`json.dumps` with options makes a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> Any:
    """The value as the database gives it back: moments in UTC, JSON as JSON reads it (a tuple is a list, a
    number key a string), so that a seal computed at writing equals the one computed at reading."""
    if type(value) in _AS_THEY_ARE:  # most values (ids, kinds, details): `verify` pays this per row
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Mapping | list | tuple):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def canonical(table: str, content: Mapping[str, Any]) -> bytes:
    body = {"table": table, **{name: _plain(value) for name, value in content.items()}}
    return _CANONICAL.encode(body).encode()


def seal_of(table: str, content: Mapping[str, Any], key: bytes | None = None) -> str:
    return hmac.digest(key or audit_key(), canonical(table, content), "sha256").hex()


def link(previous: str, seq: int, seal: str) -> str:
    return hashlib.sha256(f"{previous}:{seq}:{seal}".encode()).hexdigest()


# The one change a sealed row allows (decision 0037): its erasable field (`ERASABLE`, a case event's `data`)
# replaced by this marker when the case's retention ends. The marker's `residue` is a keyed MAC of the row's
# other sealed fields, its original seal and the moment of erasure: `verify` checks it where it cannot check
# the seal, so an erased row can no more be forged or altered unnoticed than a whole one.
ERASED = "erased"


def residue_of(table: str, content: Mapping[str, Any], seal: str, at: str, key: bytes | None = None) -> str:
    body = {**content, "seal": seal, "erased_at": at}
    return hmac.new(key or audit_key(), canonical(f"{table}:erased", body), hashlib.sha256).hexdigest()


def erased_marker(value: Any) -> dict[str, str] | None:
    """The erasure marker if `value` (an erasable field's content) is one, else None."""
    if isinstance(value, Mapping) and set(value) == {ERASED}:
        marker = value[ERASED]
        if isinstance(marker, Mapping) and set(marker) == {"at", "residue"}:
            return dict(marker)
    return None


def erased_intact(
    table: str, erasable: str, content: Mapping[str, Any], seal: str, key: bytes
) -> bool | None:
    """None if the row's erasable field was not erased; else whether its marker matches the rest of it."""
    marker = erased_marker(content.get(erasable))
    if marker is None:
        return None
    rest = {name: value for name, value in content.items() if name != erasable}
    expected = residue_of(table, rest, seal, marker["at"], key)
    return hmac.compare_digest(expected, str(marker["residue"]))


class ChainedQuerySet(models.QuerySet):
    def erase(self, at: dt.datetime) -> int:
        """Replace the erasable field of these rows by the erasure marker (retention, decision 0037); the
        seal, place and link stay, and `verify` checks the marker instead of the content. Returns how many."""
        model = self.model
        field = model.ERASABLE
        if not field:
            raise TypeError(f"{model.__name__} rows have nothing erasable")
        table, key, moment, done = model._meta.db_table, audit_key(), _plain(at), 0
        others = [name for name in model.CHAINED if name != field]
        for pk, stored, *values in self.values_list("pk", "seal", *others, field).iterator():
            if erased_marker(values[-1]) is not None:
                continue
            rest = dict(zip(others, values[:-1], strict=True))
            marker = {ERASED: {"at": moment, "residue": residue_of(table, rest, stored, moment, key)}}
            done += models.QuerySet.update(model.objects.filter(pk=pk), **{field: marker})
        return done

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
    # The one sealed field retention may erase (decision 0037), or "" for none.
    ERASABLE: str = ""

    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    seal = models.CharField(max_length=64, default="", blank=True, editable=False)
    link = models.CharField(max_length=64, default="", blank=True, editable=False)

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are written once and never changed")
        self.before_insert()
        super().save(*args, **kwargs)

    def before_insert(self) -> None:
        """Sealed in the INSERT that writes the row (`save`, or `redress.common.rows.insert`)."""
        self.fill_seal()

    def chain_content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CHAINED}

    def fill_seal(self) -> None:
        if not self.seal:
            self.seal = seal_of(self._meta.db_table, self.chain_content())
