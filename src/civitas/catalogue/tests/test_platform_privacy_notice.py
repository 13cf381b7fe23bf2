"""/privacy: the platform's privacy notice, generated from the live services: each
organisation as the controller, each service's lawful basis and retention, people's
rights and the ICO, in English and Welsh, linked from every page's footer."""

import re
from html import unescape

import pytest

from civitas.catalogue.privacy import describe_period
from conftest import SERVICES, publish_example


@pytest.fixture
def services(organisations):
    for name in ("blue-badge", "register-to-vote", "resident-parking-permit"):
        publish_example(SERVICES / name / "service.yaml")


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_it_names_each_organisation_as_controller_of_its_services(client, services):
    response = client.get("/privacy")
    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Example Borough Council is the data controller" in text
    assert "Sample District Council is the data controller" in text
    assert 'href="/services/example-borough/blue-badge/privacy/"' in response.content.decode()
    assert "Public task (UK GDPR Article 6(1)(e))" in text


def test_it_says_how_long_each_service_keeps_each_kind_of_record(client, services):
    text = _text(client.get("/privacy").content.decode())
    # Blue Badge: closed 3 years, uploads 6 months, messages 1 year, abandoned 14 days.
    assert "3 years after the application is closed" in text
    assert "6 months after the application is closed" in text
    assert "1 year after the application is closed" in text
    assert "14 days after you save them" in text
    # Register to vote says nothing: the platform's defaults.
    assert "2 years after the application is closed" in text
    assert "7 years after the application is closed" in text
    assert "30 days after you save them" in text


def test_it_sets_out_rights_and_how_to_complain_to_the_ico(client, services):
    html = client.get("/privacy").content.decode()
    assert "get a copy of the information we hold about you" in html
    assert 'href="https://ico.org.uk/make-a-complaint/"' in html


def test_it_is_in_welsh_on_a_welsh_page(client, services):
    assert client.get("/language/cy/?next=/").status_code == 302
    text = _text(client.get("/privacy").content.decode())
    assert "Hysbysiad preifatrwydd" in text
    assert "yw'r rheolydd data ar gyfer y wybodaeth rydych yn ei rhoi yn ei wasanaethau" in text
    assert "3 blynedd ar ôl i'r cais gael ei gau" in text
    assert "14 diwrnod ar ôl i chi eu cadw" in text
    assert "Sut i gwyno" in text


def test_it_is_linked_from_the_footer_of_a_service_page_and_the_home_page(client, services):
    assert 'href="/privacy"' in client.get("/").content.decode()


def test_with_no_live_services_it_still_sets_out_the_rights(client, db):
    response = client.get("/privacy")
    assert response.status_code == 200
    assert "No services are open at the moment." in response.content.decode()


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (730, "2 years"),
        (365, "1 year"),
        (180, "6 months"),
        (30, "30 days"),
        (60, "2 months"),
        (14, "14 days"),
    ],
)
def test_periods_are_said_in_years_months_or_days(days, words):
    assert describe_period(days) == words


def test_only_get_is_allowed(client, db):
    assert client.post("/privacy").status_code == 405
