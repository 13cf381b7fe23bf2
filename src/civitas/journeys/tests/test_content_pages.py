"""The content a service writes, on its pages: Markdown on the start page, the declaration on
check answers as the GOV.UK pattern places it, the privacy notice, what happens next, page
titles, money and dates, and emails that use the answers."""

import datetime
import re
import textwrap

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.catalogue.public import DefinitionInvalid, publish_service_file
from civitas.catalogue.tests.memory import REPO
from civitas.catalogue.tests.test_model import SMALL
from civitas.journeys.tests.test_pages import URL, complete_questions
from civitas.notify.models import Message
from conftest import pay_from_check_answers, publish_example

CHECK = f"{URL}/check-answers/"
ESTIMATE_INCOME_TAX = REPO / "services" / "estimate-income-tax" / "service.yaml"


def _title(body: str) -> str:
    return re.search(r"<title>\s*(.*?)\s*</title>", body, re.S).group(1)


def test_the_start_page_shows_the_services_markdown_and_links_to_its_privacy_notice(
    client, parking_permit
):
    body = client.get(f"{URL}/").content.decode()
    assert '<h2 class="govuk-heading-m">If you have a Blue Badge</h2>' in body
    assert 'class="govuk-link">parking with a Blue Badge</a>' in body
    assert body.count(f'href="{URL}/privacy/"') == 2  # the page, and its footer
    assert _title(body) == "Apply for a resident parking permit – Example Borough Council"


def test_a_question_page_title_names_the_question_service_and_organisation(client, parking_permit):
    body = client.get(f"{URL}/address/").content.decode()
    assert _title(body) == (
        "What is the address where you live? – "
        "Apply for a resident parking permit – Example Borough Council"
    )
    body = client.post(f"{URL}/address/", {"version": "1", "address-postcode": ""}).content
    assert _title(body.decode()).startswith("Error: What is the address where you live?")


def test_check_answers_ends_with_the_declaration_as_the_pattern_places_it(client, parking_permit):
    complete_questions(client)
    body = client.get(CHECK).content.decode()
    assert '<h2 class="govuk-heading-m">Now send your application</h2>' in body
    assert "By sending this application you confirm that you live at the address" in body
    assert f'action="{CHECK}"' in body
    # The permit's fee is paid online, straight after accepting the declaration.
    assert "Accept and pay" in body
    assert "Accept and send" not in body
    # Row keys are short; values as entered, normalised; money and dates one way.
    assert "12 Station Road<br>Eastbury<br>EB1 1AA" in body
    assert "CU57 ABC" in body
    assert '<h2 class="govuk-heading-m">Permit fee</h2>' in body
    assert "£105</strong>" in body
    assert "The fee for this permit" not in body


