"""The journey rules as pure functions: answers in, route and errors out. The service is
built in memory, so only the test that publishes a version needs the database."""

import datetime
import shutil

import pytest

from civitas.catalogue.tests.memory import parking_permit as parking_permit_in_memory
from civitas.journeys import flow
from conftest import PERMIT_HOME, permit_address

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture(scope="module")
def service():
    return parking_permit_in_memory()


def page(service, page_id):
    return service.page(page_id)


def test_the_route_starts_at_the_first_question(service):
    route = flow.route(service, {})
    assert route.pages == ["address"]
    assert route.current == "address"


def test_an_address_in_a_zone_derives_the_zone_from_its_postcode(service):
    result = flow.clean_answer(
        service, page(service, "address"), permit_address("eb11aa"), today=TODAY
    )
    assert result.value == PERMIT_HOME
    assert result.derived == {"zone": "A"}


def test_an_address_chosen_from_the_list_derives_the_zone(service):
    fields = {
        "address-step": "select",
        "address-postcode": "EB2 2BB",
        "address-uprn": "100000000041",
    }
    result = flow.clean_answer(service, page(service, "address"), fields, today=TODAY)
    assert result.value == "5 Bridge Street\nEastbury\nEB2 2BB"
    assert result.derived == {"zone": "B"}


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
    assert result.error.message == "The start date must be on or before 24 February 2027"


def test_an_email_without_a_domain_is_refused(service):
    result = flow.clean_answer(service, page(service, "email"), {"email": "name@"}, today=TODAY)
    assert "correct format" in result.error.message


ANSWERS = {
    "address": PERMIT_HOME,
    "zone": "A",
    "registration": "CU57ABC",
    "co2_band": "D",
    "permit_months": "6",
    "start_date": "2026-12-01",
    "permits_in_household": "0",
    "has_blue_badge": "no",
    "email": "resident@example.com",
    "phone": None,
}


def test_the_fee_comes_from_the_rules_with_its_explanation(service):
    fee = flow.fee_for(service, ANSWERS, today=TODAY)
    assert fee.pence == 9600  # a 6-month band D permit on the 2026 tariff
    assert fee.explanation[-1] == "Fee to pay: £96."
    assert (
        "The fee for a 6-month permit for a band D vehicle from 1 April 2026 is £96."
        in fee.explanation
    )
    assert fee.decided_on == datetime.date(2026, 12, 1)


def test_the_fee_is_worked_out_for_the_day_the_permit_starts(service):
    # Applied for in March, the permit starting on 1 April pays the April tariff.
    march = datetime.date(2026, 3, 20)
    before = flow.fee_for(service, {**ANSWERS, "start_date": "2026-03-31"}, today=march)
    on_the_day = flow.fee_for(service, {**ANSWERS, "start_date": "2026-04-01"}, today=march)
    assert (before.pence, on_the_day.pence) == (8300, 9600)


def test_the_household_surcharge_and_blue_badge_discount_come_from_the_answers(service):
    answers = {**ANSWERS, "permits_in_household": "1", "has_blue_badge": "yes"}
    fee = flow.fee_for(service, answers, today=TODAY)
    # £96 plus 50% for a second permit is £144; a Blue Badge halves it.
    assert fee.pence == 7200
    assert "As you hold a Blue Badge, the fee is reduced by 50% (£72)." in fee.explanation


def test_the_fee_decision_records_the_rules_that_made_it(service):
    fee = flow.fee_for(service, ANSWERS, today=TODAY)
    assert fee.decision["rule_set"]["hash"] == service.model.rules.sha256
    assert fee.decision["inputs"]["permits_already_in_household"] == 0
    assert fee.decision["on"] == "2026-12-01"
    assert fee.decision["explanation"] == list(fee.explanation)
    assert "trace" not in fee.decision


def test_there_is_no_fee_until_the_rules_have_their_answers(service):
    answers = {k: v for k, v in ANSWERS.items() if k != "permits_in_household"}
    assert flow.fee_for(service, answers, today=TODAY) is None


def test_a_household_at_the_permit_limit_is_routed_to_the_ineligible_page(service):
    answers = {**ANSWERS, "permits_in_household": "3"}
    route = flow.route(service, answers, today=TODAY)
    assert route.exit_page == "cannot-have-a-permit"
    assert route.pages[-2:] == ["blue-badge", "cannot-have-a-permit"]
    assert "email" not in flow.answers_on_route(service, answers, route)


def test_an_eligible_household_goes_on_to_the_rest_of_the_questions(service):
    answers = {k: v for k, v in ANSWERS.items() if k != "email"}
    route = flow.route(service, answers, today=TODAY)
    assert route.current == "email"
    assert route.exit_page is None


def test_an_application_the_rules_refuse_cannot_be_submitted(service):
    raw = {k: v for k, v in ANSWERS.items() if k != "zone"}
    checked = flow.check_submission(service, {**raw, "permits_in_household": "3"}, today=TODAY)
    assert checked.errors[""].startswith("the answers lead to 'cannot-have-a-permit'")
    # Where the route ends, and nothing more: the answers after it are not judged.
    assert "email" not in checked.errors


