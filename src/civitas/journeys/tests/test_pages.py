"""The parking permit journey through its pages, as a browser without JavaScript sees it."""

import datetime

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.notify.models import Message
from conftest import pay_from_check_answers, permit_address

URL = "/services/example-borough/resident-parking-permit"


def answer(client, page: str, data: dict, *, version: int = 1, change: bool = False):
    path = f"{URL}/{page}/" + ("?change=1" if change else "")
    return client.post(path, {"version": str(version), **data})


def complete_questions(client, *, postcode: str = "EB1 1AA", version: int = 1) -> None:
    start = timezone.localdate() + datetime.timedelta(days=7)
    steps = [
        ("address", permit_address(postcode)),
        ("vehicle", {"registration": "cu57 abc"}),
        ("emissions", {"co2_band": "B"}),
        ("permit-length", {"permit_months": "12"}),
        (
            "start-date",
            {
                "start_date-day": str(start.day),
                "start_date-month": str(start.month),
                "start_date-year": str(start.year),
            },
        ),
        ("household-permits", {"permits_in_household": "0"}),
        ("blue-badge", {"has_blue_badge": "no"}),
        ("email", {"email": "resident@example.com"}),
    ]
    for page, data in steps:
        response = answer(client, page, data, version=version)
        assert response.status_code == 302, (page, response.content[:2000])


def test_start_page_links_to_the_first_question(client, parking_permit):
    response = client.get(f"{URL}/")
    assert response.status_code == 200
    assert f'href="{URL}/address/"'.encode() in response.content


