"""Random and hostile answers posted to every question page of a service: a field error or
the next page, never a 5xx, and a refused answer changes nothing that was stored."""

import pytest
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
    client, parking_permit, position, data
):
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
    response = client.post(f"{URL}/{page}/", {"version": "1", **posted})
    assert response.status_code in (302, 400, 409), response.status_code
    if response.status_code != 302:
        assert _stored_answers(client) == before
    assert not Case.objects.exists()