def test_a_start_date_before_the_rules_begin_is_refused(service):
    early = datetime.date(2025, 3, 1)
    result = flow.clean_answer(
        service,
        page(service, "start-date"),
        {"start_date-day": "31", "start_date-month": "3", "start_date-year": "2025"},
        today=early,
    )
    assert result.error.message == "The date must be on or after 1 April 2025"


def test_exit_pages_are_never_reached_by_falling_through(service):
    answers = {"address": PERMIT_HOME, "zone": "A"}
    assert flow.route(service, answers).current == "vehicle"


def test_a_published_version_keeps_deciding_with_the_rules_it_was_published_with(
    parking_permit, tmp_path
):
    service = parking_permit
    from civitas.catalogue.public import get_service_version, parse_file, publish_service_file
    from conftest import PARKING_PERMIT, SERVICES

    shutil.copytree(PARKING_PERMIT.parent, tmp_path / "resident-parking-permit")
    shutil.copytree(SERVICES / "rules", tmp_path / "rules")
    rules = tmp_path / "rules" / "parking-permit-fee.rules.yaml"
    rules.write_text(rules.read_text().replace("value: 0.5\n", "value: 0.6\n", 1))  # Blue Badge
    definition = tmp_path / "resident-parking-permit" / "service.yaml"
    [unpinned] = parse_file(definition).problems
    new_hash = unpinned.message.split("its content hash is ")[1].split(";")[0]
    definition.write_text(definition.read_text().replace(service.model.rules.sha256, new_hash))
    assert publish_service_file(definition, published_by="test").version == 2

    answers = {**ANSWERS, "has_blue_badge": "yes"}
    old = flow.fee_for(
        get_service_version(service.organisation_id, service.slug, 1), answers, today=TODAY
    )
    new = flow.fee_for(
        get_service_version(service.organisation_id, service.slug, 2), answers, today=TODAY
    )
    assert (old.pence, new.pence) == (4800, 3840)
    assert old.decision["rule_set"]["hash"] == service.model.rules.sha256
    assert new.decision["rule_set"]["hash"] == new_hash


def test_a_new_answer_replaces_what_its_page_derived(service):
    answers = dict(ANSWERS)
    page = service.page("address")
    result = flow.clean_answer(service, page, permit_address("EB9 9ZZ"), today=TODAY)
    assert result.derived == {"zone": None}
    updated, route = flow.record_answer(service, page, answers, result, today=TODAY)
    # The later answers wait in case the route joins up again (see below).
    assert updated == {
        **{k: v for k, v in ANSWERS.items() if k != "zone"},
        "address": "12 Station Road\nEastbury\nEB9 9ZZ",
    }
    assert route.stop == route.exit_page == "not-in-a-zone"
    assert answers == ANSWERS  # the answers given are not changed in place


def test_a_changed_answer_keeps_the_rest_of_the_route(service):
    page = service.page("emissions")
    result = flow.clean_answer(service, page, {"co2_band": "electric"}, today=TODAY)
    updated, route = flow.record_answer(service, page, ANSWERS, result, today=TODAY)
    assert updated == {**ANSWERS, "co2_band": "electric"}
    assert route.is_complete
    assert route.stop is None


def test_an_application_is_made_of_the_asked_answers_only(service):
    asked = flow.asked_answers(service, ANSWERS)
    assert "zone" not in asked
    assert flow.check_submission(service, asked, today=TODAY).answers == ANSWERS
    # An API client may not send what the service derives.
    assert flow.check_submission(service, ANSWERS, today=TODAY).errors == {
        "zone": "this is not a question this service asks"
    }


def test_a_start_date_the_rules_cover_is_accepted(service):
    later = datetime.date(2026, 3, 20)
    fields = {"start_date-day": "20", "start_date-month": "3", "start_date-year": "2026"}
    result = flow.clean_answer(service, service.page("start-date"), fields, today=later)
    assert result.error is None
    assert result.value == "2026-03-20"


def test_an_api_answer_that_is_not_a_string_is_missing(service):
    checked = flow.check_submission(
        service, {**flow.asked_answers(service, ANSWERS), "registration": 12}, today=TODAY
    )
    assert checked.errors["registration"] == "Enter your vehicle's registration number"


def _change(service, page_id, fields, answers):
    page = service.page(page_id)
    result = flow.clean_answer(service, page, fields, today=TODAY)
    assert result.error is None
    return flow.record_answer(service, page, answers, result, today=TODAY)


def test_a_change_that_leaves_the_route_keeps_the_later_answers_for_when_it_joins_again(
    service,
):
    outside, route = _change(service, "address", permit_address("EB9 9ZZ"), ANSWERS)
    assert route.exit_page == "not-in-a-zone"
    assert outside["email"] == "resident@example.com"
    back, route = _change(service, "address", permit_address(), outside)
    assert route.is_complete
    assert back == ANSWERS


def test_an_answer_the_route_can_no_longer_reach_is_dropped_once_the_route_is_complete(
    service,
):
    answers = {**ANSWERS, "permits_in_household": "3"}
    route = flow.route(service, answers, today=TODAY)
    kept, route = _change(service, "blue-badge", {"has_blue_badge": "yes"}, answers)
    assert route.exit_page == "cannot-have-a-permit"
    # The email page comes after the exit, so it may be reached again: kept until the
    # route is complete, never shown or submitted meanwhile.
    assert "email" in kept
    assert "email" not in flow.answers_on_route(service, kept, route)
