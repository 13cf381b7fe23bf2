"""Encryption of sensitive fields at rest (AES-256-GCM).

Each value is sealed with a fresh nonce under the current key; the key id travels with
the ciphertext so old rows stay readable after a key rotation.
"""

import base64
import functools
import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

_PREFIX = "enc1"


class DecryptionError(ValueError):
    pass


@functools.cache
def _keys(secrets: tuple[str, ...]) -> list[tuple[str, AESGCM]]:
    keys = []
    for secret in secrets:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"civitas field encryption"
        ).derive(secret.encode())
        key_id = hashlib.sha256(key).hexdigest()[:8]
        keys.append((key_id, AESGCM(key)))
    return keys


def _current_keys() -> list[tuple[str, AESGCM]]:
    return _keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def seal(plaintext: bytes, *, context: bytes = b"") -> str:
    key_id, aead = _current_keys()[0]
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext, context)
    return f"{_PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_sealed(token: str, *, context: bytes = b"") -> bytes:
    try:
        prefix, key_id, payload = token.split(":", 2)
    except ValueError:
        raise DecryptionError("not an encrypted value") from None
    if prefix != _PREFIX:
        raise DecryptionError("not an encrypted value")
    for candidate_id, aead in _current_keys():
        if candidate_id == key_id:
            raw = base64.urlsafe_b64decode(payload)
            return aead.decrypt(raw[:12], raw[12:], context)
    raise DecryptionError(f"no key with id {key_id} is configured")


class EncryptedJSONField(models.TextField):
    """A JSON value stored encrypted. It cannot be queried: index what you need elsewhere."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(open_sealed(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return seal(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())

    def to_python(self, value: Any) -> Any:
        return value


class EncryptedTextField(models.TextField):
    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return open_sealed(value).decode()

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return seal(str(value).encode())


class EncryptedSessionSerializer:
    """Django session serializer that seals the JSON, so answers in progress are encrypted
    in the session table like every other copy of personal data."""

    def dumps(self, obj: Any) -> bytes:
        return seal(json.dumps(obj, separators=(",", ":")).encode(), context=b"session").encode()

    def loads(self, data: bytes) -> Any:
        return json.loads(open_sealed(data.decode(), context=b"session"))
