"""Sessions in the database (a site without Redis): the row holds sealed JSON, an expired
or deleted row is never read, and an answer to a session deleted meanwhile is refused."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.utils import timezone

from civitas.journeys.tests.test_pages import URL, answer
from civitas.platform.database_sessions import SessionStore

pytestmark = pytest.mark.django_db


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_site_without_redis_keeps_sessions_in_the_database_alone():
    assert settings.SESSION_ENGINE == "civitas.platform.database_sessions"


def test_an_answer_is_stored_sealed_in_the_session_row(client, parking_permit):
    assert answer(client, "postcode", {"postcode": "EB1 1AA"}).status_code == 302
    assert answer(client, "address", {"address_line": "12 Station Road"}).status_code == 302

    row = _session_row(client)
    assert "Station Road" not in row.session_data
    assert row.get_decoded()  # sealed with the site's keys, and opens again
    assert "12 Station Road" in client.get(f"{URL}/address/").content.decode()


def test_an_answer_updates_the_row_and_moves_its_expiry_on(client, parking_permit):
    assert answer(client, "postcode", {"postcode": "EB1 1AA"}).status_code == 302
    first = _session_row(client)
    Session.objects.filter(pk=first.pk).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )

    assert answer(client, "address", {"address_line": "12 Station Road"}).status_code == 302

    second = _session_row(client)
    assert second.session_data != first.session_data
    assert second.expire_date > timezone.now() + datetime.timedelta(hours=3)
    assert Session.objects.count() == 1


def test_an_expired_session_row_is_not_read(client, parking_permit):
    assert answer(client, "postcode", {"postcode": "EB1 1AA"}).status_code == 302
    assert answer(client, "address", {"address_line": "12 Station Road"}).status_code == 302
    row = _session_row(client)
    Session.objects.filter(pk=row.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    page = client.get(f"{URL}/address/")

    assert "12 Station Road" not in page.content.decode()


def test_an_answer_to_a_session_deleted_meanwhile_is_refused_and_stores_nothing(
    client, parking_permit
):
    assert answer(client, "postcode", {"postcode": "EB1 1AA"}).status_code == 302
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
