"""Applying for Council Tax Reduction, a service written in English and Welsh, from start
to confirmation in the browser: in English on a phone, a working couple with a child and a
grown-up son at home; in Welsh, someone who lives alone and gets Income Support. One
validation error each, every page kind checked with axe-core; the statutory rules'
estimate, with how it was worked out, is shown before the declaration and kept with the
case, the same as the rules decide for that household."""

import datetime

import pytest
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from civitas.journeys.tests.test_council_tax_reduction import (
    RULES,
    expected_decision,
    rules_member,
)
from civitas.rules.public import decide, load_rule_set
from conftest import publish_example, submit_again_through_the_api
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = REPO / "services" / "council-tax-reduction" / "service.yaml"
PATH = "/services/example-borough/council-tax-reduction"


@pytest.fixture
def council_tax_reduction(db):
    return publish_example(SERVICE)


def _continue(page, label: str = "Continue") -> None:
    page.get_by_role("button", name=label, exact=True).click()


def _date(page, name: str, day: datetime.date) -> None:
    page.locator(f"input[name={name}-day]").fill(str(day.day))
    page.locator(f"input[name={name}-month]").fill(str(day.month))
    page.locator(f"input[name={name}-year]").fill(str(day.year))


def _years_ago(years: int) -> datetime.date:
    today = datetime.date.today()
    return today.replace(year=today.year - years, day=1)


def _address(page) -> None:
    """Found by postcode and chosen from the list, by the fields' names (any language)."""
    page.locator("input[name=address-postcode]").fill("EB1 1AA")
    page.locator("button[name=address-action][value=find]").click()
    page.locator("input[name=address-uprn]").first.check()
    page.locator("button[name=address-action][value=continue]").click()


def _member(
    page, name, relationship, years_old, earnings, hours, savings, *, words, check=True
) -> None:
    page.locator("input[name=member_name]").fill(name)
    page.get_by_label(relationship, exact=True).check()
    _date(page, "member_date_of_birth", _years_ago(years_old))
    page.locator("input[name=member_earnings]").fill(earnings)
    page.locator("input[name=member_hours]").fill(hours)
    page.locator("input[name=member_other_income]").fill("0")
    page.locator("input[name=member_savings]").fill(savings)
    page.locator("input[name=member_support][value=none]").check()
    page.locator("input[name=member_student][value=no]").check()
    if check:
        assert_accessible(page, "ctr-02-household-member")
    _continue(page, words)


def _add_another(page, answer: str, words: str) -> None:
    page.locator(f"input[name=add_another][value={answer}]").check()
    _continue(page, words)


def test_a_couple_with_a_child_and_a_grown_up_son_sees_their_estimate(
    live_server, council_tax_reduction, client, api_headers
):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        assert_accessible(page, "ctr-00-start")
        page.get_by_role("button", name="Start now").click()

        # A 15-year-old applicant is the one error.
        page.get_by_label("Full name").fill("Sam Jones")
        _date(page, "date_of_birth", _years_ago(15))
        page.get_by_label("National Insurance number").fill("AB 12 34 56 C")
        _continue(page)
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "You must be 16 or over to apply for Council Tax Reduction"
        )
        assert_accessible(page, "ctr-01-date-of-birth-error")
        _date(page, "date_of_birth", _years_ago(40))
        _continue(page)

        _address(page)
        page.get_by_label("What is your email address?").fill("sam@example.com")
        _continue(page)
        page.get_by_label("Band C: £2,026.67 a year").check()
        _continue(page)

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "You have not added any household members"
        )
        _add_another(page, "yes", "Continue")
        _member(page, "Alex Jones", "My partner", 38, "50", "10", "1000", words="Continue")
        _add_another(page, "yes", "Continue")
        _member(
            page,
            "Robin Jones",
            "A child I am responsible for",
            9,
            "0",
            "0",
            "0",
            words="Continue",
            check=False,
        )
        _add_another(page, "yes", "Continue")
        _member(
            page,
            "Kit Jones",
            "Another adult",
            21,
            "300",
            "37",
            "500",
            words="Continue",
            check=False,
        )
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "You have added 3 household members"
        )
        assert_accessible(page, "ctr-03-household")
        _add_another(page, "no", "Continue")

        page.get_by_label("How much do you pay for childcare each week?").fill("0")
        _continue(page)
        page.get_by_label("None of these").check()
        _continue(page)
        page.get_by_label("How much do you earn from work each week, before tax?").fill("150")
        _continue(page)
        page.get_by_label("How many hours do you work each week?").fill("20")
        _continue(page)
        page.get_by_label("How much other income do you get each week?").fill("20")
        _continue(page)
        page.get_by_label("How much do you have in savings and investments?").fill("7,000")
        _continue(page)
        assert_accessible(page, "ctr-04-disability-and-care")
        page.get_by_label("None of these").check()
        _continue(page)

        expect(page.get_by_role("heading", name="Estimated Council Tax Reduction for a year"))
        expect(page.locator("#estimate-explanation")).to_contain_text("applicable amount")
        assert_accessible(page, "ctr-05-check-answers")
        shown = page.locator("#estimate").inner_text()
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Application sent")).to_be_visible()

    case = Case.objects.get()
    assert [member["relationship"] for member in case.answers["household"]] == [
        "partner",
        "child",
        "other_adult",
    ]
    # The same household as the journey tests', given to the rules directly.
    expected = expected_decision()
    assert case.fee_decision["inputs"] == expected.to_dict(trace=False)["inputs"]
    assert case.estimate["pence"] == expected.outputs["annual_reduction_pence"]
    pounds = f"£{case.estimate['pence'] // 100:,}"
    assert pounds in shown
    submit_again_through_the_api(client, case, api_headers)