def test_sending_without_ticking_the_declaration_shows_the_govuk_error_on_check_answers(
    client, parking_permit
):
    complete_questions(client)
    response = client.post(CHECK, {"version": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert 'href="#confirm"' in body
    assert 'id="confirm-error"' in body
    assert "Confirm that the information you have given is correct" in body
    assert _title(body).startswith("Error: Check your answers")
    assert not Case.objects.exists()


def test_sending_from_check_answers_stores_the_case_and_shows_what_happens_next(
    client, parking_permit, payments
):
    complete_questions(client)
    response = pay_from_check_answers(
        client, client.post(CHECK, {"version": "1", "confirm": "yes"})
    )
    case = Case.objects.get()
    assert response.headers["Location"] == f"{URL}/confirmation/{case.reference}/"
    body = client.get(response.headers["Location"]).content.decode()
    assert '<h2 class="govuk-heading-m">What happens next</h2>' in body
    assert (
        '<p class="govuk-body">We will check your application and email you our decision '
        "within 5 working days.</p>"
    ) in body
    # Browser Back after sending shows where the application went.
    assert client.get(CHECK).headers["Location"] == f"{URL}/confirmation/{case.reference}/"


def test_the_old_declaration_address_leads_to_check_answers(client, parking_permit):
    complete_questions(client)
    response = client.get(f"{URL}/declaration/")
    assert response.status_code == 302
    assert response.headers["Location"] == CHECK


def test_a_stale_check_answers_form_of_another_version_is_refused(client, parking_permit):
    complete_questions(client)
    assert client.post(CHECK, {"version": "7", "confirm": "yes"}).status_code == 409
    assert not Case.objects.exists()


def test_the_privacy_notice_lists_what_the_service_collects_and_why(client, parking_permit):
    response = client.get(f"{URL}/privacy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert _title(body) == (
        "Privacy notice – Apply for a resident parking permit – Example Borough Council"
    )
    assert "Example Borough Council is the data controller" in body
    collected = re.search(r'id="collected">(.*?)</ul>', body, re.S)
    items = re.findall(r"<li>(.*?)</li>", collected.group(1))
    assert items[:3] == ["Address", "Registration number", "CO2 emissions band"]
    assert items[-2:] == ["Blue Badge", "Email address, Phone number"]
    assert "CO2 emissions band" in items
    assert "Public task (UK GDPR Article 6(1)(e))" in body
    assert "the DVLA, to check that the vehicle is registered at your address" in body
    assert "We keep your application for 2 years after your permit ends" in body
    assert "dpo@example-borough.gov.uk" in body
    assert "get a copy of the information we hold about you" in body
    assert 'href="https://ico.org.uk/make-a-complaint/"' in body


def test_a_welsh_page_writes_dates_in_welsh(client, parking_permit):
    complete_questions(client)
    client.get(f"/language/cy/?next={URL}/")
    body = client.get(CHECK).content.decode()
    start = timezone.localdate() + datetime.timedelta(days=7)
    welsh = ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
             "Medi", "Hydref", "Tachwedd", "Rhagfyr")  # fmt: skip
    assert f"{start.day} {welsh[start.month - 1]} {start.year}" in body


def test_the_confirmation_email_uses_the_answers_as_check_answers_shows_them(
    client, parking_permit, payments
):
    complete_questions(client)
    pay_from_check_answers(client, client.post(CHECK, {"version": "1", "confirm": "yes"}))
    start = timezone.localdate() + datetime.timedelta(days=7)
    message = Message.objects.get(template="submitted")
    assert "* Vehicle: CU57 ABC\n" in message.body_text
    assert f"* Permit starts: {start.day} {start:%B} {start.year}\n" in message.body_text


def test_a_hostile_declaration_is_a_field_error_and_stores_nothing(client, parking_permit):
    complete_questions(client)
    for confirm in ("YES", "yes\x00", "on", "y" * 100_000, ""):
        response = client.post(CHECK, {"version": "1", "confirm": confirm})
        assert response.status_code == 400, confirm
        assert b"Confirm that the information you have given is correct" in response.content
    assert client.post(CHECK, {"version": "x" * 10_000, "confirm": "yes"}).status_code == 409
    assert not Case.objects.exists()
    assert not Message.objects.exists()


def test_a_check_answers_post_before_the_questions_are_answered_sends_nothing(
    client, parking_permit
):
    response = client.post(CHECK, {"version": "1", "confirm": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}/address/"
    assert not Case.objects.exists()


GROUPED = """\
      - id: name
        title: Your name
        questions:
          - {id: first_name, type: text, label: First name}
          - {id: last_name, type: text, label: Last name}
      - id: household
        kind: repeat
        title: Tell us about a household member
        item: household member
        max: 3
        questions:
          - {id: member_name, type: text, label: Full name}
      - id: email
"""


def _publish_small(tmp_path, pages: str = GROUPED, body: str = "We have your application."):
    source = SMALL.replace("      - id: email\n", pages, 1).replace(
        "body: We have your application.}", f"body: {body}}}", 1
    )
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(source))
    return publish_service_file(path, published_by="test")


def test_the_privacy_notice_says_how_long_each_kind_of_record_is_kept(client, parking_permit):
    body = client.get(f"{URL}/privacy/").content.decode()
    assert _kept_rows(body) == [
        ("Applications", "2 years after the application is closed"),
        ("Files you send", "1 year after the application is closed"),
        ("Messages", "2 years after the application is closed"),
        ("Payment records", "7 years after the application is closed"),
        ("Unfinished applications", "30 days after you save them"),
    ]


def _kept_rows(body: str) -> list[tuple[str, str]]:
    kept = re.search(r'id="kept">(.*?)</dl>', body, re.S)[1]
    return re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", kept, re.S)


def test_a_service_that_charges_no_fee_lists_no_payment_records(client, db):
    publish_example(ESTIMATE_INCOME_TAX)
    body = client.get("/services/example-borough/estimate-income-tax/privacy/").content.decode()
    assert _kept_rows(body) == [
        ("Applications", "1 year after the application is closed"),
        ("Files you send", "1 year after the application is closed"),
        ("Messages", "1 year after the application is closed"),
        ("Unfinished applications", "14 days after you save them"),
    ]
    assert "Payment records" not in body


def test_the_platforms_notice_lists_payment_records_only_for_services_that_charge_a_fee(
    client, parking_permit
):
    publish_example(ESTIMATE_INCOME_TAX)
    body = client.get("/privacy").content.decode()
    tables = {
        re.search(r'class="govuk-link"[^>]*>(.*?)</a>', table)[1]: table
        for table in re.findall(r"<table.*?</table>", body, re.S)
    }
    assert "Payment records" in tables["Apply for a resident parking permit"]
    assert "Payment records" not in tables["Estimate your Income Tax"]


def test_the_privacy_notice_groups_what_a_page_asks(client, organisations, tmp_path):
    _publish_small(tmp_path)
    body = client.get("/services/example-borough/small/privacy/").content.decode()
    items = re.findall(r"<li>(.*?)</li>", re.search(r'id="collected">(.*?)</ul>', body, re.S)[1])
    assert items == ["Which colour?", "First name, Last name", "Full name", "Your email?"]


def test_a_message_may_name_a_grouped_answer_but_not_a_repeating_groups(organisations, tmp_path):
    _publish_small(tmp_path, body='"Dear ((first_name)) ((last_name))."')
    with pytest.raises(DefinitionInvalid, match=r"unknown placeholder '\(\(member_name\)\)'"):
        _publish_small(tmp_path, body='"Dear ((member_name))."')
