"""Finding cases by the email address, postcode or name in their encrypted answers, through
keyed blind indexes: exact after normalising, scoped to the organisation, audited without
what was typed, never decrypting a case to search."""

import re
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case, CaseSearchTerm
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.platform.models import AuditEvent
from conftest import SERVICES, publish_example

SEARCH = "/staff/cases/search/"


@pytest.fixture
def blue_badge(organisations):
    return publish_example(SERVICES / "blue-badge" / "service.yaml")


def _permit(service, **answers) -> Case:
    return submit_application(service=service, answers={**ANSWERS, **answers}, fee_pence=100)


def _badge(service, holder: str) -> Case:
    answers = {
        "applying_for": "myself",
        "holder_name": holder,
        "date_of_birth": "1960-03-27",
        "address": "1 Station Road\nEastbury\nEB1 1AA",
        "email": "holder@example.com",
        "benefit": "dla_higher_mobility",
    }
    return submit_application(service=service, answers=answers, fee_pence=1000)


def _results(client, **query: str) -> tuple[list[str], str | None]:
    """The references a search shows, in order, and where its next page starts."""
    response = client.get(SEARCH, query)
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    found = re.findall(r'<a class="govuk-link" href="/staff/cases/([^/"]+)/">', body)
    after = re.search(r'after=([^"]+)">Older cases', body)
    return found, unquote(after.group(1)) if after else None


def _found(client, text: str) -> list[str]:
    return _results(client, q=text)[0]


def test_a_case_is_found_by_its_email_address_written_in_any_case(
    client, parking_permit, caseworker, signed_in
):
    case = _permit(parking_permit, email="Resident@Example.com")
    _permit(parking_permit, email="someone.else@example.com")
    signed_in(caseworker)
    assert _found(client, "  resident@EXAMPLE.com ") == [case.reference]


def test_a_case_is_found_by_the_postcode_of_its_address_however_it_is_spaced(
    client, parking_permit, caseworker, signed_in
):
    case = _permit(parking_permit, address="5 Bridge Street\nEastbury\nEB2 2BB")
    _permit(parking_permit)  # EB1 1AA
    signed_in(caseworker)
    assert _found(client, "eb22bb") == [case.reference]
    assert _found(client, "EB2  2BB") == [case.reference]


def test_a_case_is_found_by_every_word_of_a_name_without_accents_or_case(
    client, blue_badge, caseworker, signed_in
):
    sian = _badge(blue_badge, "Siân Jones-Evans")
    other = _badge(blue_badge, "Dafydd Jones-Evans")
    signed_in(caseworker)
    assert _found(client, "sian jones-evans") == [sian.reference]
    assert set(_found(client, "JONES-EVANS")) == {sian.reference, other.reference}
    assert _found(client, "Siân Smith") == []
    # Whole words only: a blind index keeps no part of a word.
    assert _found(client, "Jon") == []


def test_another_organisations_cases_are_never_found(
    client, parking_permit, other_council_permit, other_council_caseworker, signed_in
):
    _permit(parking_permit, email="shared@example.com")
    theirs = _permit(other_council_permit, email="shared@example.com")
    signed_in(other_council_caseworker)
    assert _found(client, "shared@example.com") == [theirs.reference]


def test_the_index_holds_no_answer_and_depends_on_the_key(parking_permit, settings):
    case = _permit(parking_permit, email="resident@example.com")
    terms = list(CaseSearchTerm.objects.filter(case=case).values_list("kind", "digest"))
    assert {kind for kind, _ in terms} == {"email", "postcode"}
    assert all("@" not in digest and "EB1" not in digest for _, digest in terms)
    settings.FIELD_ENCRYPTION_KEYS = ["another key", *settings.FIELD_ENCRYPTION_KEYS]
    again = _permit(parking_permit, email="resident@example.com")
    assert set(CaseSearchTerm.objects.filter(case=again).values_list("kind", "digest")).isdisjoint(
        terms
    )


def test_after_a_key_change_cases_are_found_by_either_key_until_reindexed(
    client, parking_permit, caseworker, signed_in, settings
):
    case = _permit(parking_permit, email="resident@example.com")
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = ["the new key", *old]
    signed_in(caseworker)
    assert _found(client, "resident@example.com") == [case.reference]
    before = set(CaseSearchTerm.objects.filter(case=case).values_list("digest", flat=True))
    call_command("cases", "reindex")
    after = set(CaseSearchTerm.objects.filter(case=case).values_list("digest", flat=True))
    assert before.isdisjoint(after)
    assert _found(client, "resident@example.com") == [case.reference]


def test_a_reference_goes_straight_to_its_case(client, parking_permit, caseworker, signed_in):
    case = _permit(parking_permit)
    signed_in(caseworker)
    response = client.get(SEARCH, {"q": case.reference.lower().replace("-", " ")})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a reference, an email address, a postcode or a name"),
        ("!!! ???", "Enter a reference, an email address, a postcode or a name"),
        ("x" * 201, "Search must be 200 characters or fewer"),
    ],
)
def test_a_search_for_nothing_searchable_is_the_govuk_error(
    client, caseworker, signed_in, text, message
):
    signed_in(caseworker)
    response = client.get(SEARCH, {"q": text})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert f'<a href="#q">{message}</a>' in body
    assert "<title>Error:" in body


def test_a_search_is_audited_by_its_kind_and_count_never_by_what_was_typed(
    client, parking_permit, caseworker, signed_in
):
    _permit(parking_permit, email="private.person@example.com")
    signed_in(caseworker)
    _found(client, "private.person@example.com")
    event = AuditEvent.objects.get(action="cases.searched")
    assert event.details == {"kind": "email", "found": 1}
    assert event.actor_id == str(caseworker.pk)
    assert "private.person" not in str(event.details)


def test_results_come_a_page_at_a_time_by_key(client, parking_permit, caseworker, signed_in):
    made = [_permit(parking_permit, email="busy@example.com").reference for _ in range(53)]
    signed_in(caseworker)
    first, after = _results(client, q="busy@example.com")
    assert len(first) == 50
    later, end = _results(client, q="busy@example.com", after=after)
    assert end is None
    assert first + later == list(reversed(made))


def test_a_search_reads_a_fixed_number_of_queries(
    client, parking_permit, caseworker, signed_in, django_assert_max_num_queries
):
    for _ in range(20):
        _permit(parking_permit, email="many@example.com")
    signed_in(caseworker)
    client.get(SEARCH, {"q": "many@example.com"})  # warm the session and the service cache
    with django_assert_max_num_queries(12):
        assert len(_found(client, "many@example.com")) == 20


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_search_text_is_an_answer_or_a_field_error_never_a_server_error(
    client, caseworker, signed_in, text
):
    if not getattr(client, "signed_in_for_search", False):  # once for all the examples
        signed_in(caseworker)
        client.signed_in_for_search = True
    response = client.get(SEARCH, {"q": text})
    assert response.status_code in (200, 302, 400)