def test_someone_who_lives_alone_applies_in_welsh(
    live_server, council_tax_reduction, client, api_headers
):
    with browser_page(width=1024) as page:
        page.goto(f"{live_server.url}/language/cy/?next={PATH}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwneud cais am Ostyngiad Treth Gyngor"
        )
        page.get_by_role("button", name="Dechrau nawr").click()

        page.get_by_label("Enw llawn").fill("Alun Jones")
        _date(page, "date_of_birth", _years_ago(30))
        page.get_by_label("Rhif Yswiriant Gwladol").fill("AB123456C")
        _continue(page, "Parhau")
        _address(page)
        page.get_by_label("Beth yw eich cyfeiriad e-bost?").fill("alun@example.com")
        _continue(page, "Parhau")
        page.get_by_label("Band A: £1,520 y flwyddyn").check()
        _continue(page, "Parhau")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Nid ydych wedi ychwanegu unrhyw aelodau o'r aelwyd"
        )
        assert_accessible(page, "ctr-cy-01-household")
        _add_another(page, "no", "Parhau")
        page.get_by_label("Cymhorthdal Incwm").check()
        _continue(page, "Parhau")

        # Earnings of 0 skip the hours question. Savings left blank are the one error.
        page.get_by_label("Faint rydych yn ei ennill o waith bob wythnos, cyn treth?").fill("0")
        _continue(page, "Parhau")
        page.get_by_label("Faint o incwm arall rydych yn ei gael bob wythnos?").fill("0")
        _continue(page, "Parhau")
        _continue(page, "Parhau")
        expect(page.locator(".govuk-error-summary")).to_contain_text("Rhowch eich cynilion, neu 0")
        assert_accessible(page, "ctr-cy-02-savings-error")
        page.get_by_label("Faint sydd gennych mewn cynilion a buddsoddiadau?").fill("0")
        _continue(page, "Parhau")
        page.get_by_label("Dim un o'r rhain").check()
        _continue(page, "Parhau")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwiriwch eich atebion cyn anfon eich cais"
        )
        expect(
            page.get_by_role("heading", name="Amcangyfrif o'r Gostyngiad Treth Gyngor am flwyddyn")
        ).to_be_visible()
        expect(page.locator("#estimate")).to_contain_text("Ein hamcangyfrif:")
        assert_accessible(page, "ctr-cy-03-check-answers")
        page.get_by_label("Rwy'n cadarnhau bod yr wybodaeth rydw i wedi'i rhoi yn gywir").check()
        page.locator("form[action$='check-answers/'] button[type=submit]").click()
        expect(page.get_by_role("heading", name="Cais wedi'i anfon")).to_be_visible()
        assert_accessible(page, "ctr-cy-04-confirmation")

    case = Case.objects.get()
    assert case.language == "cy"
    assert case.answers["household"] == []
    alone = [
        rules_member(
            "claimant",
            30,
            earnings_pence=0,
            other_income_pence=0,
            capital_pence=0,
            benefit="income_support",
            disability_benefit="none",
            blind=False,
            gets_carers_allowance=False,
            has_paid_carer=False,
        )
    ]
    expected = decide(
        load_rule_set(RULES),
        {"weekly_council_tax_pence": 2915, "members": alone},  # band A
        on=datetime.date.today(),
    )
    # Income Support: 80% of the band A council tax, for every week of the year.
    assert expected.outputs["weekly_reduction_pence"] == round(2915 * 0.8)
    assert case.fee_decision["outputs"] == expected.to_dict(trace=False)["outputs"]
    assert case.estimate["pence"] == expected.outputs["annual_reduction_pence"]
    submit_again_through_the_api(client, case, api_headers)
