"""Expressions in a journey: route conditions, cross-field checks and computed values,
through the pure flow, the pages (a GOV.UK field error) and the API."""

import datetime
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.public import QuestionPage, publish_service_file
from civitas.catalogue.tests.memory import PARKING_PERMIT, service_from_yaml
from civitas.journeys import flow, logic
from civitas.rules.public import MISSING

TODAY = datetime.date(2026, 4, 30)
URL = "/services/example-borough/street-party"

STREET_PARTY = """
    schema_version: 1
    slug: street-party
    title: Apply to close a road for a street party
    organisation: example-borough
    start: {lead: Close your road for a party.}
    computed:
      party_minutes: minutes_between(start_time, end_time)
      organiser_is_adult:
        expression: "age_on(date_of_birth, party_date) >= 18"
        label: Organiser is an adult
      deposit_pence: "vehicles > 2 ? 5000 * vehicles : 0"
    pages:
      - id: vehicles
        question: {id: vehicles, type: number, label: "How many vehicles need moving?"}
      - id: marshals
        show_if: "vehicles > 10"
        question: {id: marshals, type: number, label: "How many marshals will there be?"}
      - id: road-type
        question:
          id: road_type
          type: radios
          label: What kind of road is it?
          options:
            - {value: residential, label: Residential}
            - {value: main, label: A main road}
        next:
          - if: "vehicles > 20 and road_type != 'residential'"
            goto: too-big
          - if: {answer: road_type, equals: main}
            goto: party-date
      - id: too-big
        kind: exit
        title: You need a different licence
        body: [Apply for an event licence instead.]
      - id: party-date
        question: {id: party_date, type: date, label: "When is the party?"}
      - id: start-time
        question: {id: start_time, type: time, label: "What time does it start?"}
      - id: end-time
        question:
          id: end_time
          type: time
          label: What time does it end?
          checks:
            - expression: end_time > start_time
              message: The end time must be after the start time
            - expression: "minutes_between(start_time, end_time) <= 720"
              message: The party must last 12 hours or less
      - id: date-of-birth
        question:
          id: date_of_birth
          type: date
          label: What is your date of birth?
          checks:
            - expression: "organiser_is_adult"
              message: You must be 18 or over on the day of the party
      - id: email
        question: {id: email, type: email, label: "Your email?"}
    check_answers: {title: Check}
    declaration: {text: [It is true.], confirm: I confirm}
    confirmation: {title: Done}
    contact: {email: email}
    privacy: {purpose: To decide., lawful_basis: Public task, retention: 1 year, contact: dpo}
    messages:
      submitted: {subject: Application received, body: We have your application.}
      approved: {subject: Application approved, body: You can have it.}
      refused: {subject: Application refused, body: You cannot have it.}
"""

ANSWERS = {
    "vehicles": "3",
    "road_type": "residential",
    "party_date": "2026-06-06",
    "start_time": "12:00",
    "end_time": "18:30",
    "date_of_birth": "1990-01-01",
    "email": "someone@example.com",
}


@pytest.fixture(scope="module")
def party():
    return service_from_yaml(STREET_PARTY)


def _page(service, page_id: str) -> QuestionPage:
    page = service.page(page_id)
    assert isinstance(page, QuestionPage)
    return page


def test_an_expression_condition_routes_to_the_exit_page(party):
    answers = {"vehicles": "21", "marshals": "4", "road_type": "main"}
    assert flow.route(party, answers, today=TODAY).exit_page == "too-big"


def test_an_expression_condition_that_is_false_falls_through_to_the_next_route(party):
    answers = {"vehicles": "21", "marshals": "4", "road_type": "residential"}
    assert flow.route(party, answers, today=TODAY).current == "party-date"
    answers = {"vehicles": "3", "road_type": "main"}
    assert flow.route(party, answers, today=TODAY).current == "party-date"


