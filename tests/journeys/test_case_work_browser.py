"""A team leader's case work in a browser: ticking cases in a queue and assigning them
without JavaScript (the boxes belong to the form below the table), and a note and labels
on the case page, which passes axe-core's WCAG 2.2 A and AA rules."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civitas.cases.models import Case, CaseLabel, CaseNote
from civitas.cases.tests.factories import CaseFactory
from civitas.identity.models import Team
from civitas.identity.public import add_team_member
from conftest import SERVICES, current_code, make_staff, publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base, user):
    page.goto(f"{base}/staff/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Enter your security code").fill(current_code())
    page.get_by_role("button", name="Continue").click()


def test_a_team_leader_assigns_ticked_cases_and_notes_and_labels_a_case_without_javascript(
    live_server,
):
    publish_example(SERVICES / "report-a-problem" / "service.yaml")
    highways = Team.objects.get(organisation__slug="example-borough", slug="highways")
    leader = make_staff("leader@example.gov.uk", "team_leader")
    worker = make_staff("worker@example.gov.uk", "caseworker")
    for person in (leader, worker):
        add_team_member(organisation="example-borough", team="highways", email=person.email)
    start = timezone.now() - datetime.timedelta(days=1)
    cases = [
        CaseFactory(
            organisation=highways.organisation,
            team=highways,
            service_slug="report-a-problem",
            answers={"problem_type": "pothole", "description": "A hole", "email": None},
            fee_pence=None,
            submitted_at=start + datetime.timedelta(minutes=n),
        )
        for n in range(3)
    ]
    base = live_server.url
    with browser_page(javascript=False) as page:
        _sign_in(page, base, leader)
        page.goto(f"{base}/staff/cases/queues/unassigned/")
        page.get_by_label(f"Select {cases[0].reference}").check()
        page.get_by_label(f"Select {cases[2].reference}").check()
        page.get_by_label("Assign the selected cases to").select_option(label="Worker")
        page.get_by_role("button", name="Assign selected cases").click()
        expect(page.get_by_text("2 cases assigned")).to_be_visible()
        assigned = set(Case.objects.filter(assigned_to=worker).values_list("reference", flat=True))
        assert assigned == {cases[0].reference, cases[2].reference}

        page.goto(f"{base}/staff/cases/{cases[1].reference}/")
        page.get_by_label("Add a note").fill("Looks like the same hole as last week")
        page.get_by_role("button", name="Add note").click()
        expect(page.get_by_text("Looks like the same hole as last week")).to_be_visible()
        page.get_by_text("Change labels").click()
        page.get_by_label("Dangerous").check()
        page.get_by_role("button", name="Save labels").click()
        expect(page.get_by_text("Leader added the label “Dangerous”")).to_be_visible()
        assert CaseNote.objects.filter(case=cases[1]).count() == 1
        assert list(CaseLabel.objects.values_list("label", flat=True)) == ["dangerous"]
        # axe-core runs as a script: the same pages, with JavaScript, in the same
        # signed-in session (a second sign-in would reuse the security code, which is
        # refused).
        scripted = page.context.browser.new_context(
            bypass_csp=True, viewport={"width": 1024, "height": 900}
        )
        scripted.add_cookies(page.context.cookies())
        checked = scripted.new_page()
        checked.goto(f"{base}/staff/cases/{cases[1].reference}/")
        expect(checked.get_by_role("heading", name=f"Case {cases[1].reference}")).to_be_visible()
        expect(checked.get_by_text("Looks like the same hole as last week")).to_be_visible()
        assert_accessible(checked, "case-work-01-case-page-with-notes-and-labels")
        checked.goto(f"{base}/staff/cases/queues/team/")
        expect(checked.get_by_role("button", name="Assign selected cases")).to_be_visible()
        assert_accessible(checked, "case-work-02-team-queue-with-boxes-to-tick")
