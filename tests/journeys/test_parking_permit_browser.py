"""A resident applies for a parking permit in a real browser, in English and in Welsh,
with one validation error each, paying the fee on the payment provider's card page; a
caseworker approves it. The same answers sent through
the API make the same application.

Every page visited, the provider's card page included, is checked with axe-core for
WCAG 2.2 A and AA.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civitas.cases.models import Case
from conftest import current_code, run_queued_jobs, submit_again_through_the_api
from tests.browser import assert_accessible, browser_page
from tests.pay_sandbox import pay_on_hosted_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATH = "/services/example-borough/resident-parking-permit"


def _find_address(page, postcode: str = "EB1 1AA") -> None:
    """Found by postcode and chosen from the list, by the fields' names (any language)."""
    page.locator("input[name=address-postcode]").fill(postcode)
    page.locator("button[name=address-action][value=find]").click()
    page.locator("input[name=address-uprn]").first.check()
    page.locator("button[name=address-action][value=continue]").click()


def _start_date(page, start: datetime.date) -> None:
    page.locator("input[name=start_date-day]").fill(str(start.day))
    page.locator("input[name=start_date-month]").fill(str(start.month))
    page.locator("input[name=start_date-year]").fill(str(start.year))


def subjects(messages) -> list[str]:
    return [message["Subject"] for message in messages]


