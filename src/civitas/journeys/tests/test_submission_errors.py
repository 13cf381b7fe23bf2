"""A whole application checked at once (the API's way): one bad answer is one error, not
an error for every answer after it, whose route the bad answer left unknown."""

import datetime

import pytest

from civitas.catalogue.public import QuestionPage
from civitas.journeys import flow
from conftest import SERVICES, publish_example

TODAY = datetime.date(2026, 12, 1)
REGISTRATION = {
    "nationality": ["british"],
    "date_of_birth": "1990-04-12",
    "first_name": "Sam",
    "last_name": "Resident",
    "changed_name": "no",
    "national_insurance_number": "AB 12 34 56 C",
    "address": "12 Station Road\nEastbury\nEB1 1AA",
    "moved_in_on": "2020-01-01",
    "open_register": "no",
    "postal_vote": "no",
    "email": "resident@example.com",
}


@pytest.fixture
def register_to_vote(db):
    return publish_example(SERVICES / "register-to-vote" / "service.yaml")


def test_a_future_date_of_birth_is_one_error_not_one_for_every_later_answer(register_to_vote):
    answers = {**REGISTRATION, "date_of_birth": "2030-01-01"}

    checked = flow.check_submission(register_to_vote, answers, today=TODAY)

    assert list(checked.errors) == ["date_of_birth"]


def test_an_answer_to_no_question_of_the_service_is_an_error_even_after_a_bad_answer(
    register_to_vote,
):
    answers = {**REGISTRATION, "date_of_birth": "2030-01-01", "shoe_size": "9"}

    checked = flow.check_submission(register_to_vote, answers, today=TODAY)

    assert set(checked.errors) == {"date_of_birth", "shoe_size"}
    assert checked.errors["shoe_size"] == "this is not a question this service asks"


def test_an_answer_off_the_route_of_valid_answers_is_still_an_error(register_to_vote):
    # Moved in more than a year ago: the previous address is not asked.
    answers = {**REGISTRATION, "previous_address": "1 Old Street\nEastbury\nEB1 1AB"}

    checked = flow.check_submission(register_to_vote, answers, today=TODAY)

    assert checked.errors == {
        "previous_address": "this question is not on the route for these answers"
    }


def test_after_an_answer_in_error_each_later_answer_is_still_checked_on_its_own(
    register_to_vote,
):
    answers = {**REGISTRATION, "date_of_birth": "2030-01-01", "email": "not an email"}

    checked = flow.check_submission(register_to_vote, answers, today=TODAY)

    assert set(checked.errors) == {"date_of_birth", "email"}


def test_valid_answers_have_no_errors(register_to_vote):
    assert flow.check_submission(register_to_vote, REGISTRATION, today=TODAY).errors == {}


def test_a_repeating_group_off_the_route_is_off_the_route_not_unknown(db):
    street_party = publish_example(SERVICES / "street-party" / "service.yaml")
    group = next(
        page.id
        for page in street_party.model.pages
        if isinstance(page, QuestionPage) and page.repeat is not None
    )

    checked = flow.check_submission(street_party, {"unknown_answer": "x", group: []}, today=TODAY)

    assert checked.errors["unknown_answer"] == "this is not a question this service asks"
    assert checked.errors.get(group) != "this is not a question this service asks"


def test_the_api_points_at_each_answer_in_error_as_rfc_9457_lists_them():
    from civitas.journeys.api import answer_errors

    listed = answer_errors(
        {
            "date_of_birth": "The date must be in the past",
            "": "the answers lead to 'too-young'",
            "neighbours/2/neighbour_name": "Enter a name",
            "odd~name": "Enter it",
        }
    )

    assert listed == [
        {"detail": "The date must be in the past", "pointer": "#/answers/date_of_birth"},
        {"detail": "the answers lead to 'too-young'", "pointer": "#/answers"},
        {"detail": "Enter a name", "pointer": "#/answers/neighbours/1/neighbour_name"},
        {"detail": "Enter it", "pointer": "#/answers/odd~0name"},
    ]
