"""Random and hostile answers posted to every question page of a service: a field error or
the next page, never a 5xx, and a refused answer changes nothing that was stored."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.tests.test_question_types_hostile import HOSTILE_TEXT
from civitas.journeys.tests.test_hostile_input import STEPS_TO_THE_EMAIL
from civitas.journeys.tests.test_pages import URL, answer

PAGES = [*STEPS_TO_THE_EMAIL, ("email", {"email": "resident@example.com"})]
JOURNEY_KEY = "journey:example-borough/resident-parking-permit"


def _stored_answers(client) -> dict:
    return dict((client.session.get(JOURNEY_KEY) or {}).get("answers", {}))


@pytest.mark.parametrize("position", range(len(PAGES)), ids=[page for page, _ in PAGES])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_answers_to_a_page_are_a_field_error_or_the_next_page(
    parking_permit, position, data
):
    client = Client()  # a new citizen for each example: Hypothesis reuses fixtures
    page, valid = PAGES[position]
    for earlier, fields in PAGES[:position]:
        assert answer(client, earlier, fields).status_code == 302
    names = [*valid, "version", "csrfmiddlewaretoken", "change", "x"]
    posted = data.draw(st.dictionaries(st.sampled_from(names), HOSTILE_TEXT, max_size=5))
    # A form cannot carry a lone surrogate (its bytes are not UTF-8): send what a browser would.
    posted = {
        name: value.encode("utf-8", "replace").decode("utf-8") for name, value in posted.items()
    }
    before = _stored_answers(client)
    assert bool(before) == (position > 0)
    response = client.post(f"{URL}/{page}/", {"version": "1", **posted})
    assert response.status_code in (302, 400, 409), response.status_code
    if response.status_code != 302:
        assert _stored_answers(client) == before
    assert not Case.objects.exists()


STREET_PARTY = "/services/example-borough/street-party"
STREET_PARTY_PAGES = [
    ("organiser-name", {"first_name": "Sam", "last_name": "Organiser"}),
    (
        "organiser-address",
        {
            "organiser_address-step": "manual",
            "organiser_address-line-1": "12 Station Road",
            "organiser_address-town": "Eastbury",
            "organiser_address-postcode": "EB1 1AA",
        },
    ),
    ("email", {"email": "organiser@example.com"}),
    ("phone", {"phone": ""}),
    ("road", {"road_name": "Station Road"}),
    ("closure-section", {"closure_from": "Mill Lane", "closure_to": "Church Street"}),
    ("party-date", None),
    ("closure-times", {"closure_start": "10am", "closure_end": "6pm"}),
    ("people", {"expected_people": "80"}),
    ("activities", {"activities": "none"}),
    ("insurance", {}),
    ("neighbours/1", {"neighbour_name": "Alex Neighbour", "neighbour_house": "14"}),
    ("neighbours", {"add_another": "yes"}),
]


def _party_date() -> dict[str, str]:
    import datetime

    day = datetime.date.today() + datetime.timedelta(days=60)
    return {"party_date-day": str(day.day), "party_date-month": str(day.month)} | {
        "party_date-year": str(day.year)
    }


@pytest.fixture
def street_party(db):
    from civitas.catalogue.tests.memory import REPO
    from conftest import publish_example

    return publish_example(REPO / "services" / "street-party" / "service.yaml")


@pytest.mark.parametrize(
    "position", range(len(STREET_PARTY_PAGES)), ids=[page for page, _ in STREET_PARTY_PAGES]
)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_answers_to_a_street_party_page_are_a_field_error_or_the_next_page(
    street_party, position, data
):
    """Pages of several questions, an address, checkboxes, an upload, a cross-field check
    and "add another", each sent what no form would send."""
    client = Client()  # a new citizen for each example: Hypothesis reuses fixtures
    steps = [
        (page, fields if fields is not None else _party_date())
        for page, fields in STREET_PARTY_PAGES
    ]
    page, valid = steps[position]
    for earlier, fields in steps[:position]:
        response = client.post(f"{STREET_PARTY}/{earlier}/", {"version": "1", **fields})
        assert response.status_code == 302, (earlier, response.content[:1000])
    names = [*valid, "add_another", "version", "activities", "x", "neighbour_name"]
    posted = data.draw(st.dictionaries(st.sampled_from(names), HOSTILE_TEXT, max_size=5))
    posted = {
        name: value.encode("utf-8", "replace").decode("utf-8") for name, value in posted.items()
    }
    before = dict(
        (client.session.get("journey:example-borough/street-party") or {}).get("answers", {})
    )
    assert bool(before) == (position > 0)
    response = client.post(f"{STREET_PARTY}/{page}/", {"version": "1", **posted})
    assert response.status_code in (200, 302, 400, 409), response.status_code
    if response.status_code not in (200, 302):
        after = (client.session.get("journey:example-borough/street-party") or {}).get(
            "answers", {}
        )
        assert dict(after) == before
    assert not Case.objects.exists()
