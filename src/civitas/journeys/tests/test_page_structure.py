"""Answers as JSON values, optional questions, pages of several questions and checkboxes:
through publishing, the pages, check answers, the stored case, the case page and the API."""

import json
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from civitas.catalogue.tests.test_question_types_hostile import HOSTILE_TEXT
from conftest import problem_errors

URL = "/services/example-borough/small"
API = "/api/v1/services/example-borough/small"

PAGES = """\
      - id: pets
        question:
          id: pets
          type: checkboxes
          label: Which pets do you have?
          summary_label: Pets
          options:
            - {value: cat, label: Cat}
            - {value: dog, label: Dog}
            - {value: fish, label: Fish}
          none_option: {value: none, label: No pets}
          max_selected: 2
        next:
          - if: {answer: pets, includes: dog}
            goto: walks
      - id: pet-names
        question: {id: pet_names, type: text, label: "Your pets' names?", optional: true}
        next:
          - goto: name
      - id: walks
        question: {id: walks, type: number, label: "Walks a day?", optional: true}
      - id: name
        title: What is your name?
        questions:
          - {id: first_name, type: text, label: First name, autocomplete: given-name}
          - {id: last_name, type: text, label: Last name, autocomplete: family-name}
          - {id: middle_names, type: text, label: Middle names, optional: true}
      - id: email
"""


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", PAGES, 1)))
    publish_service_file(path, published_by="test")


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def test_checkboxes_are_stored_as_a_list_and_shown_one_a_line(
    client, service, caseworker, signed_in
):
    _post(client, "colour", {"colour": "blue"})
    page = client.get(f"{URL}/pets/").content.decode()
    assert 'type="checkbox"' in page
    assert 'data-behaviour="exclusive"' in page
    assert '<div class="govuk-checkboxes__divider">or</div>' in page
    # Ticked in any order, stored in the options' order.
    assert _post(client, "pets", {"pets": ["fish", "cat"]}).status_code == 302
    again = client.get(f"{URL}/pets/").content.decode()
    assert again.count(" checked") == 2
    assert _post(client, "pet-names", {"pet_names": "Tom"}).status_code == 302
    _post(client, "name", {"first_name": "Ada", "last_name": "Lovelace"})
    _post(client, "email", {"email": "someone@example.com"})
    summary = client.get(f"{URL}/check-answers/").content.decode()
    assert "Cat<br>Fish" in summary
    assert client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"}).status_code == 302
    case = Case.objects.get()
    assert case.answers["pets"] == ["cat", "fish"]
    assert case.answers["middle_names"] is None
    signed_in(caseworker)
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Cat<br>Fish" in case_page
    assert "Not given" in case_page


def test_the_none_option_with_another_is_a_field_error(client, service):
    _post(client, "colour", {"colour": "blue"})
    refused = _post(client, "pets", {"pets": ["cat", "none"]})
    assert refused.status_code == 400
    assert (
        "Select &#34;No pets&#34;, or select one or more of the other options"
        in (refused.content.decode())
        or 'Select "No pets", or select one or more' in refused.content.decode()
    )
    assert _post(client, "pets", {"pets": ["none"]}).status_code == 302


def test_checkbox_limits_and_forged_values_are_refused(client, service):
    _post(client, "colour", {"colour": "blue"})
    nothing = _post(client, "pets", {})
    assert nothing.status_code == 400
    assert "Select at least one option" in nothing.content.decode()
    too_many = _post(client, "pets", {"pets": ["cat", "dog", "fish"]})
    assert too_many.status_code == 400
    assert "Select no more than 2 options" in too_many.content.decode()
    forged = _post(client, "pets", {"pets": ["cat", "<script>"]})
    assert forged.status_code == 400
    assert "That answer is not one of the options" in forged.content.decode()
    # More fields than any form has is refused before the page sees it.
    assert _post(client, "pets", {"pets": ["cat"] * 10_000}).status_code == 400
    assert "pets" not in client.session["journey:example-borough/small"]["answers"]
    assert _post(client, "pets", {"pets": ["cat"] * 5}).status_code == 302
    assert client.session["journey:example-borough/small"]["answers"]["pets"] == ["cat"]


def test_a_condition_on_a_checkbox_answer_routes_on_what_it_includes(client, service):
    _post(client, "colour", {"colour": "blue"})
    assert _post(client, "pets", {"pets": ["dog"]})["Location"].endswith("/walks/")
    assert _post(client, "pets", {"pets": ["cat"]})["Location"].endswith("/pet-names/")


def test_an_optional_question_says_so_and_can_be_left_blank(client, service):
    _post(client, "colour", {"colour": "blue"})
    _post(client, "pets", {"pets": ["cat"]})
    page = client.get(f"{URL}/pet-names/").content.decode()
    assert "Your pets&#39; names? (optional)" in page
    assert "<title>Your pets&#39; names? (optional)" in page
    left_blank = _post(client, "pet-names", {"pet_names": "  "})
    assert left_blank.status_code == 302
    assert left_blank["Location"].endswith("/name/")
    assert client.session["journey:example-borough/small"]["answers"]["pet_names"] is None
    # The page stays answered: the route goes on past it.
    assert client.get(f"{URL}/pet-names/").status_code == 200
    _post(client, "name", {"first_name": "Ada", "last_name": "Lovelace"})
    _post(client, "email", {"email": "someone@example.com"})
    summary = client.get(f"{URL}/check-answers/").content.decode()
    assert summary.count("Not given") == 2  # the pets' names and the middle names


