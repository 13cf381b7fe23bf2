"""Repeating groups ("add another"): adding, changing and removing items without
JavaScript, the limits, check answers, the stored case and the API."""

import json
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.definition import parse_definition
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from civitas.catalogue.tests.test_question_types_hostile import HOSTILE_TEXT
from conftest import problem_errors

URL = "/services/example-borough/small"
API = "/api/v1/services/example-borough/small"
SESSION = "journey:example-borough/small"

PAGES = """\
      - id: household
        kind: repeat
        title: Tell us about a household member
        item: household member
        min: 1
        max: 3
        questions:
          - {id: member_name, type: text, label: Full name}
          - {id: member_age, type: number, label: Age, optional: true}
      - id: email
"""


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", PAGES, 1)))
    publish_service_file(path, published_by="test")


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def _add(client, name, age=""):
    count = len(client.session[SESSION].get("drafts", {}).get("household", []))
    response = _post(client, f"household/{count + 1}", {"member_name": name, "member_age": age})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"{URL}/household/"


def test_items_are_added_one_a_page_then_become_the_answer(client, service, caseworker, signed_in):
    _post(client, "colour", {"colour": "blue"})
    # With no items yet, the group starts at its first item.
    assert client.get(f"{URL}/household/")["Location"] == f"{URL}/household/1/"
    page = client.get(f"{URL}/household/1/").content.decode()
    assert '<span class="govuk-caption-l">Household member 1</span>' in page
    assert '<h1 class="govuk-fieldset__heading">Tell us about a household member</h1>' in page
    _add(client, "Ada Lovelace", "36")
    summary = client.get(f"{URL}/household/").content.decode()
    assert "You have added 1 household member" in summary
    assert "Do you need to add another household member?" in summary
    assert f'href="{URL}/household/1/remove/"' in summary
    _add(client, "Charles Babbage")
    # Not answered until the citizen says there are no more.
    assert client.get(f"{URL}/email/")["Location"] == f"{URL}/household/"
    done = _post(client, "household", {"add_another": "no"})
    assert done["Location"] == f"{URL}/email/"
    _post(client, "email", {"email": "someone@example.com"})
    check = client.get(f"{URL}/check-answers/").content.decode()
    assert "Household member 1" in check
    assert "Ada Lovelace<br>36" in check
    assert "Charles Babbage" in check
    assert f"{URL}/household/2/?change=1" in check
    assert client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"}).status_code == 302
    case = Case.objects.get()
    assert case.answers["household"] == [
        {"member_name": "Ada Lovelace", "member_age": "36"},
        {"member_name": "Charles Babbage", "member_age": None},
    ]
    signed_in(caseworker)
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Household member 2" in case_page
    assert "Ada Lovelace<br>36" in case_page


def _complete(client):
    _post(client, "colour", {"colour": "blue"})
    _add(client, "Ada Lovelace")
    _add(client, "Charles Babbage")
    _post(client, "household", {"add_another": "no"})
    _post(client, "email", {"email": "someone@example.com"})


def test_an_item_changed_from_check_answers_goes_back_there(client, service):
    _complete(client)
    page = client.get(f"{URL}/household/2/?change=1").content.decode()
    assert 'value="Charles Babbage"' in page
    changed = client.post(
        f"{URL}/household/2/?change=1", {"version": "1", "member_name": "Charles B"}
    )
    assert changed["Location"] == f"{URL}/check-answers/"
    assert client.session[SESSION]["answers"]["household"][1]["member_name"] == "Charles B"
    assert client.session[SESSION]["answers"]["email"] == "someone@example.com"


