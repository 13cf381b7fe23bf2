"""The address question through the pages, check answers, the case and the API, with the
test service that asks one (services/bulky-waste-collection)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.memory import REPO
from conftest import problem_errors

BULKY_WASTE = REPO / "services" / "bulky-waste-collection" / "service.yaml"
URL = "/services/example-borough/bulky-waste-collection"
API = "/api/v1/services/example-borough/bulky-waste-collection"
Q = "collection_address"


@pytest.fixture
def service(organisations):
    publish_service_file(BULKY_WASTE, published_by="test")


def _post(client, data, page="address"):
    return client.post(
        f"{URL}/{page}/", {"version": "1", **{f"{Q}-{k}": v for k, v in data.items()}}
    )


def _finish(client):
    assert client.post(f"{URL}/items/", {"version": "1", "items": "A sofa"}).status_code == 302
    email = {"version": "1", "email": "someone@example.com"}
    assert client.post(f"{URL}/email/", email).status_code == 302


def test_a_citizen_finds_and_chooses_their_address(client, service, caseworker, signed_in):
    page = client.get(f"{URL}/address/").content.decode()
    assert "Find address" in page
    assert ">Continue</button>" not in page
    found = _post(client, {"step": "find", "postcode": "eb1 1aa", "action": "find"})
    assert found.status_code == 200
    html = found.content.decode()
    assert "govuk-error-summary" not in html
    assert "6 addresses found for EB1 1AA" in html
    # Finding is a step, not an answer: the journey has not moved on.
    assert client.get(f"{URL}/items/").url.endswith("/address/")
    chosen = _post(client, {"step": "select", "postcode": "EB1 1AA", "uprn": "100000000003"})
    assert chosen.status_code == 302
    assert chosen.url.endswith("/items/")
    _finish(client)
    summary = client.get(f"{URL}/check-answers/").content.decode()
    # One row, its lines kept.
    assert "Collection address" in summary
    assert "Flat 1<br>3 Station Road<br>Eastbury<br>EB1 1AA" in summary
    # Changing it shows the address as manual entry, ready to edit or find again.
    change = client.get(f"{URL}/address/?change=1").content.decode()
    assert 'value="3 Station Road"' in change
    assert "Find the address by postcode" in change
    assert client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"}).status_code == 302
    case = Case.objects.get()
    assert case.answers[Q] == "Flat 1\n3 Station Road\nEastbury\nEB1 1AA"
    signed_in(caseworker)
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Flat 1<br>3 Station Road<br>Eastbury<br>EB1 1AA" in case_page


def test_a_citizen_who_cannot_find_their_address_enters_it(client, service):
    found = _post(client, {"step": "find", "postcode": "EB1 1AA", "action": "find"})
    assert found.status_code == 200
    manual = _post(client, {"step": "select", "postcode": "EB1 1AA", "action": "manual"})
    assert manual.status_code == 200
    html = manual.content.decode()
    assert 'autocomplete="address-line1"' in html
    assert 'value="EB1 1AA"' in html
    missing = _post(client, {"step": "manual", "line-1": "", "town": "", "postcode": "EB1 1AA"})
    assert missing.status_code == 400
    assert "Enter address line 1, typically the building and street" in missing.content.decode()
    assert 'href="#collection_address-line-1"' in missing.content.decode()
    entered = _post(
        client,
        {"step": "manual", "line-1": "7 Back Lane", "town": "Eastbury", "postcode": "eb1 1zz"},
    )
    assert entered.status_code == 302
    _finish(client)
    assert (
        "7 Back Lane<br>Eastbury<br>EB1 1ZZ" in client.get(f"{URL}/check-answers/").content.decode()
    )


def test_a_postcode_with_no_addresses_is_said_without_an_error(client, service):
    response = _post(client, {"step": "find", "postcode": "EB9 9ZZ", "action": "find"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not find an address for EB9 9ZZ" in html
    assert "govuk-error-summary" not in html
    wrong = _post(client, {"step": "find", "postcode": "EB9", "action": "find"})
    assert wrong.status_code == 400
    assert "Enter a real postcode" in wrong.content.decode()


def test_a_forged_address_is_refused_and_nothing_is_stored(client, service):
    response = _post(client, {"step": "select", "postcode": "EB1 1AA", "uprn": "100000000011"})
    assert response.status_code == 400
    assert "That address is not one of the addresses found" in response.content.decode()
    assert client.get(f"{URL}/items/").status_code == 302  # still on the address page


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.dictionaries(
        st.sampled_from(["step", "action", "postcode", "building", "uprn", "line-1", "town"]),
        st.one_of(
            st.sampled_from(["find", "select", "manual", "change", "EB1 1AA", "100000000001"]),
            st.text(alphabet=st.characters(codec="utf-8"), max_size=2000),
        ),
    )
)
def test_any_post_gets_a_page_never_a_server_error(client, service, data):
    response = _post(client, data)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        # An answer was stored: it is one the API would take too.
        answer = client.get(f"{URL}/address/").content.decode()
        assert 'name="collection_address-step" value="manual"' in answer
        client.cookies.clear()


def test_the_api_takes_the_address_as_its_lines(client, service, api_headers):
    schema = client.get(API).json()["answers_schema"]["properties"][Q]
    assert schema["type"] == "string"
    answers = {Q: "7 Back Lane\nEastbury\neb1 1zz", "items": "A sofa", "email": "a@example.com"}
    body = {"version": 1, "declaration": True, "answers": answers}
    created = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert created.status_code == 201, created.content
    assert Case.objects.get().answers[Q] == "7 Back Lane\nEastbury\nEB1 1ZZ"
    # The address table's addresses are the service's own, not published with it.
    assert "_addresses" not in client.get(API).content.decode()


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("7 Back Lane", "Enter the address as 3 or 4 lines"),
        ("7 Back Lane\nEastbury\nnowhere", "Enter a real postcode"),
        ("\nEastbury\nEB1 1ZZ", "Enter address line 1, typically the building and street"),
        ("7 Back Lane\n\x00\nEastbury\nEB1 1ZZ", "characters that cannot be used"),
        ("x" * 5000 + "\nEastbury\nEB1 1ZZ", "Address line 1 must be 100 characters or fewer"),
        (12, "Enter a postcode"),
        (["7 Back Lane", "Eastbury", "EB1 1ZZ"], "Enter a postcode"),
        ({"line_1": "7 Back Lane"}, "Enter a postcode"),
        (None, "Enter a postcode"),
    ],
)
def test_the_api_refuses_an_address_that_is_not_one_with_a_field_error(
    client, service, address, error, api_headers
):
    answers = {Q: address, "items": "A sofa", "email": "a@example.com"}
    body = {"version": 1, "declaration": True, "answers": answers}
    response = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 422, response.content
    assert error in problem_errors(response)[Q]
    assert not Case.objects.exists()
