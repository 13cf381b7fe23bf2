"""Checkboxes with "none of these", an optional question, a page of several questions and
a repeating group, in the browser: with JavaScript, and every page checked by axe-core,
errors included."""

import textwrap

import pytest
from playwright.sync_api import expect

from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = """\
      - id: pets
        question:
          id: pets
          type: checkboxes
          label: Which pets do you have?
          options:
            - {value: cat, label: Cat}
            - {value: dog, label: Dog}
          none_option: {value: none, label: I do not have any pets}
      - id: nickname
        question: {id: nickname, type: text, label: "What do people call you?", optional: true}
      - id: name
        title: What is your name?
        questions:
          - {id: first_name, type: text, label: First name, autocomplete: given-name}
          - {id: last_name, type: text, label: Last name, autocomplete: family-name}
      - id: household
        kind: repeat
        title: Tell us about a household member
        item: household member
        max: 3
        questions:
          - {id: member_name, type: text, label: Full name}
          - {id: member_age, type: number, label: Age, optional: true}
      - id: email
"""


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", PAGES, 1)))
    publish_service_file(path, published_by="test")


def test_the_new_page_kinds_are_accessible_and_work_in_the_browser(live_server, service):
    base = f"{live_server.url}/services/example-borough/small"
    with browser_page(width=375) as page:
        page.goto(f"{base}/colour/")
        page.get_by_label("Blue").check()
        page.get_by_role("button", name="Continue").click()

        # Checkboxes: an error, then "none of these" unticks the others (JavaScript).
        expect(page.get_by_role("heading", name="Which pets do you have?")).to_be_visible()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "checkboxes-error")
        page.get_by_label("Cat").check()
        page.get_by_label("I do not have any pets").check()
        expect(page.get_by_label("Cat")).not_to_be_checked()
        page.get_by_label("Dog").check()
        expect(page.get_by_label("I do not have any pets")).not_to_be_checked()
        assert_accessible(page, "checkboxes")
        page.get_by_role("button", name="Continue").click()

        # An optional question, left blank.
        expect(page.get_by_label("What do people call you? (optional)")).to_be_visible()
        assert_accessible(page, "optional-question")
        page.get_by_role("button", name="Continue").click()

        # A page of several questions: every error at once.
        expect(page.get_by_role("group", name="What is your name?")).to_be_visible()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary__list li")).to_have_count(2)
        assert_accessible(page, "question-group-error")
        page.get_by_label("First name").fill("Ada")
        page.get_by_label("Last name").fill("Lovelace")
        assert_accessible(page, "question-group")
        page.get_by_role("button", name="Continue").click()

        # A repeating group: an item, its error, the summary, a second item, a removal.
        expect(page.get_by_text("Household member 1")).to_be_visible()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "repeat-item-error")
        page.get_by_label("Full name").fill("Ada Lovelace")
        page.get_by_label("Age (optional)").fill("36")
        assert_accessible(page, "repeat-item")
        page.get_by_role("button", name="Continue").click()
        expect(
            page.get_by_role("heading", name="You have added 1 household member")
        ).to_be_visible()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "repeat-summary-error")
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Full name").fill("Charles Babbage")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="You have added 2 household members"))
        assert_accessible(page, "repeat-summary")
        page.get_by_role("link", name="Remove household member 2").click()
        expect(
            page.get_by_role("group", name="Are you sure you want to remove household member 2?")
        )
        assert_accessible(page, "repeat-remove")
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue").click()
        expect(
            page.get_by_role("heading", name="You have added 1 household member")
        ).to_be_visible()
        page.get_by_label("No").check()
        page.get_by_role("button", name="Continue").click()

        page.get_by_label("Your email?").fill("someone@example.com")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Check")).to_be_visible()
        summary = page.locator(".govuk-summary-list")
        expect(summary).to_contain_text("Dog")
        expect(summary).to_contain_text("Not given")
        expect(summary).to_contain_text("Household member 1")
        assert_accessible(page, "page-structure-check-answers")