def test_removing_an_item_asks_first(client, service):
    _complete(client)
    confirm = client.get(f"{URL}/household/1/remove/").content.decode()
    assert "Are you sure you want to remove household member 1?" in confirm
    assert "Ada Lovelace" in confirm
    nothing = _post(client, "household/1/remove", {})
    assert nothing.status_code == 400
    assert "Select yes if you want to remove household member 1" in nothing.content.decode()
    assert _post(client, "household/1/remove", {"remove": "no"})["Location"] == f"{URL}/household/"
    assert len(client.session[SESSION]["answers"]["household"]) == 2
    assert _post(client, "household/1/remove", {"remove": "yes"}).status_code == 302
    assert client.session[SESSION]["answers"]["household"] == [
        {"member_name": "Charles Babbage", "member_age": None}
    ]
    # Removing the last one leaves fewer than the minimum: the group is asked again.
    _post(client, "household/1/remove", {"remove": "yes"})
    assert "household" not in client.session[SESSION]["answers"]
    assert client.get(f"{URL}/check-answers/")["Location"] == f"{URL}/household/"


def test_the_limits_are_errors_on_the_summary_page(client, service):
    _post(client, "colour", {"colour": "blue"})
    _add(client, "One")
    nothing = _post(client, "household", {})
    assert nothing.status_code == 400
    assert "Select yes if you need to add another household member" in nothing.content.decode()
    _add(client, "Two")
    _add(client, "Three")
    full = client.get(f"{URL}/household/").content.decode()
    assert "You cannot add more than 3 household members" in full
    assert 'name="add_another" value="no"' in full
    more = _post(client, "household", {"add_another": "yes"})
    assert more.status_code == 400
    assert client.get(f"{URL}/household/4/").status_code == 404


def test_a_group_with_too_few_items_cannot_be_finished(client, service, tmp_path):
    _post(client, "colour", {"colour": "blue"})
    _add(client, "One")
    _post(client, "household/1/remove", {"remove": "yes"})
    # With no items, the summary is still there to say so.
    refused = _post(client, "household", {"add_another": "no"})
    assert refused.status_code == 400
    assert "You must add at least 1 household member" in refused.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("get", "household/99/", {}, 404),
        ("post", "household/99/", {"member_name": "X"}, 404),
        ("get", "household/99/remove/", {}, 404),
        ("post", "household/99/remove/", {"remove": "yes"}, 404),
        ("post", "household/0/", {"member_name": "X"}, 404),
        ("post", "household/1/remove/", {"remove": "maybe"}, 400),
        ("post", "household/", {"add_another": "perhaps"}, 400),
        ("post", "household/3/", {"member_name": "X"}, 404),
        ("post", "household/1/", {"member_name": "", "member_age": "old"}, 400),
        ("post", "colour/1/", {"member_name": "X"}, 404),
    ],
)
def test_hostile_requests_to_a_group_are_refused(client, service, method, path, data, status):
    _post(client, "colour", {"colour": "blue"})
    _add(client, "Ada")
    before = dict(client.session[SESSION])
    send = client.get if method == "get" else client.post
    response = send(f"{URL}/{path}", {"version": "1", **data} if method == "post" else data)
    assert response.status_code == status
    assert client.session[SESSION] == before


def test_a_group_not_yet_on_the_route_cannot_be_answered(client, service):
    response = _post(client, "household/1", {"member_name": "Ada"})
    assert response.status_code == 400
    assert client.get(f"{URL}/household/1/")["Location"] == f"{URL}/colour/"


def test_both_errors_of_an_item_are_shown_at_once(client, service):
    _post(client, "colour", {"colour": "blue"})
    response = _post(client, "household/1", {"member_name": "", "member_age": "old"})
    html = response.content.decode()
    assert '<a href="#member_name">' in html
    assert '<a href="#member_age">' in html


def _api(client, headers, answers):
    body = {"version": 1, "declaration": True, "answers": answers}
    return client.post(
        f"{API}/applications", json.dumps(body), content_type="application/json", headers=headers
    )


VALID = {
    "colour": "blue",
    "household": [{"member_name": "Ada", "member_age": "36"}, {"member_name": "Charles"}],
    "email": "someone@example.com",
}


