"""Answers a signed-in citizen saves are joined to their account: listed on /account/saved
and carried on from there without the emailed link (which then stops working), by their
owner only."""

import pytest
from django.test import Client

from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from civitas.journeys.models import SavedJourney
from civitas.journeys.tests.test_save_and_return import answer_two, save

pytestmark = pytest.mark.django_db


def sign_in(client, account) -> None:
    response = client.post("/account/sign-in", {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


@pytest.fixture
def account(db):
    return CitizenAccountFactory(email="resident@example.com")


def test_answers_saved_while_signed_in_are_listed_in_the_account(client, parking_permit, account):
    sign_in(client, account)
    answer_two(client)
    assert save(client).status_code == 200
    saved = SavedJourney.objects.get()
    assert str(saved.account_id) == str(account.pk)
    page = client.get("/account/saved").content.decode()
    assert "Apply for a resident parking permit" in page
    assert f'action="/account/saved/{saved.id}/"' in page
    assert 'href="/account/saved"' in client.get("/account/").content.decode()


def test_the_owner_carries_on_from_the_account_and_the_link_is_spent(
    client, parking_permit, account
):
    sign_in(client, account)
    answer_two(client)
    save(client)
    saved = SavedJourney.objects.get()
    client.cookies.pop("sessionid", None)  # another day, another browser
    sign_in(client, account)
    response = client.post(f"/account/saved/{saved.id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/services/example-borough/resident-parking-permit/")
    saved.refresh_from_db()
    assert saved.used_at is not None
    assert "You have no saved applications." in client.get("/account/saved").content.decode()


def test_answers_saved_without_signing_in_belong_to_no_account(client, parking_permit):
    answer_two(client)
    save(client)
    assert SavedJourney.objects.get().account_id is None


def test_no_one_else_can_carry_on_with_them(client, parking_permit, account):
    sign_in(client, account)
    answer_two(client)
    save(client)
    saved = SavedJourney.objects.get()
    stranger = Client()
    sign_in(stranger, CitizenAccountFactory(email="someone@example.com"))
    assert stranger.post(f"/account/saved/{saved.id}/")["Location"] == "/account/saved"
    saved.refresh_from_db()
    assert saved.used_at is None
    assert (
        "Apply for a resident parking permit" not in stranger.get("/account/saved").content.decode()
    )


def test_without_signing_in_there_is_nothing(client, parking_permit):
    assert client.get("/account/saved")["Location"].startswith("/account/sign-in")
    response = client.post("/account/saved/00000000-0000-0000-0000-000000000000/")
    assert response["Location"].startswith("/account/sign-in")


def test_carrying_on_needs_a_post(client, parking_permit, account):
    sign_in(client, account)
    assert client.get("/account/saved/00000000-0000-0000-0000-000000000000/").status_code == 405
