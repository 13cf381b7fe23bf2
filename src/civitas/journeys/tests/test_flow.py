"""The journey rules as pure functions: answers in, route and errors out."""

import datetime

import pytest

from civitas.journeys import flow

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture
def service(parking_permit):
    return parking_permit


def page(service, page_id):
    return service.page(page_id)


def test_the_route_starts_at_the_first_question(service):
    route = flow.route(service, {})
    assert route.pages == ["postcode"]
    assert route.current == "postcode"


def test_a_postcode_in_a_zone_derives_the_zone(service):
    result = flow.clean_answer(
        service, page(service, "postcode"), {"postcode": "eb11aa"}, today=TODAY
    )
    assert result.value == "EB1 1AA"
    assert result.derived == {"zone": "A"}


@pytest.mark.parametrize("registration", ["CU57ABC", "cu57 abc", "A123BCD", "ABC 123D", "1234 AB"])
def test_real_registration_formats_are_accepted(service, registration):
    result = flow.clean_answer(
        service, page(service, "vehicle"), {"registration": registration}, today=TODAY
    )
    assert result.error is None


@pytest.mark.parametrize("registration", ["", "!!!", "CU57ABCDEFG"])
def test_other_registrations_are_refused(service, registration):
    result = flow.clean_answer(
        service, page(service, "vehicle"), {"registration": registration}, today=TODAY
    )
    assert result.error is not None


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"start_date-day": "", "start_date-month": "", "start_date-year": ""}, "start_date-day"),
        (
            {"start_date-day": "1", "start_date-month": "", "start_date-year": "2027"},
            "start_date-month",
        ),
        (
            {"start_date-day": "31", "start_date-month": "2", "start_date-year": "2027"},
            "start_date-day",
        ),
        (
            {"start_date-day": "1", "start_date-month": "1", "start_date-year": "27"},
            "start_date-year",
        ),
    ],
)
def test_date_errors_point_at_the_part_to_fix(service, parts, field):
    result = flow.clean_answer(service, page(service, "start-date"), parts, today=TODAY)
    assert result.error.field == field


def test_a_date_too_far_ahead_is_refused(service):
    later = TODAY + datetime.timedelta(days=93)
    result = flow.clean_answer(
        service,
        page(service, "start-date"),
        {
            "start_date-day": str(later.day),
            "start_date-month": str(later.month),
            "start_date-year": str(later.year),
        },
        today=TODAY,
    )
    assert result.error.message == "The start date must be within 3 months from today"


def test_an_email_without_a_domain_is_refused(service):
    result = flow.clean_answer(service, page(service, "email"), {"email": "name@"}, today=TODAY)
    assert "correct format" in result.error.message


def test_the_fee_comes_from_the_table(service):
    assert flow.fee_pence(service, {"co2_band": "D", "permit_months": "6"}) == 13000
    assert flow.fee_pence(service, {"co2_band": "D"}) is None


def test_exit_pages_are_never_reached_by_falling_through(service):
    answers = {"postcode": "EB1 1AA", "zone": "A"}
    assert flow.route(service, answers).current == "address"