def test_an_optional_question_still_checks_what_is_given(client, service):
    _post(client, "colour", {"colour": "blue"})
    _post(client, "pets", {"pets": ["dog"]})
    refused = _post(client, "walks", {"walks": "lots"})
    assert refused.status_code == 400
    assert "The answer must be a number" in refused.content.decode()


def test_a_page_of_several_questions_shows_every_error_and_stores_nothing_partial(client, service):
    _post(client, "colour", {"colour": "blue"})
    _post(client, "pets", {"pets": ["none"]})
    _post(client, "pet-names", {"pet_names": ""})
    page = client.get(f"{URL}/name/").content.decode()
    assert '<h1 class="govuk-fieldset__heading">What is your name?</h1>' in page
    assert page.count("<h1") == 1
    assert "Middle names (optional)" in page
    refused = _post(client, "name", {"first_name": "", "last_name": "", "middle_names": "Augusta"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert html.count('<a href="#first_name">') == 1
    assert html.count('<a href="#last_name">') == 1
    assert html.count("govuk-form-group--error") == 2
    # Each error says which question it is about.
    assert "Enter first name" in html
    assert "Enter last name" in html
    assert 'value="Augusta"' in html  # what was typed is kept
    answers = client.session["journey:example-borough/small"]["answers"]
    assert "middle_names" not in answers
    assert "first_name" not in answers
    assert _post(client, "name", {"first_name": "Ada", "last_name": "Lovelace"}).status_code == 302
    _post(client, "email", {"email": "someone@example.com"})
    summary = client.get(f"{URL}/check-answers/").content.decode()
    for key in ("First name", "Last name", "Middle names"):
        assert f'<dt class="govuk-summary-list__key">\n          {key}' in summary or key in summary
    assert summary.count(f"{URL}/name/?change=1") == 3


def _api(client, headers, answers):
    body = {"version": 1, "declaration": True, "answers": answers}
    return client.post(
        f"{API}/applications", json.dumps(body), content_type="application/json", headers=headers
    )


VALID = {
    "colour": "blue",
    "pets": ["cat", "fish"],
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "someone@example.com",
}


def test_the_api_takes_lists_and_leaves_optional_answers_out(client, service, api_headers):
    schema = client.get(API).json()["answers_schema"]["properties"]
    assert schema["pets"]["type"] == "array"
    assert schema["pet_names"] == {
        "anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]
    }
    response = _api(client, api_headers, VALID)
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.answers["pets"] == ["cat", "fish"]
    assert case.answers["pet_names"] is None
    assert (
        _api(client, api_headers, {**VALID, "pet_names": None, "middle_names": "A"}).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pets": "cat"}, "pets"),  # a string where a list is expected
        ({"pets": ["cat"] * 10_000}, ""),  # too large a body, or a field error
        ({"pets": [{"value": "cat"}]}, "pets"),
        ({"pets": [["cat"]]}, "pets"),
        ({"pets": ["cat", "none"]}, "pets"),
        ({"pets": ["lion"]}, "pets"),
        ({"pets": []}, "pets"),
        ({"pet_names": 12}, "pet_names"),  # the wrong type for an optional question
        ({"pet_names": ["Tom"]}, "pet_names"),
        ({"first_name": {"nested": {"deeper": "x"}}}, "first_name"),
        ({"last_name": None}, "last_name"),
    ],
)
def test_hostile_api_answers_are_refused_without_a_case(
    client, service, change, field, api_headers
):
    response = _api(client, api_headers, {**VALID, **change})
    assert 400 <= response.status_code < 500, response.content
    if field:
        assert field in problem_errors(response), response.json()
    assert not Case.objects.exists()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    page=st.sampled_from(["pets", "name"]),
    posted=st.dictionaries(
        st.sampled_from(["pets", "first_name", "last_name", "middle_names", "x"]),
        st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=4)),
        max_size=4,
    ),
)
def test_random_posts_to_checkboxes_and_grouped_pages_are_an_error_or_the_next_page(
    client, service, page, posted
):
    client.cookies.clear()
    _post(client, "colour", {"colour": "blue"})
    if page == "name":
        _post(client, "pets", {"pets": ["cat"]})
        _post(client, "pet-names", {"pet_names": ""})
    # A form cannot carry a lone surrogate (its bytes are not UTF-8): send what a browser would.
    clean = {
        name: [v.encode("utf-8", "replace").decode("utf-8") for v in value]
        if isinstance(value, list)
        else value.encode("utf-8", "replace").decode("utf-8")
        for name, value in posted.items()
    }
    before = dict(client.session["journey:example-borough/small"]["answers"])
    response = _post(client, page, clean)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code != 302:
        assert client.session["journey:example-borough/small"]["answers"] == before
