"""A citizen's account in the browser: creating it and confirming the address by the
emailed link, turning on two factors and signing in with them, and getting back in with
a password reset and a recovery code. Every page is checked with axe-core for WCAG 2.2 A
and AA; the emails travel over real SMTP."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from civitas.identity.models import CitizenAccount
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from conftest import run_queued_jobs
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def emailed_path(smtp_inbox, count: int) -> str:
    run_queued_jobs()
    received = smtp_inbox.wait_for(count)
    assert len(received) >= count, "the email did not arrive"
    text = next(
        part.get_payload(decode=True).decode()
        for part in received[-1].walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"https?://[^/\s]+(/account/\S+/)", text).group(1)


def test_a_resident_creates_an_account_and_confirms_their_address(live_server, smtp_inbox):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="Sign in", exact=True).click()
        assert_accessible(page, "account-01-sign-in")
        page.get_by_role("link", name="Create an account").first.click()
        assert_accessible(page, "account-02-create")
        page.get_by_label("Email address").fill("resident@example")
        page.get_by_label("Create a password").fill("password")
        page.get_by_role("button", name="Create account").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Enter an email address in the correct format")
        expect(summary).to_contain_text("This password is too common")
        assert_accessible(page, "account-03-create-errors")

        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        assert_accessible(page, "account-04-check-email")

        page.goto(f"{live_server.url}{emailed_path(smtp_inbox, 1)}")
        assert_accessible(page, "account-05-confirm")
        page.get_by_role("button", name="Confirm and sign in").click()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        expect(page.get_by_text("resident@example.com")).to_be_visible()
        expect(page.get_by_role("link", name="Your account")).to_be_visible()
        assert_accessible(page, "account-06-home")


def test_a_resident_turns_on_two_factors_and_signs_in_with_them(live_server, smtp_inbox):
    account = CitizenAccountFactory(email="resident@example.com")
    with browser_page() as page:
        page.goto(f"{live_server.url}/account/sign-in")
        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Change two-factor authentication").click()
        assert_accessible(page, "account-2fa-01-intro")
        page.get_by_role("button", name="Set up two-factor authentication").click()
        qr = page.get_by_role("img", name=re.compile("QR code"))
        expect(qr).to_be_visible()
        assert qr.evaluate("image => image.naturalWidth") > 100  # drawn, not broken
        assert_accessible(page, "account-2fa-02-qr")
        secret = page.locator("#secret").inner_text().replace(" ", "")
        totp = pyotp.TOTP(secret)
        page.get_by_label("Enter the 6-digit code the app shows").fill(totp.now())
        page.get_by_role("button", name="Turn on two-factor authentication").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        assert_accessible(page, "account-2fa-03-recovery-codes")
        page.get_by_role("link", name="I have saved my codes").click()
        page.get_by_role("button", name="Sign out", exact=True).click()

        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        assert_accessible(page, "account-2fa-04-code")
        page.get_by_label("Enter the code from your authenticator app").fill("000000")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not correct")
        assert_accessible(page, "account-2fa-05-code-error")
        # The code used to turn it on cannot be used again: the next one can.
        page.get_by_label("Enter the code from your authenticator app").fill(
            totp.at(time.time() + 30)
        )
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    account.refresh_from_db()
    assert account.has_two_factors


def test_a_resident_who_lost_their_password_and_phone_gets_back_in(live_server, smtp_inbox):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/account/create")
        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.goto(f"{live_server.url}{emailed_path(smtp_inbox, 1)}")
        page.get_by_role("button", name="Confirm and sign in").click()
        page.goto(f"{live_server.url}/account/two-factor")
        page.get_by_role("button", name="Set up two-factor authentication").click()
        secret = page.locator("#secret").inner_text().replace(" ", "")
        page.get_by_label("Enter the 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor authentication").click()
        recovery = page.locator("#recovery-codes li").first.inner_text()
        page.goto(f"{live_server.url}/account/")
        page.get_by_role("button", name="Sign out", exact=True).click()

        page.get_by_role("link", name="I have forgotten my password").click()
        assert_accessible(page, "account-recover-01-ask")
        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_role("button", name="Email me a link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        reset = emailed_path(smtp_inbox, 2)
        page.goto(f"{live_server.url}{reset}")
        assert_accessible(page, "account-recover-02-new-password")
        page.get_by_label("Choose a new password").fill("short")
        page.get_by_role("button", name="Save password").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("at least 8 characters")
        assert_accessible(page, "account-recover-03-error")
        page.get_by_label("Choose a new password").fill("a brand new passphrase")
        page.get_by_role("button", name="Save password").click()
        expect(page.get_by_text("Your password has been changed")).to_be_visible()

        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_label("Password").fill("a brand new passphrase")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Enter the code from your authenticator app").fill(recovery)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()

        # The reset link was for one use.
        page.goto(f"{live_server.url}{reset}")
        expect(page.get_by_text("This link has already been used")).to_be_visible()
        assert_accessible(page, "account-recover-04-link-used")
    assert CitizenAccount.objects.get().recovery_codes.filter(used_at__isnull=False).count() == 1


def test_a_resident_asks_to_be_sent_text_messages(live_server):
    account = CitizenAccountFactory(email="texts@example.com")
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/account/sign-in")
        page.get_by_label("Email address").fill("texts@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Change how we contact you").click()
        assert_accessible(page, "account-contact-01-choice")
        page.get_by_role("button", name="Save").click()  # nothing changed: still email
        page.get_by_role("link", name="Change how we contact you").click()
        page.get_by_label("By text message").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("By text message")).to_be_visible()
        assert_accessible(page, "account-contact-02-saved")
    account.refresh_from_db()
    assert account.prefers_text_messages
