"""A service's messages go through the messaging component: its definition's messages are
the sending service's templates, replies reach the team, and reminders wait for their day."""

import datetime
import json

import pytest
from django.utils import timezone

from civitas.cases.messages import send_case_message
from civitas.cases.models import Case
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.catalogue.public import get_live_service
from civitas.journeys.tests.test_api import valid_answers
from civitas.notify.models import Message, SendingService, Template
from conftest import acting, run_queued_jobs

pytestmark = pytest.mark.django_db


def _submit(client, api_headers, payments=None, **answers) -> Case:
    """An application sent through the API; its fee paid by the applicant, with
    `payments`."""
    response = client.post(
        "/api/v1/services/example-borough/resident-parking-permit/applications",
        data=json.dumps(
            {"version": 1, "answers": {**valid_answers(), **answers}, "declaration": True}
        ),
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    if payments is not None:
        payments.pay(reference)
    return Case.objects.get(reference=reference)


def test_publishing_makes_each_message_a_template_of_the_services_sending_service(
    parking_permit,
):
    sending = SendingService.objects.get(catalogue_slug="resident-parking-permit")
    assert sending.reply_to_email == "parking@example-borough.gov.uk"
    templates = {t.source: t for t in Template.objects.filter(sending_service=sending)}
    assert set(templates) == {
        f"definition:{name}{suffix}"
        for name in ("submitted", "approved", "refused", "permit-expiring")
        for suffix in ("", "-text")
    } | {"definition:payment-received", "definition:not-paid"}  # email only
    submitted = templates["definition:submitted"]
    assert (submitted.type, submitted.version) == ("email", 1)
    words = submitted.versions.get()
    assert words.welsh_subject.startswith("Rydym wedi cael")
    assert templates["definition:submitted-text"].type == "sms"


def test_the_confirmation_is_sent_from_its_template_with_a_reply_route_and_links(
    client, parking_permit, api_headers, payments, smtp_inbox
):
    case = _submit(client, api_headers, payments)
    message = Message.objects.get(idempotency_key=f"case:{case.reference}:submitted")
    assert message.notify_template.source == "definition:submitted"
    assert message.template_version == 1
    run_queued_jobs()
    # The confirmation and, after it, the receipt for the fee.
    emails = smtp_inbox.wait_for(2)
    [email] = [e for e in emails if e["Subject"] == message.subject]
    assert email["Reply-To"] == "parking@example-borough.gov.uk"
    html = _part(email, "text/html")
    assert '<a href="http' in html  # the public record's address is a link
    text = _part(email, "text/plain")
    assert text.startswith("Hello,")
    assert f"Reference: {case.reference}" in text
    assert "reply to this email" in text


def _part(email, content_type: str) -> str:
    part = next(p for p in email.walk() if p.get_content_type() == content_type)
    return part.get_payload(decode=True).decode()


def test_an_approval_gives_the_permits_key_facts(
    client, parking_permit, api_headers, payments, caseworker
):
    case = _submit(client, api_headers, payments)
    decide_case(
        reference=case.reference,
        outcome=Outcome.APPROVE,
        confirmed=True,
        reason="",
        staff=acting(caseworker),
    )
    approved = Message.objects.get(idempotency_key=f"case:{case.reference}:approved")
    answers = valid_answers()
    assert "Zone: " in approved.body_text
    assert "Valid until: " in approved.body_text
    assert answers["registration"].replace(" ", "") in approved.body_text.replace(" ", "")


def test_an_approval_schedules_the_expiry_reminders_for_their_days(
    client, parking_permit, api_headers, payments, caseworker, smtp_inbox
):
    start = timezone.localdate() + datetime.timedelta(days=10)
    case = _submit(client, api_headers, payments, start_date=start.isoformat())
    decide_case(
        reference=case.reference,
        outcome=Outcome.APPROVE,
        confirmed=True,
        reason="",
        staff=acting(caseworker),
    )
    reminders = Message.objects.filter(about=case.reference, template="permit-expiring")
    assert sorted(reminders.values_list("idempotency_key", flat=True)) == [
        f"case:{case.reference}:permit-expiring:30",
        f"case:{case.reference}:permit-expiring:7",
    ]
    due = sorted(timezone.localtime(m.retry_at) for m in reminders)
    assert [d.hour for d in due] == [9, 9]
    assert due[1] - due[0] == datetime.timedelta(days=23)
    run_queued_jobs()
    # The confirmation, the receipt and the approval; no reminder yet.
    sent = {email["Subject"] for email in smtp_inbox.wait_for(4, timeout=2)}
    assert len(sent) == 3
    assert not any("ends on" in subject for subject in sent)  # not before their day
    reminders.update(retry_at=timezone.now())
    run_queued_jobs()
    assert sum("ends on" in e["Subject"] for e in smtp_inbox.wait_for(5)) == 2


def test_a_refusal_schedules_no_reminder(client, parking_permit, api_headers, payments, caseworker):
    case = _submit(client, api_headers, payments)
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        confirmed=True,
        reason="Not in a zone",
        staff=acting(caseworker),
    )
    assert not Message.objects.filter(about=case.reference, template="permit-expiring").exists()


