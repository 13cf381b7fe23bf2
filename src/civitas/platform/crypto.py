"""Encryption of sensitive fields at rest (AES-256-GCM).

Each value is sealed with a fresh nonce under the current key; the key id travels with
the ciphertext so old rows stay readable after a key rotation.

A field value is also bound to its place: the table, the column and the row's identity
are the associated data of the seal, so a ciphertext copied into another row or column
(by anyone who can write to the database but has no key) fails to open instead of
showing one person's data as another's. Bound values are written `enc2:...`; `enc1:...`
is the unbound form, used for sessions and by field values written before binding (the
`bind_encrypted_fields` migrations convert those). A bound field refuses an unbound
value: otherwise an old ciphertext could still be moved anywhere.
"""

import base64
import functools
import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.db import models
from django.db.models.fields import AutoFieldMixin
from django.db.models.query_utils import DeferredAttribute

UNBOUND_PREFIX = "enc1"
BOUND_PREFIX = "enc2"


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


def _seal(prefix: str, plaintext: bytes, associated_data: bytes) -> str:
    key_id, aead = _current_keys()[0]
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext, associated_data)
    return f"{prefix}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def _open(token: str, prefix: str, associated_data: bytes) -> bytes:
    try:
        found_prefix, key_id, payload = token.split(":", 2)
    except ValueError:
        raise DecryptionError("not an encrypted value") from None
    if found_prefix != prefix:
        raise DecryptionError("not an encrypted value")
    for candidate_id, aead in _current_keys():
        if candidate_id == key_id:
            raw = base64.urlsafe_b64decode(payload)
            try:
                return aead.decrypt(raw[:12], raw[12:], associated_data)
            except InvalidTag:
                raise DecryptionError(
                    "the value was sealed for another place, or altered"
                ) from None
    raise DecryptionError(f"no key with id {key_id} is configured")


def current_key_id() -> str:
    """The id of the key every new value is sealed with (the first configured)."""
    return _current_keys()[0][0]


def configured_key_ids() -> list[str]:
    """The ids of every configured key, the current one first."""
    return [key_id for key_id, _ in _current_keys()]


def key_id_of(token: str) -> str:
    """The id of the key a sealed field value was sealed with ("" if it is not one)."""
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 else ""


def file_key_id(sealed: bytes) -> str:
    """The id of the key a sealed file was sealed with ("" if it is not one)."""
    if not sealed.startswith(FILE_MAGIC):
        return ""
    return sealed[4:12].decode("ascii", "replace")


def reseal_bound(token: str, *, binding: bytes) -> str:
    """The same value, bound to the same place, sealed again under the current key (a
    key rotation). A value already under the current key is returned as it is."""
    if key_id_of(token) == current_key_id():
        return token
    return seal_bound(open_bound(token, binding=binding), binding=binding)


def reseal_file(sealed: bytes, *, binding: bytes) -> bytes | None:
    """A sealed file's bytes sealed again under the current key; None when it already is."""
    if file_key_id(sealed) == current_key_id():
        return None
    return seal_file(open_sealed_file(sealed, binding=binding), binding=binding)


def seal(plaintext: bytes, *, context: bytes = b"") -> str:
    """An unbound sealed value (`enc1`): `context` must be given again to open it."""
    return _seal(UNBOUND_PREFIX, plaintext, context)


def open_sealed(token: str, *, context: bytes = b"") -> bytes:
    return _open(token, UNBOUND_PREFIX, context)


def row_binding(*, table: str, column: str, row: str) -> bytes:
    """The associated data that binds a value to one column of one row."""
    return json.dumps(["civitas field", table, column, row]).encode()


def seal_bound(plaintext: bytes, *, binding: bytes) -> str:
    """A sealed value (`enc2`) that opens only with the same `binding` (see row_binding)."""
    return _seal(BOUND_PREFIX, plaintext, binding)


def open_bound(token: str, *, binding: bytes) -> bytes:
    if token.startswith(f"{UNBOUND_PREFIX}:"):
        raise DecryptionError(
            "the value was sealed before encrypted fields were bound to their rows: "
            "run `civitas migrate`"
        )
    return _open(token, BOUND_PREFIX, binding)


