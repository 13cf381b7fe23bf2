"""The satisfaction question in the browser, in English and in Welsh: the character count
counts as the citizen types, errors are summarised, and every page passes axe-core's
WCAG 2.2 A and AA rules. Without JavaScript it still sends."""

import pytest
from playwright.sync_api import expect

from civitas.insights.models import Feedback
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SATISFACTION = "/feedback/example-borough/resident-parking-permit/"


def test_a_citizen_gives_feedback_in_english_and_in_welsh(live_server, parking_permit):
    with browser_page(width=375) as page:
        page.goto(live_server.url + SATISFACTION)
        assert_accessible(page, "feedback-01-question")
        page.get_by_role("button", name="Send feedback").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Select how you felt about the service"
        )
        assert_accessible(page, "feedback-02-error")
        page.get_by_label("Very satisfied").check()
        page.get_by_label("How could we improve this service? (optional)").fill("Quick, ta")
        expect(page.locator(".govuk-character-count__status")).to_contain_text(
            "You have 1,191 characters remaining"
        )
        page.get_by_role("button", name="Send feedback").click()
        expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()

        page.get_by_role("link", name="Cymraeg").click()
        page.goto(live_server.url + SATISFACTION)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Rhoi adborth am")
        assert_accessible(page, "feedback-03-question-cy")
        page.get_by_role("button", name="Anfon adborth").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Dewiswch sut")
        assert_accessible(page, "feedback-04-error-cy")
        page.get_by_label("Bodlon", exact=True).check()
        page.get_by_role("button", name="Anfon adborth").click()
        expect(page.get_by_role("heading", name="Diolch am eich adborth")).to_be_visible()
    assert sorted(Feedback.objects.values_list("satisfaction", "language")) == [
        ("satisfied", "cy"),
        ("very_satisfied", "en"),
    ]


def test_the_problem_report_works_without_javascript(live_server, parking_permit):
    with browser_page(javascript=False) as page:
        page.goto(live_server.url + "/services/example-borough/resident-parking-permit/")
        page.get_by_role("link", name="Is this page not working properly?").click()
        page.get_by_label("What were you doing, and what went wrong?").fill("The map is blank")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    stored = Feedback.objects.get()
    assert (stored.kind, stored.service_slug, stored.page, stored.comment) == (
        "problem",
        "resident-parking-permit",
        "journeys:start",
        "The map is blank",
    )
