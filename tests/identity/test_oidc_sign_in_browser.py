"""Signing in through the national identity provider in a browser: out to the local
provider (django-oauth-toolkit), back signed in; a person whose identity is not proved is
told how to prove it; a forged answer is refused. Civitas's pages pass axe-core's WCAG 2.2
A and AA rules."""

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible, browser_page
from tests.identity_provider import (
    CLIENT_ID,
    NOT_PROVED,
    PASSWORD,
    PROVED,
    RETURN_PATH,
    start_identity_provider,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(live_server, settings, tmp_path):
    from civitas.identity import oidc

    provider = start_identity_provider(tmp_path, [f"{live_server.url}{RETURN_PATH}"])
    settings.CITIZEN_OIDC_ISSUER = provider.url
    settings.CITIZEN_OIDC_CLIENT_ID = CLIENT_ID
    settings.CITIZEN_OIDC_CLIENT_KEY_FILE = str(provider.client_key_file)
    oidc.forget_provider()
    yield provider
    provider.stop()
    oidc.forget_provider()


def _sign_in_at_provider(page, email):
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_citizen_signs_in_through_the_provider_and_comes_back(live_server, provider):
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}/account/sign-in/identity-provider/?level=P2&next=/services/")
        assert page.url.startswith(provider.url)
        _sign_in_at_provider(page, PROVED)
        page.wait_for_url(f"{base}/services/")


def test_a_person_without_a_proved_identity_is_told_how_to_prove_it(live_server, provider):
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}/account/sign-in/identity-provider/?level=P2")
        _sign_in_at_provider(page, NOT_PROVED)
        expect(page.get_by_role("heading", name="You need to prove your identity")).to_be_visible()
        assert_accessible(page, "oidc-prove-identity")
        expect(page.get_by_role("link", name="Prove your identity")).to_have_attribute(
            "href", "/account/sign-in/identity-provider/?level=P2"
        )


def test_a_forged_answer_is_refused_on_an_accessible_page(live_server, provider):
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}{RETURN_PATH}?code=forged&state=forged")
        expect(page.get_by_role("heading", name="Sorry, we could not sign you in")).to_be_visible()
        assert_accessible(page, "oidc-refused")