def test_a_cross_field_check_is_a_field_error_on_the_page_that_can_fix_it(party):
    earlier = {k: ANSWERS[k] for k in ("vehicles", "road_type", "party_date", "start_time")}
    result = flow.clean_answer(
        party, _page(party, "end-time"), {"end_time": "11:00"}, today=TODAY, answers=earlier
    )
    assert result.value is None
    assert result.error is not None
    assert result.error.message == "The end time must be after the start time"
    assert result.error.field == "end_time"
    early = {**earlier, "start_time": "06:00"}
    long = flow.clean_answer(
        party, _page(party, "end-time"), {"end_time": "23:00"}, today=TODAY, answers=early
    )
    assert long.error is not None
    assert long.error.message == "The party must last 12 hours or less"
    good = flow.clean_answer(
        party, _page(party, "end-time"), {"end_time": "6pm"}, today=TODAY, answers=earlier
    )
    assert good.error is None
    assert good.value == "18:00"


def test_a_check_over_an_answer_not_given_does_not_fail(party):
    result = flow.clean_answer(
        party, _page(party, "end-time"), {"end_time": "11:00"}, today=TODAY, answers={}
    )
    assert result.error is None


def test_a_check_never_reads_an_answer_kept_from_a_later_page(party):
    answers = {**ANSWERS, "start_time": "12:00"}
    result = flow.clean_answer(
        party, _page(party, "start-time"), {"start_time": "20:00"}, today=TODAY, answers=answers
    )
    assert result.error is None  # the end time's check runs when the end time is answered


def test_a_check_may_use_a_computed_value(party):
    earlier = {**ANSWERS}
    del earlier["date_of_birth"]
    child = flow.clean_answer(
        party,
        _page(party, "date-of-birth"),
        {"date_of_birth-day": "7", "date_of_birth-month": "6", "date_of_birth-year": "2008"},
        today=TODAY,
        answers=earlier,
    )
    assert child.error is not None
    assert child.error.message == "You must be 18 or over on the day of the party"
    assert child.error.field == "date_of_birth-day"


def test_computed_values_are_worked_out_from_the_answers(party):
    values = logic.expression_values(party, ANSWERS, today=TODAY)
    assert values["party_minutes"] == 390
    assert values["organiser_is_adult"] is True
    assert values["deposit_pence"] == 15000
    rows = logic.computed_rows(party, ANSWERS, today=TODAY)
    assert rows == [
        ("Party minutes", "390"),
        ("Organiser is an adult", "yes"),
        ("Deposit pence", "15000"),
    ]


def test_a_computed_value_over_a_missing_answer_is_blank_not_an_error(party):
    rows = logic.computed_rows(party, {"vehicles": "3"}, today=TODAY)
    assert [display for _, display in rows] == ["", "", "15000"]


def test_the_api_reports_a_failed_check_on_its_answer(party):
    checked = flow.check_submission(party, {**ANSWERS, "end_time": "09:00"}, today=TODAY)
    assert checked.errors["end_time"] == "The end time must be after the start time"


def test_the_api_takes_answers_that_pass_the_checks(party):
    checked = flow.check_submission(party, ANSWERS, today=TODAY)
    assert checked.errors == {}


