"""A caseworker's day in the browser: take the next case, ask the applicant for more
information, read their reply and the file they sent, decide. The applicant answers from
their application's page on a phone. Every page is checked with axe-core for WCAG 2.2 A
and AA, and the staff pages at 320 pixels wide."""

import re

import pytest
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.identity.public import add_team_member
from conftest import current_code, make_staff, run_queued_jobs
from tests.browser import PDF, assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEED = "Send a photo of the registration certificate (V5C) of the vehicle"


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Enter your security code").fill(current_code())
    page.get_by_role("button", name="Continue").click()


def _fits(page, width: int) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling of the page
    (a wide table scrolls inside its own box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _emailed_code(smtp_inbox, count: int) -> str:
    run_queued_jobs()
    received = next(
        message
        for message in smtp_inbox.wait_for(count)
        if message["Subject"] == "Your code to see your application"
    )
    text = next(
        part.get_payload(decode=True).decode()
        for part in received.walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_a_caseworker_asks_for_more_information_and_decides_when_the_applicant_replies(
    live_server, parking_permit, smtp_inbox, payments
):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=100)
    payments.pay(case.reference)  # a case waiting for its fee is in nobody's queue
    worker = make_staff("casey@example.gov.uk", "caseworker")
    add_team_member(organisation="example-borough", team="parking", email=worker.email)
    base = live_server.url

    with browser_page(width=320) as page:
        _sign_in(page, base, worker.email)
        page.goto(f"{base}/staff/cases/queues/unassigned/")
        expect(page.get_by_role("link", name=case.reference)).to_be_visible()
        assert_accessible(page, "day-01-unassigned-queue")
        _fits(page, 320)
        page.get_by_role("button", name="Take the next case").click()
        expect(page.get_by_role("heading", name=f"Case {case.reference}")).to_be_visible()
        expect(page.get_by_text("Casey", exact=False).first).to_be_visible()
        assert_accessible(page, "day-02-case")
        _fits(page, 320)

        page.get_by_role("radio", name="Ask for more information").check()
        page.get_by_label("Reason if you choose “Ask for more information”").fill(NEED)
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("#email-preview")).to_contain_text("We need more information")
        assert_accessible(page, "day-03-request-preview")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "Ask for more information"
        )
        expect(page.get_by_text("Casey asked the applicant for more information")).to_be_visible()
        assert_accessible(page, "day-04-waiting")

        # The applicant, in a browser of their own: the request's email, then their
        # application's page, on a phone.
        applicant = page.context.browser.new_context(
            bypass_csp=True, viewport={"width": 375, "height": 900}
        ).new_page()
        applicant.goto(f"{base}/applications/")
        applicant.get_by_label("Track your application").fill(case.reference)
        applicant.get_by_role("button", name="Send me a code").click()
        # Submitted, the receipt, the request for more information, then the code.
        applicant.get_by_label("Code").fill(_emailed_code(smtp_inbox, 4))
        applicant.get_by_role("button", name="Continue").click()
        expect(applicant.get_by_text(NEED)).to_be_visible()
        assert_accessible(applicant, "day-05-applicant-sees-request")
        applicant.get_by_role("button", name="Send message").click()
        expect(applicant.locator(".govuk-error-summary")).to_contain_text("Enter your message")
        assert_accessible(applicant, "day-06-applicant-reply-error")
        applicant.get_by_label("Your message").fill("Here is the certificate")
        applicant.get_by_label("Send a file (optional)").set_input_files(
            {"name": "v5c.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        applicant.get_by_role("button", name="Send message").click()
        expect(applicant.locator(".govuk-notification-banner--success")).to_contain_text(
            "Your reply was sent"
        )
        expect(applicant.get_by_text("You replied on")).to_be_visible()
        expect(applicant.locator(".govuk-notification-banner h3")).to_have_text(
            "Your reply was sent"
        )
        assert_accessible(applicant, "day-07-applicant-replied")
        assert Case.objects.get(pk=case.pk).status == "submitted"

        # Back to the caseworker, on a wider screen: the reply is on the case.
        page.set_viewport_size({"width": 1024, "height": 900})
        page.goto(f"{base}/staff/cases/queues/mine/")
        page.get_by_role("link", name=case.reference).click()
        expect(page.get_by_text("Here is the certificate")).to_be_visible()
        expect(page.get_by_role("link", name="v5c.pdf")).to_be_visible()
        expect(page.get_by_text("The applicant replied and sent a file")).to_be_visible()
        page.get_by_role("radio", name="Approve").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Approved")
        expect(page.get_by_text("Casey decided: Approved")).to_be_visible()
        assert_accessible(page, "day-08-decided")
