"""A model field whose value is stored encrypted, with its blind index kept beside it (decision 0031).

The model sees the plain value: it is decrypted when a row is read and encrypted when one is written, once
per write (`get_db_prep_save`). The blind index (a column of its own, named by `index`) is set from the
plain value in `pre_save`, once per write, so a registration costs one encryption and one HMAC per field
and no extra statement. Equality lookups go to the index column (`index_of`); a lookup on the encrypted
column itself could only compare ciphertexts and is refused, so a forgotten filter fails loudly instead
of silently finding nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Personal data at rest: AES-GCM under the current field key, bound to the column's name."""

    def __init__(self, *args: Any, index: str = "", **kwargs: Any):
        # The column holding the blind index, or "" for a value never looked up by equality.
        self.index = index
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.index:
            kwargs["index"] = self.index
        return name, path, args, kwargs

    @property
    def column_label(self) -> str:
        """What binds a ciphertext and an index to this column: `cases.Case.complainant_phone`."""
        return f"{self.model._meta.label}.{self.name}"

    def index_of(self, value: str) -> str:
        """The blind index of the plain `value`, for `filter(<index>=…)`."""
        return crypto.blind_index(value, self.column_label)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value, self.column_label)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add) or ""
        if self.index:
            setattr(model_instance, self.index, self.index_of(value))
        return value

    def get_db_prep_save(self, value, connection):
        return crypto.encrypt(value or "", self.column_label)

    def get_lookup(self, lookup_name: str):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.column_label} is stored encrypted: look it up by its blind index "
            f"({self.index or 'none'}), not with __{lookup_name}"
        )