def test_the_api_takes_the_list_of_items(client, service, api_headers):
    schema = client.get(API).json()["answers_schema"]["properties"]["household"]
    assert schema["type"] == "array"
    assert schema["maxItems"] == 3
    assert schema["items"]["required"] == ["member_name"]
    response = _api(client, api_headers, VALID)
    assert response.status_code == 201, response.content
    assert Case.objects.get().answers["household"] == [
        {"member_name": "Ada", "member_age": "36"},
        {"member_name": "Charles", "member_age": None},
    ]


@pytest.mark.parametrize(
    ("household", "key"),
    [
        ("Ada", "household"),
        ([], "household"),
        ([{"member_name": "A"}] * 4, "household"),
        ([{"member_name": "A"}] * 10_000, None),
        (["Ada"], "household/1"),
        ([{"member_name": {"first": "Ada"}}], "household/1/member_name"),
        ([{"member_name": "Ada", "member_age": ["36"]}], "household/1/member_age"),
        ([{"member_name": "Ada", "shoe_size": "9"}], "household/1/shoe_size"),
        ([{"member_name": ""}], "household/1/member_name"),
        ([{"member_name": "A"}, {"member_age": "old"}], "household/2/member_name"),
    ],
)
def test_hostile_api_items_are_refused_without_a_case(client, service, household, key, api_headers):
    response = _api(client, api_headers, {**VALID, "household": household})
    assert 400 <= response.status_code < 500, response.content
    if key:
        assert key in problem_errors(response), response.json()
    assert not Case.objects.exists()


def _problems(pages: str) -> list[str]:
    source = textwrap.dedent(SMALL.replace("      - id: email\n", pages, 1))
    return [str(p) for p in parse_definition(source, filename="svc.yaml").problems]


def test_a_repeating_group_is_checked_when_it_is_published():
    assert _problems(PAGES) == []
    assert any(
        "min (3) is more than max" in p
        for p in _problems(PAGES.replace("min: 1", "min: 3").replace("max: 3", "max: 2"))
    )
    no_item = PAGES.replace("        item: household member\n", "")
    assert any("item" in p for p in _problems(no_item))
    routed = PAGES.replace(
        "      - id: email\n",
        "        next:\n          - {if: {answer: household, equals: x}, goto: email}\n"
        "      - id: email\n",
    )
    assert any("is a list of items" in p for p in _problems(routed))
    stray = PAGES.replace("        min: 1\n", "").replace(
        "      - id: email\n", "      - id: email\n        max: 2\n"
    )
    assert _problems(stray)


ITEM_NAMES = ["member_name", "member_age", "add_another", "remove", "x"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(["household/1", "household/2", "household", "household/1/remove"]),
    posted=st.dictionaries(
        st.sampled_from(ITEM_NAMES),
        st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=3)),
        max_size=4,
    ),
)
def test_random_posts_to_a_group_are_an_error_or_the_next_page(client, service, path, posted):
    client.cookies.clear()
    _post(client, "colour", {"colour": "blue"})
    _add(client, "Ada")
    # A form cannot carry a lone surrogate (its bytes are not UTF-8): send what a browser would.
    clean = {
        name: [v.encode("utf-8", "replace").decode("utf-8") for v in value]
        if isinstance(value, list)
        else value.encode("utf-8", "replace").decode("utf-8")
        for name, value in posted.items()
    }
    before = dict(client.session[SESSION])
    response = _post(client, path, clean)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code != 302:
        assert client.session[SESSION] == before


def test_items_still_being_added_come_back_with_saved_answers(client, service, smtp_inbox):
    from django.test import Client

    from civitas.journeys.tests.test_save_and_return import emailed_link

    _post(client, "colour", {"colour": "blue"})
    _add(client, "Ada Lovelace", "36")
    assert client.post(f"{URL}/save/", {"email": "ada@example.com"}).status_code == 200
    later = Client()
    assert later.post(emailed_link(smtp_inbox))["Location"] == f"{URL}/household/"
    assert later.session[SESSION]["drafts"]["household"] == [
        {"member_name": "Ada Lovelace", "member_age": "36"}
    ]
    assert "You have added 1 household member" in later.get(f"{URL}/household/").content.decode()
