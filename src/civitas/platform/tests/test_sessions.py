"""Sessions in the database (a site without Redis): the row holds sealed JSON, an expired
or deleted row is never read, and an answer to a session deleted meanwhile is refused."""

import datetime
import json

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from civitas.journeys.tests.test_pages import URL, answer
from civitas.platform.crypto import seal
from civitas.platform.database_sessions import SessionStore
from civitas.platform.sessions import _statements, update_parameters
from conftest import permit_address

pytestmark = pytest.mark.django_db


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_site_without_redis_keeps_sessions_in_the_database_alone():
    assert settings.SESSION_ENGINE == "civitas.platform.database_sessions"


def test_an_answer_is_stored_sealed_in_the_session_row(client, parking_permit):
    assert answer(client, "address", permit_address()).status_code == 302
    assert answer(client, "vehicle", {"registration": "CU57 ABC"}).status_code == 302

    row = _session_row(client)
    assert row.session_data.startswith("enc1:")  # sealed, without a signature around it
    assert "Station Road" not in row.session_data
    assert SessionStore().decode(row.session_data)  # sealed with the site's keys, and opens
    assert "12 Station Road" in client.get(f"{URL}/address/").content.decode()


def test_a_session_signed_before_sessions_were_sealed_alone_still_opens():
    # What Django's engine stored, and ours until sessions were sealed alone: the sealed
    # JSON, compressed, encoded and signed.
    signed = DBStore().encode({"answers": {"postcode": "EB2 2BB"}})
    assert not signed.startswith("enc1:")
    assert SessionStore().decode(signed) == {"answers": {"postcode": "EB2 2BB"}}


@pytest.mark.parametrize("change", ["a byte", "the context"])
def test_a_session_altered_or_sealed_for_another_use_opens_empty(change, caplog):
    data = json.dumps({"answers": {"postcode": "EB2 2BB"}}).encode()
    if change == "a byte":
        sealed = SessionStore().encode({"answers": {"postcode": "EB2 2BB"}})
        middle = len(sealed) // 2
        sealed = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]
    else:
        sealed = seal(data, context=b"not a session")
    assert SessionStore().decode(sealed) == {}
    assert "EB2" not in caplog.text


def test_an_answer_updates_the_row_and_moves_its_expiry_on(client, parking_permit):
    assert answer(client, "address", permit_address()).status_code == 302
    first = _session_row(client)
    Session.objects.filter(pk=first.pk).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )

    assert answer(client, "vehicle", {"registration": "CU57 ABC"}).status_code == 302

    second = _session_row(client)
    assert second.session_data != first.session_data
    assert second.expire_date > timezone.now() + datetime.timedelta(hours=3)
    assert Session.objects.count() == 1


def test_an_answer_soon_after_another_keeps_the_rows_expiry(client, parking_permit):
    assert answer(client, "address", permit_address()).status_code == 302
    first = _session_row(client)

    assert answer(client, "vehicle", {"registration": "CU57 ABC"}).status_code == 302

    second = _session_row(client)
    assert second.session_data != first.session_data
    assert second.expire_date == first.expire_date  # no index changes: a HOT update


def test_a_session_made_shorter_gets_its_shorter_expiry_at_once():
    store = _stored_session({"answers": {}})
    store.set_expiry(60)
    store["answers"] = {"postcode": "EB2 2BB"}

    store.save()

    row = Session.objects.get(session_key=store.session_key)
    assert row.expire_date < timezone.now() + datetime.timedelta(seconds=61)


def test_an_expired_session_row_is_not_read(client, parking_permit):
    assert answer(client, "address", permit_address()).status_code == 302
    assert answer(client, "vehicle", {"registration": "CU57 ABC"}).status_code == 302
    row = _session_row(client)
    Session.objects.filter(pk=row.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    page = client.get(f"{URL}/address/")

    assert "12 Station Road" not in page.content.decode()


def test_an_answer_to_a_session_deleted_meanwhile_is_refused_and_stores_nothing(
    client, parking_permit
):
    assert answer(client, "address", permit_address()).status_code == 302
    _session_row(client)  # it exists
    # Another request, say signing out in a second tab, deletes it after this one read it.
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    store.load()
    store["answers"] = {"postcode": "EB2 2BB"}
    Session.objects.filter(session_key=key).delete()

    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.filter(session_key=key).exists()


def _stored_session(data: dict) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.create()
    return store


def _synchronous_commit(cursor) -> str:
    cursor.execute("SELECT current_setting('synchronous_commit')")
    return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_session_written_outside_a_transaction_is_updated_and_the_connection_unchanged():
    store = _stored_session({"answers": {"postcode": "EB1 1AA"}})
    store["answers"] = {"postcode": "EB2 2BB"}

    store.save()

    assert SessionStore(store.session_key).load()["answers"] == {"postcode": "EB2 2BB"}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            assert _synchronous_commit(cursor) == "on"


ONLY_POSTGRESQL = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="PostgreSQL only",
)


@ONLY_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_lone_session_update_is_prepared_once_per_connection():
    store = _stored_session({"answers": {}})
    for postcode in ("EB1 1AA", "EB2 2BB", "EB3 3CC"):
        store["answers"] = {"postcode": postcode}
        store.save()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["UPDATE%django_session%"],
        )
        assert cursor.fetchone()[0] == 1


@ONLY_POSTGRESQL
def test_the_lone_session_update_does_not_wait_for_the_disk_and_a_callers_transaction_does():
    store = _stored_session({"answers": {}})
    _, update, alone = _statements("default", Session._meta.db_table)
    with connection.cursor() as cursor:
        # Inside the test's transaction: what the lone statement sets holds until its commit.
        parameters = update_parameters(
            store.encode({}), timezone.now(), store.session_key, connection
        )
        cursor.execute(alone, parameters)
        assert cursor.rowcount == 1
        assert _synchronous_commit(cursor) == "off"

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO on")
        store["answers"] = {"postcode": "EB2 2BB"}
        store.save()  # a caller's transaction: the plain update, the caller's commit
        assert _synchronous_commit(cursor) == "on"
    assert "set_config" not in update
