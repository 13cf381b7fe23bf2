"""An organisation may let its staff sign in through its own OpenID Connect provider
(decision 0041): it replaces the password, never the security code, and finds only staff
the organisation has; it never makes an account."""

import urllib.parse

import pytest
from django.core.management import CommandError, call_command

from civitas.identity.models import Organisation, StaffUser
from civitas.platform.models import AuditEvent
from conftest import current_code, make_staff
from tests.identity_provider import CLIENT_ID, NOT_PROVED, PROVED, sign_in_at_provider

pytestmark = pytest.mark.django_db
START = "/staff/sign-in/organisation/example-borough/"


@pytest.fixture
def single_sign_on(identity_provider, organisations, settings):
    from civitas.identity import oidc

    settings.STAFF_OIDC_CLIENT_KEY_FILE = str(identity_provider.client_key_file)
    call_command(
        "organisations",
        "sso",
        "example-borough",
        "--issuer",
        identity_provider.url,
        "--client-id",
        CLIENT_ID,
    )
    oidc.forget_provider()
    yield identity_provider
    oidc.forget_provider()


def _back_from_provider(client, email, start=START):
    authorize = client.get(start)
    assert authorize.status_code == 302, authorize.content
    back = urllib.parse.urlsplit(sign_in_at_provider(authorize["Location"], email))
    return client.get(f"{back.path}?{back.query}")


def test_the_sign_in_page_offers_the_organisations_own_sign_in(client, single_sign_on):
    page = client.get("/staff/sign-in").content.decode()
    assert "Sign in with Example Borough Council" in page
    assert "/staff/sign-in/organisation/example-borough/" in page


def test_a_member_of_staff_signs_in_through_their_organisation_then_gives_their_code(
    client, single_sign_on
):
    make_staff(PROVED, "caseworker")
    response = _back_from_provider(client, PROVED)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in/code")
    # Not yet signed in: the provider stands for the password, not the second factor.
    assert client.get("/staff/")["Location"].startswith("/staff/sign-in")
    assert client.post("/staff/sign-in/code", {"code": current_code()}).status_code == 302
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(
        action="staff.single_sign_on_checked", details__outcome="ok"
    ).exists()


def test_someone_the_provider_vouches_for_without_a_staff_account_is_refused(
    client, single_sign_on
):
    response = _back_from_provider(client, NOT_PROVED)
    assert response.status_code == 403
    assert (
        "Ask an administrator of Example Borough Council to invite you" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    assert not StaffUser.objects.filter(email=NOT_PROVED).exists()
    assert AuditEvent.objects.filter(
        action="staff.single_sign_on_checked", details__outcome="failed"
    ).exists()


def test_staff_of_another_organisation_are_refused(client, single_sign_on):
    make_staff(PROVED, "caseworker", "sample-district")
    assert _back_from_provider(client, PROVED).status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_deactivated_member_of_staff_is_refused(client, single_sign_on):
    StaffUser.objects.filter(pk=make_staff(PROVED, "caseworker").pk).update(is_active=False)
    assert _back_from_provider(client, PROVED).status_code == 403


def test_an_organisation_without_single_sign_on_has_none(client, single_sign_on):
    assert client.get("/staff/sign-in/organisation/sample-district/").status_code == 404
    assert client.get("/staff/sign-in/organisation/no-such-council/").status_code == 404


def test_an_answer_without_a_sign_in_started_is_refused(client, single_sign_on):
    response = client.get("/staff/sign-in/organisation-return/?code=x&state=y")
    assert response.status_code == 400


def test_an_answer_to_another_organisations_sign_in_is_refused(client, single_sign_on):
    make_staff(PROVED, "caseworker")
    authorize = client.get(START)["Location"]
    back = urllib.parse.urlsplit(sign_in_at_provider(authorize, PROVED))
    Organisation.objects.filter(slug="example-borough").update(
        sso_issuer="https://elsewhere.example"
    )
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_single_sign_on_is_switched_off(client, single_sign_on):
    call_command("organisations", "sso", "example-borough", "--off")
    assert client.get(START).status_code == 404
    assert "Sign in with Example Borough" not in client.get("/staff/sign-in").content.decode()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            ["no-such-council", "--issuer", "https://id.example", "--client-id", "c"],
            "no organisation",
        ),
        (["example-borough", "--issuer", "https://id.example"], "give --issuer and --client-id"),
        (
            ["example-borough", "--issuer", "https://" + "x" * 200, "--client-id", "c"],
            "200 characters",
        ),
    ],
)
def test_the_command_refuses_what_would_not_work(organisations, arguments, error):
    with pytest.raises(CommandError, match=error):
        call_command("organisations", "sso", *arguments)
