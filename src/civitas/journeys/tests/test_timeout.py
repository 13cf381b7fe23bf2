"""A journey left alone too long is deleted; citizens are told, and warned before."""

import pytest

from civitas.journeys.tests.test_pages import URL, answer
from conftest import permit_address

KEY = "journey:example-borough/resident-parking-permit"


def idle_for(client, minutes: float) -> None:
    session = client.session
    session[KEY] = {**session[KEY], "active_at": session[KEY]["active_at"] - minutes * 60}
    session.save()


def test_a_journey_idle_past_the_timeout_is_deleted_and_the_citizen_told(client, parking_permit):
    answer(client, "address", permit_address())
    idle_for(client, 31)
    response = client.get(f"{URL}/address/")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}/timed-out/"
    assert client.session.get(KEY) is None
    page = client.get(response["Location"]).content.decode()
    assert "Your application has timed out" in page
    assert f'href="{URL}/"' in page
    assert "use the link in the email" not in page


def test_an_answer_posted_after_the_timeout_is_not_stored(client, parking_permit):
    answer(client, "address", permit_address())
    idle_for(client, 31)
    response = answer(client, "vehicle", {"registration": "CU57 ABC"})
    assert response["Location"] == f"{URL}/timed-out/"
    assert client.session.get(KEY) is None


def test_a_journey_within_the_timeout_carries_on(client, parking_permit):
    answer(client, "address", permit_address())
    idle_for(client, 29)
    assert client.get(f"{URL}/address/").status_code == 200
    # Reading a page counts as doing something.
    assert client.session[KEY]["active_at"] > 0
    idle_for(client, 29)
    assert client.get(f"{URL}/address/").status_code == 200


def test_the_timeout_is_a_setting(client, parking_permit, settings):
    settings.JOURNEY_TIMEOUT_MINUTES = 5
    page = client.get(f"{URL}/address/").content.decode()
    assert "if you do nothing for 5 minutes" in page
    # The dialog counts from the page's opening: it warns up to 30 seconds early.
    assert 'data-timeout-seconds="270"' in page
    answer(client, "address", permit_address())
    idle_for(client, 6)
    assert client.get(f"{URL}/address/")["Location"] == f"{URL}/timed-out/"


def test_keep_alive_continues_the_journey(client, parking_permit):
    answer(client, "address", permit_address())
    idle_for(client, 28)
    response = client.post(f"{URL}/keep-alive/")
    assert response.status_code == 200
    assert response.json()["alive"] is True
    assert 29 * 60 < response.json()["expires_in_seconds"] <= 30 * 60
    idle_for(client, 20)
    assert client.get(f"{URL}/address/").status_code == 200


def test_keep_alive_cannot_bring_back_a_timed_out_journey(client, parking_permit):
    answer(client, "address", permit_address())
    idle_for(client, 31)
    response = client.post(f"{URL}/keep-alive/")
    assert response.json() == {"alive": False, "timed_out_url": f"{URL}/timed-out/"}
    assert client.get(f"{URL}/address/")["Location"] == f"{URL}/timed-out/"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_keep_alive_takes_only_a_post(client, parking_permit, method):
    assert getattr(client, method)(f"{URL}/keep-alive/").status_code == 405


def test_keep_alive_needs_the_csrf_token(parking_permit):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post(f"{URL}/keep-alive/").status_code == 403


def test_the_warning_dialog_is_served_with_its_script_from_this_site(client, parking_permit):
    page = client.get(f"{URL}/address/").content.decode()
    assert '<dialog class="civitas-timeout-dialog" id="timeout-warning"' in page
    assert 'data-warning-seconds="120"' in page
    assert '<script type="module" src="/static/platform/timeout-warning.js"></script>' in page


def test_the_timed_out_page_deletes_the_answers_it_says_are_deleted(client, parking_permit):
    answer(client, "address", permit_address())
    assert "Your application has timed out" in client.get(f"{URL}/timed-out/").content.decode()
    assert client.session.get(KEY) is None
