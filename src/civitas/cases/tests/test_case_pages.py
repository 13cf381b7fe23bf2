"""The case pages answer a 404, not a server error, for an address no case has."""

import pytest

from civitas.cases.tests.factories import CaseFactory


@pytest.mark.parametrize(
    "reference",
    [
        "ABC%00DEF",  # PostgreSQL refuses NUL in text
        "K7M-2QH-4XP%00",
        "k7m-2qh-4xp",
        "K7M-2QH-4XP-K7M",
        "%ED%A0%80",
        "x" * 300,
    ],
)
def test_a_reference_that_is_not_in_the_reference_format_is_a_404(
    client, caseworker, signed_in, reference
):
    signed_in(caseworker)
    response = client.get(f"/staff/cases/{reference}/")
    assert response.status_code == 404


def test_a_case_is_found_by_its_reference(client, parking_permit, caseworker, signed_in):
    case = CaseFactory()
    signed_in(caseworker)
    response = client.get(f"/staff/cases/{case.reference}/")
    assert response.status_code == 200
    assert case.reference in response.content.decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "\x00~1",
        "2026-01-01T00:00:00+00:00~\x00",
        "0001-01-01T00:00:00-14:00~1",
        "9999-12-31T23:59:59+14:00~1",
        "2026-01-01T00:00:00+00:00~99999999999999999999999999",
        "~",
    ],
)
def test_a_garbled_list_cursor_is_ignored_or_refused_but_never_a_server_error(
    client, caseworker, signed_in, cursor
):
    signed_in(caseworker)
    response = client.get("/staff/cases/", {"after": cursor})
    assert response.status_code < 500


def test_the_case_page_shows_answers_as_their_question_types_show_them(
    client, parking_permit, caseworker, signed_in
):
    case = CaseFactory()
    signed_in(caseworker)
    body = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "CO2 emissions band" in body  # the question's summary label
    assert "Band B: 101 to 110g/km" in body  # an option's label, not its value
    assert "1 December 2026" in body  # a date as GOV.UK writes it
    assert "12 Station Road<br>Eastbury<br>EB1 1AA" in body  # an address, its lines kept
    assert "Zone" in body  # a derived value, by its name