def test_an_empty_answer_shows_the_error_summary_linked_to_the_field(client, parking_permit):
    response = answer(client, "address", {"address-postcode": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert 'href="#address-postcode"' in body
    assert "Enter a postcode" in body
    assert "<title>Error:" in body


def test_an_invalid_answer_is_kept_in_the_field(client, parking_permit):
    response = answer(client, "address", {"address-postcode": "not a postcode"})
    assert response.status_code == 400
    assert 'value="not a postcode"' in response.content.decode()


def test_an_address_outside_every_zone_leads_to_the_exit_page(client, parking_permit):
    response = answer(client, "address", permit_address("EB9 9ZZ"))
    assert response.headers["Location"] == f"{URL}/not-in-a-zone/"
    page = client.get(response.headers["Location"])
    assert b"You cannot apply for a resident parking permit" in page.content


def test_a_citizen_cannot_open_a_page_they_have_not_reached(client, parking_permit):
    response = client.get(f"{URL}/email/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}/address/"


def test_a_posted_answer_for_a_page_not_on_the_route_is_rejected(client, parking_permit):
    response = answer(client, "email", {"email": "resident@example.com"})
    assert response.status_code == 400
    session_answers = client.session.get("journey:example-borough/resident-parking-permit")
    assert not session_answers or "email" not in session_answers["answers"]


def test_an_unknown_option_value_is_rejected_and_not_stored(client, parking_permit):
    complete_questions(client)
    response = answer(client, "emissions", {"co2_band": "Z"})
    assert response.status_code == 400
    assert (
        client.session["journey:example-borough/resident-parking-permit"]["answers"]["co2_band"]
        == "B"
    )


def test_a_post_for_a_version_that_is_not_live_is_rejected(client, parking_permit):
    response = answer(client, "address", permit_address(), version=99)
    assert response.status_code == 409
    assert client.session.get("journey:example-borough/resident-parking-permit") is None


def test_a_post_without_a_csrf_token_is_rejected(parking_permit):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{URL}/address/", {"version": "1", **permit_address()})
    assert response.status_code == 403
    assert b"Your form could not be sent" in response.content


def test_an_unknown_service_is_a_404_page(client, db):
    response = client.get("/services/no-such-service/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_check_answers_lists_answers_with_change_links_and_the_fee(client, parking_permit):
    complete_questions(client)
    response = client.get(f"{URL}/check-answers/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "CU57 ABC" in body
    assert f"{URL}/emissions/?change=1" in body
    assert "£105" in body  # band B, 12 months, on the 2026 tariff
    assert 'id="fee-explanation"' in body
    assert "The fee for a 12-month permit for a band B vehicle from 1 April 2026 is £105." in body
    assert "As this would be the first permit in your household, there is no surcharge." in body


def test_changing_an_answer_returns_to_check_answers(client, parking_permit):
    complete_questions(client)
    response = answer(client, "emissions", {"co2_band": "electric"}, change=True)
    assert response.headers["Location"] == f"{URL}/check-answers/"
    assert "£30" in client.get(f"{URL}/check-answers/").content.decode()


def test_an_address_changed_out_of_the_zones_and_back_keeps_the_later_answers(
    client, parking_permit
):
    complete_questions(client)
    before = dict(client.session["journey:example-borough/resident-parking-permit"]["answers"])
    response = answer(client, "address", permit_address("EB9 9ZZ"), change=True)
    assert response.headers["Location"] == f"{URL}/not-in-a-zone/"
    # Nothing after the exit is shown while the route ends there.
    assert client.get(f"{URL}/check-answers/").headers["Location"] == f"{URL}/not-in-a-zone/"
    response = answer(client, "address", permit_address(), change=True)
    assert response.headers["Location"] == f"{URL}/check-answers/"
    after = client.session["journey:example-borough/resident-parking-permit"]["answers"]
    assert after == before


def test_a_start_date_in_the_past_is_refused(client, parking_permit):
    complete_questions(client)
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = answer(
        client,
        "start-date",
        {
            "start_date-day": str(past.day),
            "start_date-month": str(past.month),
            "start_date-year": str(past.year),
        },
    )
    assert response.status_code == 400
    assert b"The start date must be today or in the future" in response.content


def test_the_declaration_must_be_confirmed(client, parking_permit):
    complete_questions(client)
    response = client.post(f"{URL}/declaration/", {"version": "1"})
    assert response.status_code == 400
    assert b"Confirm that the information you have given is correct" in response.content
    assert not Case.objects.exists()


def test_submitting_stores_a_case_and_queues_the_confirmation_email(
    client, parking_permit, payments
):
    complete_questions(client)
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302
    # Stored, waiting for its fee: the applicant is sent to the card page to pay it.
    case = Case.objects.get()
    assert case.status == "awaiting_payment"
    assert response.headers["Location"].startswith(payments.sandbox.url)
    assert not Message.objects.exists()
    back = pay_from_check_answers(client, response)
    assert back.headers["Location"] == f"{URL}/confirmation/{case.reference}/"
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.service_version == 1
    assert case.fee_pence == 10500
    assert case.fee_decision["rule_set"]["hash"] == parking_permit.model.rules.sha256
    assert case.fee_decision["outputs"] == {"eligible": True, "fee_pence": 10500}
    assert case.answers["zone"] == "A"
    message = Message.objects.get(template="submitted")
    assert message.idempotency_key == f"case:{case.reference}:submitted"
    confirmation = client.get(back.headers["Location"])
    assert case.reference in confirmation.content.decode()
    # Then the satisfaction question, in two clicks at most.
    assert (
        'href="/feedback/example-borough/resident-parking-permit/">What did you think of this '
        "service?</a>"
    ) in confirmation.content.decode()


@pytest.mark.parametrize("page", ["check-answers", "declaration"])
def test_back_after_sending_shows_the_confirmation_not_a_blank_application(
    client, parking_permit, payments, page
):
    complete_questions(client)
    # Sent to the card page, the applicant goes back instead of paying.
    client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    reference = Case.objects.get().reference
    response = client.get(f"{URL}/{page}/")
    assert response.headers["Location"] == f"{URL}/confirmation/{reference}/"
    # Starting again is still a choice: the first question is blank.
    assert client.get(f"{URL}/address/").status_code == 200


def test_the_confirmation_page_is_only_shown_to_the_applicant(client, parking_permit):
    complete_questions(client)
    client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    reference = Case.objects.get().reference
    from django.test import Client

    assert Client().get(f"{URL}/confirmation/{reference}/").status_code == 404


@pytest.mark.parametrize("page", ["check-answers", "declaration"])
def test_the_end_of_the_journey_cannot_be_reached_early(client, parking_permit, page):
    answer(client, "address", permit_address())
    response = client.get(f"{URL}/{page}/")
    assert response.headers["Location"] == f"{URL}/vehicle/"


def test_a_household_at_the_permit_limit_is_told_why_it_cannot_apply(client, parking_permit):
    complete_questions(client)
    response = answer(client, "household-permits", {"permits_in_household": "3"}, change=True)
    assert response.headers["Location"] == f"{URL}/cannot-have-a-permit/"
    body = client.get(response.headers["Location"]).content.decode()
    assert "You cannot have a resident parking permit" in body
    assert "Your household already has 3 permits, and a household can have at most 3." in body
    assert "Fee to pay" not in body
    assert f'href="{URL}/blue-badge/"' in body  # back to the last question answered
    assert client.get(f"{URL}/check-answers/").headers["Location"] == (
        f"{URL}/cannot-have-a-permit/"
    )
    assert client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"}).status_code == 302
    assert not Case.objects.exists()


def test_a_blue_badge_holder_sees_the_discount_before_the_declaration(client, parking_permit):
    complete_questions(client)
    answer(client, "blue-badge", {"has_blue_badge": "yes"}, change=True)
    body = client.get(f"{URL}/check-answers/").content.decode()
    assert "£52.50" in body
    assert "As you hold a Blue Badge, the fee is reduced by 50% (£52.50)." in body


def test_back_from_a_page_opened_to_change_an_answer_returns_to_check_answers(
    client, parking_permit
):
    complete_questions(client)
    page = client.get(f"{URL}/emissions/?change=1").content.decode()
    assert f'<a href="{URL}/check-answers/" class="govuk-back-link">' in page
    page = client.get(f"{URL}/emissions/").content.decode()
    assert f'<a href="{URL}/vehicle/" class="govuk-back-link">' in page
