"""Cross-field checks on the questions of a repeating group: each item is checked when its
page is answered, over its own answers and the earlier pages' answers; shown as a field
error on the item page and keyed `<group>/<n>/<answer>` by the API."""

import json
import textwrap

import pytest

from civitas.cases.models import Case
from civitas.catalogue.definition import parse_definition
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from conftest import problem_errors

URL = "/services/example-borough/small"
API = "/api/v1/services/example-borough/small"
SESSION = "journey:example-borough/small"
BEFORE = "The date they moved in must be on or after the tenancy started"
PAST = "The date they moved in must be today or in the past"

PAGES = """\
      - id: tenancy-start
        question: {id: tenancy_start, type: date, label: "When did your tenancy start?"}
      - id: household
        kind: repeat
        title: Tell us about a household member
        item: household member
        max: 3
        questions:
          - {id: member_name, type: text, label: Full name}
          - id: moved_in
            type: date
            label: When did they move in?
            checks:
              - expression: moved_in >= tenancy_start
                message: The date they moved in must be on or after the tenancy started
              - expression: moved_in <= today
                message: The date they moved in must be today or in the past
      - id: email
"""


def _source(pages: str = PAGES) -> str:
    return textwrap.dedent(SMALL.replace("      - id: email\n", pages, 1))


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(_source())
    publish_service_file(path, published_by="test")


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def _date(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def _start(client):
    assert _post(client, "colour", {"colour": "blue"}).status_code == 302
    answered = _post(client, "tenancy-start", _date("tenancy_start", "1", "3", "2020"))
    assert answered.status_code == 302


def test_an_item_failing_its_check_is_shown_again_with_a_field_error(client, service):
    _start(client)
    refused = _post(
        client, "household/1", {"member_name": "Ada", **_date("moved_in", "28", "2", "2020")}
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert '<a href="#moved_in-day">' in html
    assert html.count(BEFORE) == 2  # the summary and the field
    assert 'value="Ada"' in html
    assert not client.session[SESSION].get("drafts", {}).get("household")
    taken = _post(
        client, "household/1", {"member_name": "Ada", **_date("moved_in", "1", "3", "2020")}
    )
    assert taken["Location"] == f"{URL}/household/"
    assert client.session[SESSION]["drafts"]["household"] == [
        {"member_name": "Ada", "moved_in": "2020-03-01"}
    ]


def test_a_changed_item_is_checked_again(client, service):
    _start(client)
    _post(client, "household/1", {"member_name": "Ada", **_date("moved_in", "1", "4", "2021")})
    changed = _post(
        client, "household/1", {"member_name": "Ada", **_date("moved_in", "1", "1", "3000")}
    )
    assert changed.status_code == 400
    assert PAST in changed.content.decode()
    assert client.session[SESSION]["drafts"]["household"][0]["moved_in"] == "2021-04-01"


@pytest.mark.parametrize(
    "moved_in",
    [
        {},
        _date("moved_in", "x", "", "2020"),
        _date("moved_in", "\x00", "99", "-1"),
        {"moved_in": "2020-01-01"},
    ],
)
def test_hostile_item_answers_are_a_field_error_not_a_5xx(client, service, moved_in):
    _start(client)
    response = _post(client, "household/1", {"member_name": "Ada", **moved_in})
    assert response.status_code == 400
    assert '<a href="#moved_in-' in response.content.decode()


def _api(client, headers, household):
    answers = {
        "colour": "blue",
        "tenancy_start": "2020-03-01",
        "household": household,
        "email": "someone@example.com",
    }
    body = {"version": 1, "declaration": True, "answers": answers}
    return client.post(
        f"{API}/applications", json.dumps(body), content_type="application/json", headers=headers
    )


def test_the_api_keys_a_failed_item_check_by_group_item_and_answer(client, service, api_headers):
    refused = _api(
        client,
        api_headers,
        [
            {"member_name": "Ada", "moved_in": "2020-03-01"},
            {"member_name": "Charles", "moved_in": "2019-12-31"},
        ],
    )
    assert refused.status_code == 422, refused.content
    errors = problem_errors(refused)
    assert errors["household/2/moved_in"] == BEFORE
    assert "household/1/moved_in" not in errors
    assert not Case.objects.exists()
    taken = _api(client, api_headers, [{"member_name": "Ada", "moved_in": "2020-03-01"}])
    assert taken.status_code == 201, taken.content
    assert Case.objects.get().answers["household"] == [
        {"member_name": "Ada", "moved_in": "2020-03-01"}
    ]


def _problems(pages: str) -> list[str]:
    return [str(p) for p in parse_definition(_source(pages), filename="svc.yaml").problems]


def _line(pages: str, text: str) -> int:
    return next(n for n, line in enumerate(_source(pages).splitlines(), 1) if text in line)


def test_item_checks_over_the_item_and_earlier_answers_are_accepted():
    assert _problems(PAGES) == []


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("moved_in >= member_name", "type error"),
        ("moved_in > 3", "type error"),
        ("count(household) < 3", "'household' is the list of this group's items"),
        ("email != ''", "answer 'email' is not asked before this repeating group"),
        ("shoe_size > 3", "shoe_size"),
        ("moved_in >=", "ends too early"),
    ],
)
def test_a_wrong_item_check_is_refused_at_its_line(expression, problem):
    pages = PAGES.replace("moved_in <= today", expression, 1)
    found = _problems(pages)
    assert len(found) == 1, found
    assert found[0].startswith(f"svc.yaml:{_line(PAGES, 'moved_in <= today')}: ")
    assert problem in found[0].lower() or problem in found[0], found


def test_an_items_answers_cannot_be_read_outside_the_item():
    pages = PAGES.replace(
        "      - id: email\n",
        "      - id: later\n"
        "        question:\n"
        "          id: later\n"
        "          type: date\n"
        "          label: When did the last one leave?\n"
        "          checks:\n"
        "            - {expression: later >= moved_in, message: Too early}\n"
        "      - id: email\n",
        1,
    )
    [problem] = _problems(pages)
    assert problem.startswith(f"svc.yaml:{_line(pages, 'later >= moved_in')}: ")
    assert "moved_in" in problem
