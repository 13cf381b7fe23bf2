"""Administrators invite staff by email; the link works once, and opens nothing until the
new member of staff has set up an authenticator app."""

import datetime
import json
import logging
import re

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from civitas.identity.models import Membership, StaffInvite, StaffUser, TeamMembership
from civitas.identity.public import ensure_team
from civitas.notify.models import Message
from civitas.platform.models import AuditEvent
from conftest import make_staff, run_queued_jobs

INVITEE = "new.starter@example.gov.uk"
STRONG_PASSWORD = "paper kettle orbit lantern"


@pytest.fixture
def highways(organisations):
    return ensure_team(organisation="example-borough", slug="highways", name="Highways")


def _invite(client, **fields):
    data = {
        "display_name": "New Starter",
        "email": INVITEE,
        "role": "caseworker",
        "teams": ["highways"],
        **fields,
    }
    return client.post("/staff/people/", data)


def _link_from(email) -> str:
    body = "".join(
        part.get_payload(decode=True).decode()
        for part in email.walk()
        if part.get_content_type() == "text/plain"
    )
    [link] = re.findall(r"https?://\S+/staff/invite/\S+", body)
    return link.split("://", 1)[1].split("/", 1)[1]  # the path, without the host


@pytest.fixture
def invitation(client, signed_in, administrator, highways, smtp_inbox):
    """The path of the link an administrator's invitation emailed, over real SMTP."""
    signed_in(administrator)
    assert _invite(client).status_code == 302
    run_queued_jobs()
    [email] = smtp_inbox.wait_for(1)
    assert email["To"] == INVITEE
    return "/" + _link_from(email)


def _accept(path: str, password: str = STRONG_PASSWORD) -> tuple[Client, object]:
    invitee = Client()
    response = invitee.post(path, {"password": password, "password_confirmation": password})
    return invitee, response


def _set_up_authenticator(invitee: Client):
    page = invitee.get("/staff/two-factor/set-up").content.decode()
    key = re.search(r'<code class="civitas-totp-key">([A-Z2-7 ]+)</code>', page).group(1)
    code = pyotp.TOTP(key.replace(" ", "")).now()
    return invitee.post("/staff/two-factor/set-up", {"code": code})


def test_an_invited_person_sets_a_password_and_an_authenticator_then_sees_cases(invitation):
    invitee, response = _accept(invitation)
    assert response.status_code == 302
    assert response["Location"] == "/staff/two-factor/set-up"
    user = StaffUser.objects.get(email=INVITEE)
    assert Membership.objects.filter(user=user, role="caseworker").exists()
    assert TeamMembership.objects.filter(user=user, team__slug="highways").exists()
    assert _set_up_authenticator(invitee)["Location"] == "/staff/"
    assert invitee.get("/staff/cases/").status_code == 200


def test_the_password_is_kept_as_an_argon2_hash(invitation, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    _accept(invitation)
    assert StaffUser.objects.get(email=INVITEE).password.startswith("argon2")


def test_no_case_or_staff_page_opens_before_the_authenticator_is_set_up(invitation):
    invitee, _ = _accept(invitation)
    for page in ("/staff/", "/staff/cases/", "/staff/cases/search/", "/staff/messages/"):
        response = invitee.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == "/staff/two-factor/set-up", page


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type(invitation):
    invitee, _ = _accept(invitation)
    page = invitee.get("/staff/two-factor/set-up").content.decode()
    assert "<svg" in page
    assert "QR code for your authenticator app" in page
    assert 'class="civitas-totp-key"' in page


def test_a_wrong_code_does_not_confirm_the_authenticator(invitation):
    invitee, _ = _accept(invitation)
    invitee.get("/staff/two-factor/set-up")
    response = invitee.post("/staff/two-factor/set-up", {"code": "000000"})
    assert response.status_code == 400
    assert invitee.get("/staff/cases/")["Location"] == "/staff/two-factor/set-up"


def test_someone_with_an_authenticator_cannot_set_up_another_with_a_password_alone(
    client, caseworker
):
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    response = client.get("/staff/two-factor/set-up")
    assert response.status_code == 302
    assert response["Location"] == "/staff/"  # which sends them on to the code page
    assert client.get("/staff/")["Location"].startswith("/staff/sign-in/code")


def test_the_link_works_once(invitation):
    _accept(invitation)
    _, response = _accept(invitation, "another long passphrase here")
    assert response.status_code == 404
    assert b"This link does not work" in response.content
    assert StaffUser.objects.filter(email=INVITEE).count() == 1


def test_an_expired_link_does_not_work(invitation, caplog):
    StaffInvite.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        _, response = _accept(invitation)
    assert response.status_code == 404
    assert not StaffUser.objects.filter(email=INVITEE).exists()
    [record] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "civitas.security"]
    assert record["event"] == "token.refused"
    assert record["reason"] == "invite_expired"