@pytest.fixture
def published(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(STREET_PARTY))
    publish_service_file(path, published_by="test")


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def test_the_page_shows_a_failed_check_in_the_error_summary_linked_to_its_field(client, published):
    assert _post(client, "vehicles", {"vehicles": "3"}).status_code == 302
    assert _post(client, "road-type", {"road_type": "residential"}).status_code == 302
    day = {"party_date-day": "6", "party_date-month": "6", "party_date-year": "2030"}
    assert _post(client, "party-date", day).status_code == 302
    assert _post(client, "start-time", {"start_time": "14:00"}).status_code == 302
    refused = _post(client, "end-time", {"end_time": "13:00"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'href="#end_time"' in page
    assert page.count("The end time must be after the start time") == 2  # summary and field
    assert _post(client, "end-time", {"end_time": "16:00"}).status_code == 302


def test_hostile_answers_to_a_page_with_a_check_get_a_field_error_not_a_5xx(client, published):
    _post(client, "vehicles", {"vehicles": "3"})
    _post(client, "road-type", {"road_type": "residential"})
    _post(
        client,
        "party-date",
        {"party_date-day": "6", "party_date-month": "6", "party_date-year": "2030"},
    )
    _post(client, "start-time", {"start_time": "14:00"})
    for hostile in ["", "25:00", "\x00", "x" * 10000, "12:00\n13:00"]:
        assert _post(client, "end-time", {"end_time": hostile}).status_code == 400


def test_staff_see_the_computed_values_on_the_case_page(client, published, caseworker, signed_in):
    _post(client, "vehicles", {"vehicles": "4"})
    _post(client, "road-type", {"road_type": "residential"})
    day = {"party_date-day": "6", "party_date-month": "6", "party_date-year": "2030"}
    _post(client, "party-date", day)
    _post(client, "start-time", {"start_time": "14:00"})
    _post(client, "end-time", {"end_time": "16:00"})
    born = {"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "1990"}
    assert _post(client, "date-of-birth", born).status_code == 302
    _post(client, "email", {"email": "someone@example.com"})
    assert client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"}).status_code == 302
    case = Case.objects.get()
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    for shown in ["Party minutes", "120", "Organiser is an adult", "Deposit pence", "20000"]:
        assert shown in page


def test_a_change_that_makes_a_later_answer_fail_its_check_sends_the_citizen_back_to_it(party):
    assert flow.route(party, ANSWERS, today=TODAY).is_complete
    changed = {**ANSWERS, "start_time": "19:00"}
    assert flow.route(party, changed, today=TODAY).current == "end-time"


_HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1e400", "NaN", "25:61", "2026-02-30", "\x00", "x" * 5000]),
    st.integers().map(str),
    st.none(),
)


@settings(max_examples=150, deadline=None)
@given(answers=st.fixed_dictionaries({name: _HOSTILE_TEXT for name in ANSWERS}))
def test_random_and_hostile_answers_never_make_an_expression_raise(party, answers):
    checked = flow.check_submission(party, answers, today=TODAY)
    assert isinstance(checked.errors, dict)
    flow.route(party, answers, today=TODAY)
    logic.computed_rows(party, answers, today=TODAY)


def test_a_page_whose_show_if_is_not_true_is_skipped(party):
    assert flow.route(party, {"vehicles": "3"}, today=TODAY).current == "road-type"
    assert flow.route(party, {"vehicles": "12"}, today=TODAY).current == "marshals"
    skipped = flow.route(party, {"vehicles": "3", "road_type": "main"}, today=TODAY)
    assert skipped.pages == ["vehicles", "road-type", "party-date"]


def test_a_skipped_page_keeps_no_answer(party):
    answers = {"vehicles": "12", "marshals": "2", "road_type": "main"}
    updated, _ = flow.record_answer(
        party,
        _page(party, "vehicles"),
        answers,
        flow.AnswerResult({"vehicles": "3"}),
        today=TODAY,
    )
    assert "marshals" not in updated


def test_the_api_refuses_an_answer_to_a_skipped_page(party):
    checked = flow.check_submission(party, {**ANSWERS, "marshals": "2"}, today=TODAY)
    assert checked.errors == {"marshals": "this question is not on the route for these answers"}
    asked = flow.check_submission(
        party, {**ANSWERS, "vehicles": "12", "marshals": "2"}, today=TODAY
    )
    assert asked.errors == {}


PERMIT_ANSWERS = {
    "postcode": "EB1 1AA",
    "zone": "A",
    "address_line": "12 Station Road",
    "registration": "CU57ABC",
    "co2_band": "D",
    "permit_months": "6",
    "start_date": "2026-12-01",
    "permits_in_household": "0",
    "has_blue_badge": "no",
    "email": "resident@example.com",
}


@pytest.fixture(scope="module")
def permit_with_computed_values():
    source = PARKING_PERMIT.read_text().replace(
        "\ncomputed:\n",
        "\ncomputed:\n"
        '  fee_after_discount: rule("fee_pence")\n'
        '  pays_surcharge: rule("has_household_surcharge") and has_blue_badge == "no"\n',
        1,
    )
    assert "fee_after_discount" in source
    return service_from_yaml(source, base_dir=PARKING_PERMIT.parent)


def test_computed_values_may_use_what_the_rules_decide(permit_with_computed_values):
    values = logic.expression_values(permit_with_computed_values, PERMIT_ANSWERS, today=TODAY)
    fee = flow.fee_for(permit_with_computed_values, PERMIT_ANSWERS, today=TODAY)
    assert fee is not None
    assert values["fee_after_discount"] == fee.pence
    assert values["pays_surcharge"] is False


def test_a_rule_value_the_rules_cannot_decide_yet_is_missing(permit_with_computed_values):
    values = logic.expression_values(permit_with_computed_values, {"postcode": "EB1 1AA"})
    assert values["fee_after_discount"] is MISSING


HOUSEHOLD = """
    schema_version: 1
    slug: household
    title: Apply for a household grant
    organisation: example-borough
    start: {lead: Apply for a grant.}
    computed:
      household_income:
        expression: sum(household, income)
        label: Household income
      children: count(household, age < 18)
    pages:
      - id: reasons
        question:
          id: reasons
          type: checkboxes
          label: Why do you need help?
          options:
            - {value: noise, label: Noise}
            - {value: damp, label: Damp}
          none_option: {value: none, label: None of these}
      - id: household
        kind: repeat
        title: Tell us about a household member
        item: household member
        min: 1
        max: 6
        questions:
          - {id: age, type: number, label: Age}
          - {id: income, type: money, label: Yearly income, optional: true}
        next:
          - if: "any(household, age < 18) and includes(reasons, 'damp')"
            goto: children-and-damp
      - id: times
        title: When can we visit?
        questions:
          - {id: start_time, type: time, label: From}
          - id: end_time
            type: time
            label: Until
            checks:
              - expression: end_time > start_time
                message: The end time must be after the start time
      - id: children-and-damp
        question: {id: details, type: long_text, label: Tell us about the damp}
      - id: email
        question: {id: email, type: email, label: "Your email?"}
    check_answers: {title: Check}
    declaration: {text: [It is true.], confirm: I confirm}
    confirmation: {title: Done}
    contact: {email: email}
    privacy: {purpose: To decide., lawful_basis: Public task, retention: 1 year, contact: dpo}
    messages:
      submitted: {subject: Application received, body: We have your application.}
      approved: {subject: Application approved, body: You can have it.}
      refused: {subject: Application refused, body: You cannot have it.}
"""


@pytest.fixture(scope="module")
def household():
    return service_from_yaml(HOUSEHOLD)


def test_conditions_read_checkboxes_and_repeating_groups(household):
    members = [{"age": "40", "income": "2000000"}, {"age": "9", "income": None}]
    damp = {"reasons": ["damp"], "household": members}
    assert flow.route(household, damp, today=TODAY).current == "children-and-damp"
    noise = {"reasons": ["noise"], "household": members}
    assert flow.route(household, noise, today=TODAY).current == "times"
    adults = {"reasons": ["damp"], "household": [{"age": "40", "income": None}]}
    assert flow.route(household, adults, today=TODAY).current == "times"


def test_computed_values_sum_and_count_a_repeating_group(household):
    members = [{"age": "40", "income": "2000000"}, {"age": "9", "income": None}]
    rows = logic.computed_rows(household, {"household": members}, today=TODAY)
    assert rows == [("Household income", "£20,000"), ("Children", "1")]
    assert logic.computed_rows(household, {}, today=TODAY) == [
        ("Household income", "£0"),
        ("Children", "0"),
    ]


def test_a_check_on_a_page_of_several_questions_reads_the_page_own_answers(household):
    page = _page(household, "times")
    refused = flow.clean_answer(
        household, page, {"start_time": "14:00", "end_time": "13:00"}, today=TODAY, answers={}
    )
    assert refused.errors["end_time"].message == "The end time must be after the start time"
    assert refused.values == {}
    taken = flow.clean_answer(
        household, page, {"start_time": "14:00", "end_time": "15:00"}, today=TODAY, answers={}
    )
    assert taken.errors == {}


def test_checks_on_a_repeating_group_question_read_the_item_not_the_group():
    from civitas.catalogue.definition import parse_definition

    source = HOUSEHOLD.replace(
        "- {id: age, type: number, label: Age}",
        "- {id: age, type: number, label: Age,"
        " checks: [{expression: age > 0, message: Too young}]}",
    )
    parsed = parse_definition(textwrap.dedent(source), filename="svc.yaml")
    assert parsed.problems == []
    on_the_group = source.replace("age > 0", "count(household) > 0")
    parsed = parse_definition(textwrap.dedent(on_the_group), filename="svc.yaml")
    assert any("is the list of this group's items" in str(p) for p in parsed.problems), [
        str(p) for p in parsed.problems
    ]
