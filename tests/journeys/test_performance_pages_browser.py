"""The performance pages in a real browser: the public's page of a quiet service (small
numbers suppressed) in English and Welsh, an organisation's page, and the service owner's
dashboard with its forecast. Every page is checked with axe-core for WCAG 2.2 A and AA;
the charts are there without JavaScript, and the site's policy blocks nothing on them."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civitas.insights import views
from civitas.insights.periods import last_complete
from civitas.insights.tests.factories_figures import a_forecast, busy_figures, quiet_figures
from conftest import current_code, make_staff
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "resident-parking-permit"


@pytest.fixture
def served(monkeypatch):
    def serve(make):
        monkeypatch.setattr(
            views,
            "service_figures",
            lambda slug, period, channel=None, *, organisation=None: make(period=period),
        )

    return serve


def test_the_public_performance_pages_are_accessible_in_english_and_welsh(
    live_server, parking_permit, served
):
    served(quiet_figures)
    period = last_complete("month", timezone.localdate()).label
    with browser_page() as page:
        page.goto(f"{live_server.url}/performance/services/{SLUG}/?period={period}")
        expect(page.get_by_role("img", name="Most errors were met")).to_be_visible()
        expect(page.get_by_text("fewer than 5").first).to_be_attached()
        assert_accessible(page, "performance-01-public-service")

        page.get_by_label("Period").fill("2026-13")
        page.get_by_role("button", name="Show the figures").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page, "performance-02-public-bad-period")

        page.goto(f"{live_server.url}/language/cy/?next=/performance/services/{SLUG}/")
        page.goto(f"{live_server.url}/performance/services/{SLUG}/?period={period}")
        expect(page.get_by_role("heading", name="Ffigurau allweddol")).to_be_visible()
        assert_accessible(page, "performance-03-public-service-welsh")

        page.goto(f"{live_server.url}/performance/organisations/example-borough/")
        assert_accessible(page, "performance-04-public-organisation")


def test_the_charts_are_drawn_without_javascript_and_nothing_is_blocked(
    live_server, parking_permit, served
):
    served(busy_figures)
    with browser_page(javascript=False) as page:
        page.goto(f"{live_server.url}/performance/services/{SLUG}/")
        charts = page.locator("svg[role=img]")
        expect(charts).to_have_count(3)  # funnel, channels, satisfaction: no public backlog
        expect(charts.first).to_be_visible()
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    # Without bypassing the policy: any inline style in a chart would be reported.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        page.goto(f"{live_server.url}/performance/services/{SLUG}/")
        page.wait_for_load_state("load")
        browser.close()
    assert [m for m in messages if "Content Security Policy" in m] == []


def test_the_service_owners_dashboard_is_accessible(
    live_server, parking_permit, served, monkeypatch
):
    served(busy_figures)
    monkeypatch.setattr(
        views, "find_forecast", lambda slug, today, *, organisation_id: a_forecast(slug)
    )
    owner = make_staff("owner@example.gov.uk", "service_owner")
    with browser_page() as page:
        page.goto(f"{live_server.url}/staff/")
        page.get_by_label("Email address").fill(owner.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name="Performance").first.click()
        assert_accessible(page, "performance-05-staff-index")
        page.locator(f'a[href="/staff/performance/{SLUG}/"]').click()
        expect(page.get_by_role("img", name="caseworker hours")).to_be_visible()
        assert_accessible(page, "performance-06-staff-dashboard")

        page.get_by_label("Channel").select_option("phone")
        page.get_by_role("button", name="Show the figures").click()
        expect(page.get_by_label("Channel")).to_have_value("phone")
        assert_accessible(page, "performance-07-staff-dashboard-phone")