def test_resident_applies_and_caseworker_approves(
    live_server, parking_permit, caseworker, smtp_inbox, payments
):
    base = live_server.url
    start = timezone.localdate() + datetime.timedelta(days=10)
    with browser_page() as page:
        page.goto(f"{base}/services/example-borough/resident-parking-permit/")
        assert_accessible(page, "01-start")
        page.get_by_role("button", name="Start now").click()

        # A mistake first: the error summary appears, linked to the field.
        expect(
            page.get_by_role("heading", name="What is the address where you live?")
        ).to_be_visible()
        assert_accessible(page, "02-address")
        page.get_by_role("button", name="Find address").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a postcode")
        assert page.title().startswith("Error:")
        assert_accessible(page, "03-address-error")
        page.get_by_label("Postcode").fill("eb1 1aa")
        page.get_by_role("button", name="Find address").click()
        page.get_by_label("Flat 1, 3 Station Road, Eastbury").check()
        page.get_by_role("button", name="Continue").click()

        page.get_by_label("What is your vehicle's registration number?").fill("CU57 ABC")
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "04-emissions")
        page.get_by_label("Band C: 111 to 120g/km").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("12 months").check()
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "05-start-date")
        page.get_by_label("Day").fill(str(start.day))
        page.get_by_label("Month").fill(str(start.month))
        page.get_by_label("Year").fill(str(start.year))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("None").check()
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "05-blue-badge")
        page.get_by_label("No").check()
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "05-contact-details")
        page.get_by_label("Email address").fill("resident@example.com")
        page.get_by_role("button", name="Continue").click()

        # Check answers shows the fee from the rules, and how it was worked out.
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
        fee = page.locator("#fee-explanation")
        assert "£140" in page.content()
        expect(fee.get_by_role("heading", name="How we worked out the fee")).to_be_visible()
        expect(
            fee.get_by_text(
                "The fee for a 12-month permit for a band C vehicle from 1 April 2026 is £140."
            )
        ).to_be_visible()
        expect(fee.get_by_text("Fee to pay: £140.")).to_be_visible()
        expect(
            fee.get_by_text(f"as they apply on {start.day} {start:%B} {start.year}")
        ).to_be_visible()
        assert_accessible(page, "06-check-answers")

        # Changing an answer the rules take changes the fee and its explanation.
        page.get_by_role("link", name="Change Blue Badge").click()
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue").click()
        expect(
            fee.get_by_text("As you hold a Blue Badge, the fee is reduced by 50% (£70).")
        ).to_be_visible()
        page.get_by_role("link", name="Change CO2 emissions band").click()
        page.get_by_label("Fully electric").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
        assert "Fully electric" in page.content()
        expect(fee.get_by_text("Fee to pay: £15.")).to_be_visible()
        assert_accessible(page, "06-check-answers-changed")

        # The declaration is on check answers, under "Now send your application".
        expect(page.get_by_role("heading", name="Now send your application")).to_be_visible()
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and pay").click()

        # The fee is paid on the provider's card page, for the amount the rules decided.
        assert page.url.startswith(payments.sandbox.url)
        expect(page.get_by_text("£15")).to_be_visible()
        assert_accessible(page, "07-card-page")
        pay_on_hosted_page(page)
        expect(page.get_by_role("heading", name="Application complete")).to_be_visible()
        expect(page.locator("#payment-status")).to_contain_text(
            "We have received your payment of £15"
        )
        assert_accessible(page, "08-confirmation")
        reference = page.locator(".civitas-reference").inner_text()
        assert re.fullmatch(r"[2-9A-Y]{3}-[2-9A-Y]{3}-[2-9A-Y]{3}", reference)

        # Once paid, the application is sent on, with a receipt for the fee.
        run_queued_jobs()
        assert sorted(subjects(smtp_inbox.wait_for(2))) == [
            f"Payment received for your parking permit application {reference}",
            f"We have received your parking permit application {reference}",
        ]
        case = Case.objects.get(reference=reference)
        assert case.status == "submitted"
        assert case.answers["address"] == "Flat 1\n3 Station Road\nEastbury\nEB1 1AA"
        assert (case.answers["zone"], case.answers["phone"], case.fee_pence) == ("A", None, 1500)

        # The caseworker signs in with a password and a code, and approves.
        page.goto(f"{base}/staff/")
        assert_accessible(page, "09-sign-in")
        page.get_by_label("Email address").fill(caseworker.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "10-code")
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name="Cases").first.click()
        assert_accessible(page, "11-cases")
        page.get_by_role("link", name=reference).click()
        # Waits for the page to load: its content sampled at once can be half parsed.
        expect(page.get_by_text("resident@example.com").first).to_be_visible()
        assert_accessible(page, "12-case")
        # The actions are the workflow's, from where the case is now.
        expect(page.get_by_role("radio", name="Ask for more information")).to_be_visible()
        page.get_by_role("radio", name="Approve", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        # Before anything is sent, the email the resident will get, to check.
        expect(page.get_by_role("heading", name="Check before you confirm")).to_be_visible()
        expect(page.locator("#email-preview")).to_contain_text(
            f"Your parking permit {reference} has been approved"
        )
        assert_accessible(page, "13-case-decision-preview")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Approve")
        expect(page.get_by_text("Approved: decided by")).to_be_visible()
        assert_accessible(page, "13-case-decided")

        run_queued_jobs()
        messages = smtp_inbox.wait_for(3)
        assert subjects(messages)[2] == f"Your parking permit {reference} has been approved"

        page.goto(f"{base}/staff/messages/")
        assert_accessible(page, "14-sent-emails")
        expect(
            page.get_by_text(f"Your parking permit {reference} has been approved")
        ).to_be_visible()


def test_a_household_at_the_permit_limit_is_told_why_it_cannot_apply(live_server, parking_permit):
    start = timezone.localdate() + datetime.timedelta(days=3)
    with browser_page() as page:
        page.goto(f"{live_server.url}{PATH}/address/")
        _find_address(page, "EB2 2BB")
        page.get_by_label("What is your vehicle's registration number?").fill("CU57 ABC")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Band A: up to 100g/km").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("6 months").check()
        page.get_by_role("button", name="Continue").click()
        _start_date(page, start)
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("3 or more").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("No").check()
        page.get_by_role("button", name="Continue").click()

        expect(
            page.get_by_role("heading", name="You cannot have a resident parking permit")
        ).to_be_visible()
        why = page.locator("#rules-explanation")
        expect(
            why.get_by_text(
                "Your household already has 3 permits, and a household can have at most 3."
            )
        ).to_be_visible()
        assert_accessible(page, "15-cannot-have-a-permit")

        # Going back and correcting the answer carries on to the rest of the questions.
        page.get_by_role("link", name="Back", exact=True).click()
        page.get_by_role("link", name="Back", exact=True).click()
        page.get_by_label("1", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # Blue Badge: still "No"
        expect(page.get_by_label("Email address")).to_be_visible()


def test_the_journey_reads_well_on_a_phone(live_server, parking_permit):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/services/example-borough/resident-parking-permit/")
        page.get_by_role("button", name="Start now").click()
        assert_accessible(page, "phone-address")
        # No horizontal scrolling at 375 CSS pixels (WCAG 1.4.10 reflow).
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_page_chrome_switches_to_welsh(live_server, parking_permit):
    with browser_page() as page:
        page.goto(f"{live_server.url}/services/example-borough/resident-parking-permit/")
        page.get_by_role("link", name="Cymraeg").click()
        assert page.locator("html").get_attribute("lang") == "cy"
        expect(page.get_by_role("button", name="Dechrau nawr")).to_be_visible()
        assert "Datganiad hygyrchedd" in page.content()
        assert_accessible(page, "welsh-start")


def test_a_resident_applies_in_welsh_and_the_api_makes_the_same_application(
    live_server, parking_permit, smtp_inbox, client, api_headers, payments
):
    start = timezone.localdate() + datetime.timedelta(days=5)
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/language/cy/?next={PATH}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwneud cais am drwydded barcio i breswylwyr"
        )
        page.get_by_role("button", name="Dechrau nawr").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Beth yw'r cyfeiriad lle rydych yn byw?"
        )
        _find_address(page, "EB2 2BB")

        # The one mistake, explained in Welsh.
        page.get_by_label("Beth yw rhif cofrestru eich cerbyd?").fill("!!!")
        page.get_by_role("button", name="Parhau").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Rhowch rif cofrestru yn y fformat cywir, fel CU57 ABC"
        )
        assert page.title().startswith("Gwall:")
        assert_accessible(page, "permit-cy-01-registration-error")
        page.get_by_label("Beth yw rhif cofrestru eich cerbyd?").fill("CU57 ABC")
        page.get_by_role("button", name="Parhau").click()

        page.get_by_label("Band D: 121 i 140g/km").check()
        page.get_by_role("button", name="Parhau").click()
        page.get_by_label("6 mis").check()
        page.get_by_role("button", name="Parhau").click()
        _start_date(page, start)
        page.get_by_role("button", name="Parhau").click()
        page.get_by_label("Dim", exact=True).check()
        page.get_by_role("button", name="Parhau").click()
        page.get_by_label("Nac oes").check()
        page.get_by_role("button", name="Parhau").click()
        page.get_by_label("Cyfeiriad e-bost").fill("preswylydd@example.com")
        page.get_by_label("Rhif ffôn (dewisol)").fill("07700 900982")
        page.get_by_role("button", name="Parhau").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwiriwch eich atebion cyn anfon eich cais"
        )
        summary = page.locator(".govuk-summary-list")
        expect(summary).to_contain_text("Band allyriadau CO2")
        expect(summary).to_contain_text("Band D: 121 i 140g/km")
        expect(summary).to_contain_text("5 Bridge Street")
        expect(page.get_by_role("heading", name="Ffi'r drwydded")).to_be_visible()
        assert_accessible(page, "permit-cy-02-check-answers")
        page.get_by_label("Rwy'n cadarnhau bod yr wybodaeth rydw i wedi'i rhoi yn gywir").check()
        page.locator("form[action$='check-answers/'] button[type=submit]").click()

        # Sent, and waiting for its fee: the API makes the same application, which waits too.
        assert page.url.startswith(payments.sandbox.url)
        case = Case.objects.get()
        assert case.language == "cy"
        assert (case.answers["zone"], case.answers["phone"]) == ("B", "+447700900982")
        submit_again_through_the_api(client, case, api_headers)

        pay_on_hosted_page(page)
        expect(page.get_by_role("heading", name="Cais wedi'i gwblhau")).to_be_visible()
        assert_accessible(page, "permit-cy-03-confirmation")

    case.refresh_from_db()
    assert case.status == "submitted"
    run_queued_jobs()
    assert sorted(subjects(smtp_inbox.wait_for(2))) == [
        f"Rydym wedi cael eich cais am drwydded barcio {case.reference}",
        f"Taliad wedi'i dderbyn am eich cais am drwydded barcio {case.reference}",
    ]
