"""Your applications: an application sent while signed in is joined to the account, listed
on /account/ newest first a page at a time, and its tracking page opens without the
emailed code for its owner, and for no one else. Applying still needs no account."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.cases.your_applications import list_account_applications
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from civitas.journeys.tests.test_pages import URL, complete_questions
from conftest import pay_from_check_answers


def sign_in(client, account) -> None:
    response = client.post("/account/sign-in", {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


@pytest.fixture
def account(db):
    return CitizenAccountFactory(email="resident@example.com")


def test_an_application_sent_while_signed_in_is_joined_to_the_account(
    client, parking_permit, account, payments
):
    client.get(f"{URL}/")
    # Signing in part-way through keeps the answers given so far.
    complete_questions(client)
    sign_in(client, account)
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert pay_from_check_answers(client, response).status_code == 302
    case = Case.objects.get()
    assert str(case.account_id) == str(account.pk)
    assert case.status == "submitted"

    home = client.get("/account/").content.decode()
    assert f'href="/applications/{case.reference}/"' in home
    assert "Apply for a resident parking permit" in home
    state = parking_permit.model.workflow.state(case.status)
    assert (
        f'govuk-tag--grey">{state.label["en"] if isinstance(state.label, dict) else state.label}<'
        in home
    )


def test_an_application_sent_without_signing_in_belongs_to_no_account(
    client, parking_permit, payments
):
    complete_questions(client)
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert pay_from_check_answers(client, response).status_code == 302
    assert Case.objects.get().account_id is None


def test_the_owner_sees_the_tracking_page_without_a_code_and_no_one_else_does(
    client, parking_permit, account
):
    case = submit_application(
        service=parking_permit, answers=dict(ANSWERS), fee_pence=100, account_id=str(account.pk)
    )
    page = f"/applications/{case.reference}/"
    assert client.get(page)["Location"] == "/applications/"
    sign_in(client, account)
    response = client.get(page)
    assert response.status_code == 200
    assert case.reference in response.content.decode()

    stranger = Client()
    sign_in(stranger, CitizenAccountFactory(email="stranger@example.com"))
    assert stranger.get(page)["Location"] == "/applications/"
    assert "/applications/" not in stranger.get("/account/").content.decode().split("<main")[
        1
    ].split("Your details")[0].replace('href="/applications/"', "")


def test_the_list_is_newest_first_a_page_at_a_time_in_a_fixed_number_of_queries(
    parking_permit, account
):
    now = timezone.now()
    references = []
    for days in range(5):
        case = submit_application(
            service=parking_permit, answers=dict(ANSWERS), fee_pence=100, account_id=str(account.pk)
        )
        Case.objects.filter(pk=case.pk).update(submitted_at=now - datetime.timedelta(days=days))
        references.append(case.reference)
    submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=100)

    with CaptureQueriesContext(connection) as queries:
        first = list_account_applications(account_id=str(account.pk), language="en", page_size=2)
    assert len(queries) == 2  # the page, and its one service version
    assert [application.reference for application in first.applications] == references[:2]
    second = list_account_applications(
        account_id=str(account.pk), language="en", cursor=first.next_cursor, page_size=2
    )
    third = list_account_applications(
        account_id=str(account.pk), language="en", cursor=second.next_cursor, page_size=2
    )
    assert [application.reference for application in second.applications] == references[2:4]
    assert [application.reference for application in third.applications] == references[4:]
    assert third.next_cursor is None


def test_a_made_up_cursor_gives_the_first_page(client, parking_permit, account):
    submit_application(
        service=parking_permit, answers=dict(ANSWERS), fee_pence=100, account_id=str(account.pk)
    )
    sign_in(client, account)
    for cursor in ("nonsense", "2026-99-99~1", "~", "\x00"):
        response = client.get("/account/", {"after": cursor})
        assert response.status_code == 200


def test_the_account_page_needs_a_signed_in_citizen(client, db, caseworker, signed_in):
    assert client.get("/account/")["Location"] == "/account/sign-in?next=%2Faccount%2F"
    signed_in(caseworker)
    assert client.get("/account/")["Location"].startswith("/account/sign-in")
