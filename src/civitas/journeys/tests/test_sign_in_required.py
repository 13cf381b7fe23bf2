"""A service whose definition says `sign_in` is applied for only by a citizen signed in
through the identity provider with the identity level it needs (decision 0041); others
are sent to sign in, and back."""

import shutil
import time
import urllib.parse

import pytest

from civitas.identity.account_sessions import (
    ACCOUNT_KEY,
    ACTIVE_AT_KEY,
    GENERATION_KEY,
    IDENTITY_LEVEL_KEY,
    SIGNED_IN_AT_KEY,
)
from civitas.identity.tests.factories import CitizenAccountFactory
from conftest import SERVICES, publish_example, register_example_organisations
from tests.identity_provider import NOT_PROVED, PROVED, sign_in_at_provider

SERVICE = "/services/example-borough/resident-parking-permit"
pytestmark = pytest.mark.django_db


def _needing(tmp_path, level: str):
    folder = tmp_path / "services"
    shutil.copytree(SERVICES / "resident-parking-permit", folder / "resident-parking-permit")
    shutil.copytree(SERVICES / "rules", folder / "rules")
    definition = folder / "resident-parking-permit" / "service.yaml"
    text = definition.read_text()
    definition.write_text(
        text.replace("\nstart:\n", f"\nsign_in:\n  identity_level: {level}\n\nstart:\n", 1)
    )
    register_example_organisations()
    return publish_example(definition)


def _signed_in(client, level: str) -> None:
    account = CitizenAccountFactory()
    session = client.session
    session[ACCOUNT_KEY] = str(account.pk)
    session[GENERATION_KEY] = account.session_generation
    session[SIGNED_IN_AT_KEY] = session[ACTIVE_AT_KEY] = int(time.time())
    session[IDENTITY_LEVEL_KEY] = level
    session.save()


def test_the_start_page_says_applying_needs_a_proved_identity(client, tmp_path):
    _needing(tmp_path, "P2")
    page = client.get(f"{SERVICE}/").content.decode()
    assert "You need to sign in and prove your identity to apply." in page


def test_a_citizen_not_signed_in_is_sent_to_sign_in_and_back(client, tmp_path):
    _needing(tmp_path, "P2")
    response = client.get(f"{SERVICE}/address/")
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response["Location"])
    assert location.path == "/account/sign-in/identity-provider/"
    assert urllib.parse.parse_qs(location.query) == {
        "level": ["P2"],
        "next": [f"{SERVICE}/address/"],
    }


@pytest.mark.parametrize("page", ["address/", "check-answers/", "declaration/"])
def test_every_page_of_the_journey_is_closed_below_the_level(client, tmp_path, page):
    _needing(tmp_path, "P2")
    _signed_in(client, "P0")
    response = client.get(f"{SERVICE}/{page}")
    assert response.status_code == 302
    assert "level=P2" in response["Location"]


def test_a_citizen_signed_in_at_the_level_applies(client, tmp_path):
    _needing(tmp_path, "P2")
    _signed_in(client, "P2")
    assert client.get(f"{SERVICE}/address/").status_code == 200


def test_a_level_above_the_one_needed_is_enough(client, tmp_path):
    _needing(tmp_path, "P0")
    _signed_in(client, "P2")
    assert client.get(f"{SERVICE}/address/").status_code == 200


def test_a_service_without_sign_in_needs_none(client, parking_permit):
    assert client.get(f"{SERVICE}/address/").status_code == 200


def test_a_level_the_language_does_not_know_is_refused_at_its_line(tmp_path):
    from civitas.catalogue.public import parse_file

    definition = _needing_file(tmp_path, "P9")
    problems = parse_file(definition).problems
    assert any(
        "identity_level" in problem.message or "P9" in problem.message for problem in problems
    )
    assert all(problem.line for problem in problems)


def _needing_file(tmp_path, level):
    folder = tmp_path / "bad"
    shutil.copytree(SERVICES / "resident-parking-permit", folder / "resident-parking-permit")
    shutil.copytree(SERVICES / "rules", folder / "rules")
    definition = folder / "resident-parking-permit" / "service.yaml"
    definition.write_text(
        definition.read_text().replace(
            "\nstart:\n", f"\nsign_in:\n  identity_level: {level}\n\nstart:\n", 1
        )
    )
    return definition


def test_through_the_provider_a_proved_citizen_reaches_the_service(client, tmp_path, citizen_oidc):
    _needing(tmp_path, "P2")
    to_sign_in = client.get(f"{SERVICE}/address/")["Location"]
    authorize = client.get(to_sign_in)["Location"]
    back = urllib.parse.urlsplit(sign_in_at_provider(authorize, PROVED))
    response = client.get(f"{back.path}?{back.query}")
    assert response["Location"] == f"{SERVICE}/address/"
    assert client.get(f"{SERVICE}/address/").status_code == 200


def test_through_the_provider_an_unproved_citizen_is_told_how_to_prove_it(
    client, tmp_path, citizen_oidc
):
    _needing(tmp_path, "P2")
    authorize = client.get(client.get(f"{SERVICE}/address/")["Location"])["Location"]
    back = urllib.parse.urlsplit(sign_in_at_provider(authorize, NOT_PROVED))
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 403
    assert client.get(f"{SERVICE}/address/").status_code == 302


def test_a_citizen_signed_in_by_password_has_proved_no_identity(client, tmp_path):
    _needing(tmp_path, "P0")
    _signed_in(client, "P0")
    session = client.session
    del session[IDENTITY_LEVEL_KEY]
    session.save()
    assert client.get(f"{SERVICE}/address/").status_code == 302