def test_a_forged_link_does_not_work_and_is_logged(invitation, caplog):
    forged = invitation[:-4] + ("AAAA" if not invitation.endswith("AAAA") else "BBBB")
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        _, response = _accept(forged)
        assert Client().get("/staff/invite/x").status_code == 404
    assert response.status_code == 404
    reasons = [
        json.loads(r.getMessage())["reason"] for r in caplog.records if r.name == "civitas.security"
    ]
    assert reasons == ["invite_unknown", "invite_unknown"]


def test_a_short_password_is_refused_with_the_reason(invitation):
    _, response = _accept(invitation, "short")
    assert response.status_code == 400
    assert b"too short" in response.content
    assert not StaffUser.objects.filter(email=INVITEE).exists()


def test_the_link_is_erased_from_the_outbox_once_sent(invitation):
    message = Message.objects.get(template="staff-invite")
    assert invitation.rsplit("/", 1)[1] not in message.body_text + message.body_html


def test_an_invitation_and_its_acceptance_are_audited_without_the_address(invitation):
    _accept(invitation)
    invited = AuditEvent.objects.get(action="staff.invited")
    assert invited.organisation == "example-borough"
    assert invited.details == {"role": "caseworker", "teams": ["highways"]}
    assert AuditEvent.objects.filter(action="staff.invite_accepted").exists()
    for event in AuditEvent.objects.filter(action__startswith="staff.invite"):
        assert INVITEE not in json.dumps(event.details)
        assert INVITEE not in event.object_id + event.actor_id


def test_only_an_administrator_may_invite(client, signed_in, caseworker, organisations):
    signed_in(caseworker)
    assert client.get("/staff/people/").status_code == 403
    assert _invite(client).status_code == 403
    assert not StaffInvite.objects.exists()


def test_an_administrator_cannot_put_someone_in_another_organisations_team(
    client, signed_in, administrator, organisations
):
    ensure_team(organisation="sample-district", slug="electoral-services", name="Electoral")
    signed_in(administrator)
    response = _invite(client, teams=["electoral-services"])
    assert response.status_code == 400
    assert not StaffInvite.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-address"),
        ("email", "caseworker@example.gov.uk"),
        ("email", "nul\x00@example.gov.uk"),
        ("email", "a" * 60 + "@" + ".".join(["b" * 63] * 3) + ".gov.uk"),  # 259 characters
        ("display_name", ""),
        ("display_name", "x" * 101),
        ("role", "superuser"),
    ],
)
def test_a_bad_invitation_is_refused_with_an_error_summary(
    client, signed_in, administrator, highways, field, value
):
    make_staff("caseworker@example.gov.uk", "caseworker")
    signed_in(administrator)
    response = _invite(client, **{field: value})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert not StaffInvite.objects.exists()


def test_another_organisations_administrator_invites_only_to_their_own(
    client, signed_in, organisations, smtp_inbox
):
    other_admin = make_staff("admin@sample-district.gov.uk", "administrator", "sample-district")
    signed_in(other_admin)
    assert _invite(client, teams=[]).status_code == 302
    invite = StaffInvite.objects.get()
    assert invite.organisation.slug == "sample-district"


def test_the_session_id_changes_on_accepting_and_again_on_setting_up_the_authenticator(
    invitation,
):
    invitee = Client()
    invitee.get(invitation)
    planted = invitee.session
    planted["planted"] = True
    planted.save()
    invitee.cookies["sessionid"] = planted.session_key
    invitee.post(
        invitation, {"password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD}
    )
    after_password = invitee.cookies["sessionid"].value
    assert after_password != planted.session_key
    assert _set_up_authenticator(invitee).status_code == 302
    assert invitee.cookies["sessionid"].value not in (planted.session_key, after_password)
