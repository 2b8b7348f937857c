"""Key rotation of the encrypted fields (decision 0031): every model's EncryptedTextFields, in batches."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models, transaction

from . import crypto
from .fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def _stale_pks(model, field: EncryptedTextField, after: int, batch: int, reindex: bool) -> list[int]:
    """The next `batch` primary keys after `after` whose value is under an older key (or, reindexing, any
    value). Read by SQL on the stored text: the key id leads it."""
    table, column = model._meta.db_table, field.column
    pk = model._meta.pk.column
    prefix = crypto.keys_current() + crypto.SEPARATOR
    where = f"{column} <> ''"
    params: list = []
    if not reindex:
        where += f" AND SUBSTR({column}, 1, %s) <> %s"
        params += [len(prefix), prefix]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk} FROM {table} WHERE {pk} > %s AND {where} ORDER BY {pk} LIMIT %s",
            [after, *params, batch],
        )
        return [row[0] for row in cursor.fetchall()]


def rotate(model, field: EncryptedTextField, *, batch_size: int = 1000, reindex: bool = False) -> int:
    """Write `field` of every stale row again under the current key (its index too when `reindex`); returns
    how many rows were written."""
    written, after = 0, 0
    while pks := _stale_pks(model, field, after, batch_size, reindex):
        with transaction.atomic():
            for pk, plain in model.objects.filter(pk__in=pks).values_list("pk", field.name):
                values = {field.name: plain}
                if reindex and field.index:
                    values[field.index] = field.index_of(plain)
                # update() encrypts through the field (get_db_prep_save) under the current key.
                model.objects.filter(pk=pk).update(**values)
                written += 1
        after = pks[-1]
    return written


def rotate_all(*, batch_size: int = 1000, reindex: bool = False) -> dict[str, int]:
    return {
        f.column_label: rotate(model, f, batch_size=batch_size, reindex=reindex)
        for model, f in encrypted_fields()
    }
