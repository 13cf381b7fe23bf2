"""Staff sessions: a new id at every sign-in, idle and absolute timeouts with the GOV.UK
warning, and every session of a person ended at once (deactivation, "sign out
everywhere") on either session engine."""

import json
import logging
import time

import pyotp
import pytest
from django.test import Client

from civitas.identity.models import Membership, StaffUser
from civitas.identity.staff_sessions import ACTIVE_AT_KEY, SIGNED_IN_AT_KEY
from civitas.platform.models import AuditEvent
from conftest import CASEWORKER_TOTP, make_staff
from tests.redis_server import RedisServer


def _signed_in_client(user, *, step: int = 0) -> Client:
    """A browser of the person's, signed in. A code is accepted once only: a second
    browser of the same person signs in with a code of a later step (the device accepts
    the steps either side of now)."""
    client = Client()
    client.post("/staff/sign-in", {"email": user.email, "password": "correct-horse-battery"})
    code = pyotp.TOTP(CASEWORKER_TOTP).at(time.time() + 30 * step)
    response = client.post("/staff/sign-in/code", {"code": code})
    assert response.status_code == 302
    return client


def _security_records(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "civitas.security"]


@pytest.fixture(params=["database", "redis"])
def session_engine(request, settings):
    """Each test runs on the database engine and on the Redis-cached one."""
    if request.param == "database":
        settings.SESSION_ENGINE = "civitas.platform.database_sessions"
        yield request.param
        return
    with RedisServer() as redis_server:
        settings.CACHES = {
            **settings.CACHES,
            "sessions": {
                "BACKEND": "civitas.platform.cache.RedisCache",
                "LOCATION": redis_server.url,
                "OPTIONS": {"serializer": "civitas.platform.sessions.SealedValueSerializer"},
            },
        }
        settings.SESSION_ENGINE = "civitas.platform.sessions"
        settings.SESSION_CACHE_ALIAS = "sessions"
        yield request.param


def test_the_session_id_changes_when_the_password_is_accepted(client, caseworker):
    client.get("/staff/sign-in")
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    client.cookies["sessionid"] = planted
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    assert client.cookies["sessionid"].value != planted


def test_deactivating_someone_ends_every_session_of_theirs_at_once(
    session_engine, caseworker, administrator
):
    desk = _signed_in_client(caseworker, step=-1)
    laptop = _signed_in_client(caseworker)
    admin = _signed_in_client(administrator)
    assert desk.get("/staff/cases/").status_code == 200
    assert laptop.get("/staff/cases/").status_code == 200
    response = admin.post(f"/staff/people/{caseworker.pk}/deactivate")
    assert response.status_code == 302
    for device in (desk, laptop):
        response = device.get("/staff/cases/")
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/sign-in")
    assert admin.get("/staff/people/").status_code == 200  # nobody else's session ends