FILE_MAGIC = b"CVF1"
"""The first bytes of a sealed file: format 1 is the magic, the key id (8 ASCII
characters), a 12-byte nonce, then the AES-GCM ciphertext and tag."""


def file_binding(*, kind: str, identity: str) -> bytes:
    """The associated data that binds a sealed file to what owns it (an upload's token,
    a case's reference and the file's token), as row_binding binds a field to its row."""
    return json.dumps(["civitas file", kind, identity]).encode()


def seal_file(plaintext: bytes, *, binding: bytes) -> bytes:
    """A file's bytes sealed under the current key, to be opened only with `binding`.

    Binary, not base64 text like a field: files can be megabytes. A fresh nonce for every
    file, so sealing the same file twice gives two unrelated ciphertexts."""
    key_id, aead = _current_keys()[0]
    nonce = os.urandom(12)
    return FILE_MAGIC + key_id.encode() + nonce + aead.encrypt(nonce, plaintext, binding)


def open_sealed_file(sealed: bytes, *, binding: bytes) -> bytes:
    """The bytes of a file sealed with seal_file; DecryptionError if it was sealed for
    another owner, altered, truncated, or sealed with a key no longer configured."""
    if len(sealed) < 24 + 16 or not sealed.startswith(FILE_MAGIC):
        raise DecryptionError("not a sealed file")
    key_id, nonce, ciphertext = sealed[4:12].decode("ascii", "replace"), sealed[12:24], sealed[24:]
    for candidate_id, aead in _current_keys():
        if candidate_id == key_id:
            try:
                return aead.decrypt(nonce, ciphertext, binding)
            except InvalidTag:
                raise DecryptionError("the file was sealed for another owner, or altered") from None
    raise DecryptionError(f"no key with id {key_id} is configured")


class SealedValue:
    """A value as stored, not yet opened: what the database gives an encrypted field.

    Opening needs the row, which Django does not pass to `from_db_value`, so the field's
    attribute opens it on first read. `values()` and `values_list()` return it as it is.
    """

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"<SealedValue {self.token.split(':', 1)[0]}>"


class _OpenedOnRead(DeferredAttribute):
    """The attribute of an encrypted field: opens the sealed value on first read.

    A data descriptor (it has __set__), so it is asked even when the instance holds the
    value, unlike Django's DeferredAttribute, which is asked only for a deferred field.
    """

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        value = super().__get__(instance, cls)
        if instance is not None and isinstance(value, SealedValue):
            field: _EncryptedField = self.field  # type: ignore[assignment]
            value = field.open_for(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class _EncryptedField(models.TextField):  # type: ignore[type-arg]
    """A value stored encrypted and bound to its row. It cannot be queried.

    `bound_to` names the field holding the row's stable, unique identity, known before
    the row is inserted (so not an auto-increment id): a UUID primary key, a reference.
    Values are sealed in `pre_save`, where the row is known, so they are written by
    `save()` and `bulk_create()`; `update()` and `bulk_update()` cannot bind them.
    Without `bound_to` (historical models in old migrations only) values are unbound.
    """

    descriptor_class = _OpenedOnRead
    # Binding changes what is written, not the column: no schema change.
    non_db_attrs = (*models.TextField.non_db_attrs, "bound_to")

    def __init__(self, *args: Any, bound_to: str | None = None, **kwargs: Any) -> None:
        self.bound_to = bound_to
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.bound_to is not None:
            kwargs["bound_to"] = self.bound_to
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        identity = None
        if self.bound_to is not None:
            identity = next(
                (f for f in self.model._meta.concrete_fields if f.name == self.bound_to), None
            )
        if identity is None or not identity.unique or isinstance(identity, AutoFieldMixin):
            errors.append(
                checks.Error(
                    f"{self.model.__name__}.{self.name} must be bound to a unique field that "
                    "is set before the row is inserted",
                    hint="Pass bound_to='reference' (or a UUID primary key).",
                    obj=self,
                    id="civitas.E001",
                )
            )
        return errors

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, plaintext: bytes) -> Any:
        raise NotImplementedError

    def binding_for(self, row: Any) -> bytes:
        return row_binding(table=self.model._meta.db_table, column=self.column, row=str(row))

    def _row_of(self, instance: models.Model) -> Any:
        row = getattr(instance, self.bound_to) if self.bound_to else None
        if self.bound_to and row in (None, ""):
            raise ValueError(f"{self.model.__name__}.{self.bound_to} must be set before saving")
        return row

    def seal_for(self, instance: models.Model, value: Any) -> SealedValue:
        plaintext = self.encode(value)
        if self.bound_to is None:
            return SealedValue(seal(plaintext))
        return SealedValue(seal_bound(plaintext, binding=self.binding_for(self._row_of(instance))))

    def open_for(self, instance: models.Model, value: SealedValue) -> Any:
        if self.bound_to is None:
            return self.decode(open_sealed(value.token))
        row = self._row_of(instance)
        try:
            plaintext = open_bound(value.token, binding=self.binding_for(row))
        except DecryptionError as error:
            # Which value could not be opened, by ids only: never the content.
            raise DecryptionError(
                f"cannot open {self.model._meta.db_table}.{self.column} of row {row}: {error}"
            ) from None
        return self.decode(plaintext)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else SealedValue(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        return None if value is None else self.seal_for(model_instance, value)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, SealedValue):
            return value.token
        raise TypeError(
            f"{self.model.__name__}.{self.name} is encrypted for its row: write it with "
            "save() or bulk_create(), not update() or bulk_update()"
        )

    def to_python(self, value: Any) -> Any:
        return value