def test_an_applicant_with_a_mobile_and_no_email_is_sent_the_text_message(parking_permit):
    service = get_live_service("example-borough", "resident-parking-permit")
    answers = {**valid_answers(), "email": "", "phone": "07700 900982"}
    sent = send_case_message(
        service,
        "submitted",
        reference="ABC-DEF-GHJ",
        fields={"reference": "ABC-DEF-GHJ", "fee": "£77"},
        answers=answers,
        submitted_at=None,
        decision=None,
        language="cy",
        idempotency_key="text-1",
    )
    assert sent
    message = Message.objects.get(idempotency_key="text-1")
    assert (message.channel, message.recipient) == ("sms", "+447700900982")
    assert message.body_text.startswith("Example Borough Council: mae gennym eich cais")
    assert message.fragments >= 1


def test_an_applicant_with_neither_is_sent_nothing(parking_permit):
    service = get_live_service("example-borough", "resident-parking-permit")
    assert not send_case_message(
        service,
        "submitted",
        reference="ABC",
        fields={"reference": "ABC"},
        answers={**valid_answers(), "email": "", "phone": ""},
        submitted_at=None,
        decision=None,
        language="en",
        idempotency_key="none",
    )
    assert not Message.objects.exists()


def test_an_account_that_asks_for_texts_gets_texts_where_it_gave_a_mobile(parking_permit):
    from civitas.identity.accounts import set_contact_preference
    from civitas.identity.tests.factories import CitizenAccountFactory

    account = CitizenAccountFactory()
    set_contact_preference(str(account.pk), prefers_text_messages=True)
    service = get_live_service("example-borough", "resident-parking-permit")
    common = {
        "fields": {"reference": "ABC"},
        "submitted_at": None,
        "decision": None,
        "language": "en",
        "account_id": str(account.pk),
    }
    send_case_message(
        service,
        "submitted",
        reference="ABC",
        answers={**valid_answers(), "phone": "07700 900982"},
        idempotency_key="with-mobile",
        **common,
    )
    send_case_message(
        service,
        "submitted",
        reference="ABC",
        answers=valid_answers(),  # no mobile given: email after all
        idempotency_key="without-mobile",
        **common,
    )
    channels = dict(Message.objects.values_list("idempotency_key", "channel"))
    assert channels == {"with-mobile": "sms", "without-mobile": "email"}


def test_a_citizen_chooses_texts_on_their_account(client, db):
    from civitas.identity.models import CitizenAccount
    from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory

    account = CitizenAccountFactory()
    response = client.post(
        "/account/sign-in", {"email": account.email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    refused = client.post("/account/contact", {"contact": "pigeon"})
    assert refused.status_code == 400
    assert "Select how you want us to contact you" in refused.content.decode()
    assert client.post("/account/contact", {"contact": "text"}).status_code == 302
    assert CitizenAccount.objects.get(pk=account.pk).prefers_text_messages
    assert "By text message" in client.get("/account/").content.decode()


def test_a_caseworkers_message_goes_out_for_the_service_with_its_teams_reply_route(
    client, parking_permit, api_headers, caseworker
):
    from civitas.cases.conversation import send_message

    case = _submit(client, api_headers)
    send_message(reference=case.reference, text="Please send a photo.", staff=acting(caseworker))
    message = Message.objects.get(template="case-message")
    assert message.reply_to == "parking@example-borough.gov.uk"
    assert message.sending_service.catalogue_slug == "resident-parking-permit"