def test_a_deactivated_account_cannot_sign_in_again(caseworker, administrator):
    _signed_in_client(administrator).post(f"/staff/people/{caseworker.pk}/deactivate")
    caseworker.refresh_from_db()
    assert caseworker.is_active is False
    assert not Membership.objects.filter(user=caseworker).exists()
    response = Client().post(
        "/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 400


def test_someone_on_two_organisations_staff_keeps_the_other_but_their_sessions_end(
    session_engine, caseworker, administrator
):
    make_staff(caseworker.email, "caseworker", "sample-district")
    desk = _signed_in_client(caseworker)
    _signed_in_client(administrator).post(f"/staff/people/{caseworker.pk}/deactivate")
    # Their account still works, so it is the session stamp that ends this session.
    assert desk.get("/staff/organisation")["Location"].startswith("/staff/sign-in")
    caseworker.refresh_from_db()
    assert caseworker.is_active is True
    assert list(Membership.objects.filter(user=caseworker).values_list("organisation__slug")) == [
        ("sample-district",)
    ]
    event = AuditEvent.objects.get(action="staff.deactivated")
    assert event.details == {"account_closed": False}
    assert event.organisation == "example-borough"


def test_another_organisations_administrator_cannot_deactivate_our_staff(caseworker, caplog):
    other_admin = make_staff("admin@sample-district.gov.uk", "administrator", "sample-district")
    client = _signed_in_client(other_admin)
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        response = client.post(f"/staff/people/{caseworker.pk}/deactivate")
    assert response.status_code == 404
    caseworker.refresh_from_db()
    assert caseworker.is_active is True
    assert caseworker.session_generation == 0
    assert _security_records(caplog) == [
        {
            "event": "access.refused",
            "reason": "not_found",
            "staff": other_admin.pk,
            "view": "identity:deactivate",
        }
    ]


def test_a_caseworker_cannot_deactivate_anyone(caseworker, administrator, caplog):
    client = _signed_in_client(caseworker)
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        assert client.post(f"/staff/people/{administrator.pk}/deactivate").status_code == 403
    administrator.refresh_from_db()
    assert administrator.is_active is True
    [record] = _security_records(caplog)
    assert record == {
        "event": "access.refused",
        "reason": "missing_permission",
        "staff": caseworker.pk,
        "organisation": "example-borough",
        "permission": "staff.manage",
        "view": "identity:deactivate",
    }


def test_an_administrator_cannot_deactivate_themselves(administrator):
    client = _signed_in_client(administrator)
    assert client.post(f"/staff/people/{administrator.pk}/deactivate").status_code == 404
    assert StaffUser.objects.get(pk=administrator.pk).is_active


def test_signing_out_everywhere_ends_the_other_sessions_too(session_engine, caseworker):
    desk = _signed_in_client(caseworker, step=-1)
    laptop = _signed_in_client(caseworker)
    response = desk.post("/staff/sign-out-everywhere")
    assert response.status_code == 302
    assert laptop.get("/staff/cases/")["Location"].startswith("/staff/sign-in")
    assert desk.get("/staff/cases/")["Location"].startswith("/staff/sign-in")
    assert AuditEvent.objects.filter(action="staff.signed_out_everywhere").count() == 1
    # Signing in again works, and opens a session the old stamp does not end.
    assert _signed_in_client(caseworker, step=1).get("/staff/cases/").status_code == 200


def _age(client: Client, *, idle_seconds: float = 0, signed_in_seconds: float = 0) -> None:
    session = client.session
    now = time.time()
    session[ACTIVE_AT_KEY] = now - idle_seconds
    session[SIGNED_IN_AT_KEY] = now - max(idle_seconds, signed_in_seconds)
    session.save()


def test_a_session_idle_past_its_timeout_ends(caseworker, settings, caplog):
    client = _signed_in_client(caseworker)
    _age(client, idle_seconds=settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 + 1)
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        response = client.get("/staff/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/timed-out")
    assert client.get("/staff/cases/")["Location"].startswith("/staff/sign-in")
    [record] = _security_records(caplog)
    assert record == {
        "event": "session.ended",
        "reason": "idle_timeout",
        "staff": str(caseworker.pk),
    }


def test_a_busy_session_still_ends_at_its_absolute_timeout(caseworker, settings):
    client = _signed_in_client(caseworker)
    _age(client, idle_seconds=5, signed_in_seconds=settings.STAFF_ABSOLUTE_TIMEOUT_HOURS * 3600 + 1)
    assert client.get("/staff/cases/")["Location"].startswith("/staff/timed-out")


def test_a_page_view_keeps_the_session_alive(caseworker, settings):
    client = _signed_in_client(caseworker)
    _age(client, idle_seconds=settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - 60)
    assert client.get("/staff/cases/").status_code == 200
    assert time.time() - client.session[ACTIVE_AT_KEY] < 5


def test_the_warnings_continue_keeps_the_session_and_says_how_long_it_has(caseworker, settings):
    client = _signed_in_client(caseworker)
    _age(client, idle_seconds=settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - 30)
    answer = client.post("/staff/keep-alive").json()
    assert answer["alive"] is True
    assert answer["expires_in_seconds"] >= settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - 5


def test_continue_after_the_timeout_says_the_session_has_ended(caseworker, settings):
    client = _signed_in_client(caseworker)
    _age(client, idle_seconds=settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 + 1)
    assert client.post("/staff/keep-alive").json() == {
        "alive": False,
        "timed_out_url": "/staff/timed-out",
    }


def test_staff_pages_carry_the_timeout_warning_and_the_sign_in_page_does_not(caseworker):
    client = _signed_in_client(caseworker)
    page = client.get("/staff/cases/").content.decode()
    assert 'id="timeout-warning"' in page
    assert 'data-keep-alive-url="/staff/keep-alive"' in page
    assert '<script type="module" src="/static/platform/timeout-warning.js"></script>' in page
    assert 'id="timeout-warning"' not in Client().get("/staff/sign-in").content.decode()


def test_a_session_that_did_not_start_at_the_sign_in_pages_opens_nothing(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/staff/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in")