class EncryptedJSONField(_EncryptedField):
    """A JSON value stored encrypted. Index what a query needs in a plain column."""

    # For django-stubs: the attribute holds JSON, not the text of the underlying column.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()

    def decode(self, plaintext: bytes) -> Any:
        return json.loads(plaintext)


class EncryptedTextField(_EncryptedField):
    def encode(self, value: Any) -> bytes:
        return str(value).encode()

    def decode(self, plaintext: bytes) -> str:
        return plaintext.decode()


def bind_encrypted_fields(model: type[models.Model], *, batch_size: int = 500) -> int:
    """Re-seals the unbound (`enc1`) values of `model`'s encrypted fields bound to their rows.

    For the `bind_encrypted_fields` migrations, with the migration's historical model.
    Values already bound are left as they are, so running it again changes nothing.
    Returns how many values were re-sealed.
    """
    return _reseal_rows(model, batch_size=batch_size, to_bound=True)


def unbind_encrypted_fields(model: type[models.Model], *, batch_size: int = 500) -> int:
    """The reverse of bind_encrypted_fields, for migrating back."""
    return _reseal_rows(model, batch_size=batch_size, to_bound=False)


def _reseal_rows(model: type[models.Model], *, batch_size: int, to_bound: bool) -> int:
    fields = [f for f in model._meta.concrete_fields if isinstance(f, _EncryptedField)]
    from_prefix = f"{UNBOUND_PREFIX if to_bound else BOUND_PREFIX}:"
    changed = 0
    last_pk = None
    while True:
        # Keyset batches: never an open cursor over rows being updated.
        rows = model._base_manager.order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows[:batch_size])
        if not batch:
            return changed
        for instance in batch:
            updates = {}
            for field in fields:
                stored = instance.__dict__[field.attname]
                if not (isinstance(stored, SealedValue) and stored.token.startswith(from_prefix)):
                    continue
                row = field.binding_for(field._row_of(instance))
                if to_bound:
                    plaintext = open_sealed(stored.token)
                    updates[field.attname] = SealedValue(seal_bound(plaintext, binding=row))
                else:
                    plaintext = open_bound(stored.token, binding=row)
                    updates[field.attname] = SealedValue(seal(plaintext))
            if updates:
                model._base_manager.filter(pk=instance.pk).update(**updates)
                changed += len(updates)
        last_pk = batch[-1].pk


class EncryptedSessionSerializer:
    """Django session serializer that seals the JSON, so answers in progress are encrypted
    in the session table like every other copy of personal data."""

    def dumps(self, obj: Any) -> bytes:
        return seal(json.dumps(obj, separators=(",", ":")).encode(), context=b"session").encode()

    def loads(self, data: bytes) -> Any:
        return json.loads(open_sealed(data.decode(), context=b"session"))
