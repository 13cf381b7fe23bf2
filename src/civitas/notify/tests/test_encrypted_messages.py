"""An email's encrypted recipient and content are bound to their message."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message
from civitas.notify.tests.factories import MessageFactory
from civitas.platform.crypto import DecryptionError, seal

bind_migration = importlib.import_module("civitas.notify.migrations.0003_bind_encrypted_fields")
COLUMNS = ("recipient", "subject", "body_text", "body_html")


def _stored(message: Message, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM notify_message WHERE id = %s",  # noqa: S608
            [message.id.hex if connection.vendor == "sqlite" else message.id],
        )
        return cursor.fetchone()[0]


def _store(message: Message, column: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE notify_message SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, message.id.hex if connection.vendor == "sqlite" else message.id],
        )


def test_a_recipient_copied_from_another_message_is_refused_on_read(db):
    theirs = MessageFactory(recipient="victim@example.com")
    mine = MessageFactory(recipient="attacker@example.com")
    _store(mine, "recipient", _stored(theirs, "recipient"))
    copied = Message.objects.get(id=mine.id)
    with pytest.raises(DecryptionError, match=f"notify_message.recipient of row {mine.id}"):
        copied.recipient  # noqa: B018
    assert copied.subject == "Your application"


def test_a_body_copied_into_the_recipient_column_is_refused_on_read(db):
    message = MessageFactory()
    _store(message, "recipient", _stored(message, "body_text"))
    with pytest.raises(DecryptionError, match="sealed for another place"):
        Message.objects.get(id=message.id).recipient  # noqa: B018


def test_the_migration_binds_messages_written_before_binding(db):
    message = MessageFactory(recipient="resident@example.com")
    for column in COLUMNS:
        _store(message, column, seal(f"old {column}".encode()))

    bind_migration.bind_existing_rows(apps, connection.schema_editor())

    migrated = Message.objects.get(id=message.id)
    for column in COLUMNS:
        assert _stored(message, column).startswith("enc2:")
        assert getattr(migrated, column) == f"old {column}"


def test_messages_created_in_bulk_are_bound_to_their_rows(db):
    first, second = MessageFactory.build_batch(
        2, recipient="bulk@example.com", organisation=OrganisationFactory()
    )
    Message.objects.bulk_create([first, second])
    assert _stored(first, "recipient").startswith("enc2:")
    assert [m.recipient for m in Message.objects.all()] == ["bulk@example.com"] * 2
