"""An administrator invites a member of staff, who sets a password and an authenticator
app in the browser and then meets the GOV.UK timeout warning: every page passes axe-core's
WCAG 2.2 A and AA rules."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from civitas.identity.public import ensure_team
from conftest import current_code, make_staff, run_queued_jobs
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link_from(email) -> str:
    body = "".join(
        part.get_payload(decode=True).decode()
        for part in email.walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"https?://\S+(/staff/invite/\S+)", body).group(1)


def test_an_invited_member_of_staff_signs_up_with_an_authenticator_and_is_warned_of_the_timeout(
    live_server, smtp_inbox, settings
):
    administrator = make_staff("admin@example.gov.uk", "administrator")
    ensure_team(organisation="example-borough", slug="highways", name="Highways")
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}/staff/")
        page.get_by_label("Email address").fill(administrator.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Staff").click()
        page.get_by_role("button", name="Send invitation").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "staff-invite-01-errors")
        page.get_by_label("Their name").fill("New Starter")
        page.get_by_label("Their email address").fill("new.starter@example.gov.uk")
        page.get_by_label("Role").select_option(label="Caseworker")
        page.get_by_label("Highways").check()
        page.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_text("Invitation sent")).to_be_visible()
        assert_accessible(page, "staff-invite-02-sent")

    run_queued_jobs()
    [email] = smtp_inbox.wait_for(1)
    # A short session, so that the warning comes at once.
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 1
    settings.STAFF_TIMEOUT_WARNING_SECONDS = 59
    with browser_page() as page:
        page.goto(f"{base}{_link_from(email)}")
        expect(
            page.get_by_role("heading", name="Join the staff of Example Borough Council")
        ).to_be_visible()
        assert_accessible(page, "staff-invite-03-password")
        page.get_by_label("Choose a password").fill("paper kettle orbit lantern")
        page.get_by_label("Type the password again").fill("paper kettle orbit lantern")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
        assert_accessible(page, "staff-invite-04-authenticator")
        page.get_by_text("I cannot scan the QR code").click()
        key = page.locator(".civitas-totp-key").inner_text().replace(" ", "")
        page.get_by_label("Enter the 6-digit code the app shows").fill(pyotp.TOTP(key).now())
        page.get_by_role("button", name="Confirm").click()
        dialog = page.get_by_role("dialog", name="You are about to be signed out")
        expect(dialog).to_be_visible()
        assert_accessible(page, "staff-invite-05-timeout-warning")
        dialog.get_by_role("button", name="Stay signed in").click()
        expect(dialog).to_be_hidden()
        page.goto(f"{base}/staff/cases/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert "/staff/cases/" in page.url
