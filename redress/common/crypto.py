"""Personal data at rest (R10.3, decision 0031): AES-256-GCM from `cryptography` for the stored value, an
HMAC-SHA256 blind index for the lookups that need equality.

A stored value is `<key id>$<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id says which of the configured
keys decrypts it, so a rotation finds the rows still on an old key with SQL (`redress rotate-field-keys`).
The column's name is the associated data: a value copied into another column (an ID number into the phone)
does not decrypt. The blind index is keyed with a key of its own, one per column (HMAC of the column's name
and the value), so the same phone in two columns does not give the same index.

Keys come from settings.FIELD_KEYS (`field_keys` in redress.settings reads them from the environment); they
are looked up on each call, so a test may override them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce: random per value (2^32 values per key stay far from a collision)
INDEX_CHARS = 32  # hex characters kept of the HMAC: 128 bits, no accidental collisions at any bank's size
KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,16}$")
SEPARATOR = "$"


class FieldKeyError(Exception):
    """A value that no configured key decrypts (a key removed too early, or a value edited by hand)."""


@dataclass(frozen=True)
class FieldKeys:
    """The encryption keys, newest first (it encrypts; all decrypt), and the blind index's key."""

    keys: tuple[tuple[str, bytes], ...]
    index_key: bytes

    @property
    def current(self) -> str:
        return self.keys[0][0]


def decode_key(text: str, name: str) -> bytes:
    """A key as written in the environment (base64 of 32 bytes), or ValueError naming what is wrong."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii") + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"{name}: not base64") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError(f"{name}: a key is {KEY_BYTES} random bytes in base64, this one is {len(raw)} bytes")
    return raw


def parse_keys(keys: str, index_key: str) -> FieldKeys:
    """`keys`: `id:base64key` pairs separated by commas, the one that encrypts first;
    `index_key`: base64 of 32 bytes. ValueError with the variable's problem otherwise."""
    parsed: list[tuple[str, bytes]] = []
    for entry in (e.strip() for e in keys.split(",")):
        if not entry:
            continue
        kid, sep, text = entry.partition(":")
        if not sep or not KEY_ID.match(kid):
            raise ValueError("REDRESS_FIELD_KEYS: write each key as id:base64key (id: letters, digits, '-')")
        if any(kid == seen for seen, _ in parsed):
            raise ValueError(f"REDRESS_FIELD_KEYS: the key id {kid} is given twice")
        parsed.append((kid, decode_key(text, f"REDRESS_FIELD_KEYS ({kid})")))
    if not parsed:
        raise ValueError("REDRESS_FIELD_KEYS: no key")
    return FieldKeys(tuple(parsed), decode_key(index_key, "REDRESS_FIELD_INDEX_KEY"))


def keys_current() -> str:
    """The id of the key that encrypts now."""
    return _keys().current


def new_key() -> str:
    """A fresh key as the environment takes it."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii").rstrip("=")


def _keys() -> FieldKeys:
    from django.conf import settings

    return settings.FIELD_KEYS


@lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(value: str, column: str, keys: FieldKeys | None = None) -> str:
    """`value` encrypted with the current key, bound to `column`. The empty value stays empty (nothing to
    protect, and "no phone given" is read by the rules)."""
    if not value:
        return ""
    keys = keys or _keys()
    kid, key = keys.keys[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, value.encode("utf-8"), column.encode("utf-8"))
    return kid + SEPARATOR + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def key_id(stored: str) -> str:
    """The id of the key a stored value was encrypted with ("" for the empty value)."""
    return stored.partition(SEPARATOR)[0] if stored else ""


def decrypt(stored: str, column: str, keys: FieldKeys | None = None) -> str:
    """The value `encrypt` stored; FieldKeyError when no configured key opens it."""
    if not stored:
        return ""
    keys = keys or _keys()
    kid, sep, body = stored.partition(SEPARATOR)
    key = next((k for i, k in keys.keys if i == kid), None)
    if not sep or key is None:
        raise FieldKeyError(f"{column}: a value under key “{kid[:16]}”, which is not configured")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode("utf-8")).decode()
    except (binascii.Error, InvalidTag, UnicodeError, ValueError) as exc:
        raise FieldKeyError(f"{column}: a value that does not decrypt under key “{kid}”") from exc


def blind_index(value: str, column: str, keys: FieldKeys | None = None) -> str:
    """The equality index of `value` in `column`: equal values give equal indexes; without the key the
    index tells nothing of the value (a phone number cannot be found by trying every number)."""
    if not value:
        return ""
    keys = keys or _keys()
    digest = hmac.new(keys.index_key, f"{column}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:INDEX_CHARS]
