"""The thread between caseworkers and the applicant: a request for more information (a
workflow transition), messages from staff, and the applicant's reply with a file from their
application's page, which moves the case back and starts its service-level clock again."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civitas.cases.conversation import MessageInvalid, send_message
from civitas.cases.models import Case, CaseFile, CaseMessage
from civitas.cases.replies import reply_as_applicant
from civitas.cases.services import DecisionInvalid, submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.cases.tracking_views import GRANTED
from civitas.cases.transitions import apply_due_timers, make_transition
from civitas.notify.models import Message
from civitas.platform.models import AuditEvent
from conftest import acting, make_staff, run_queued_jobs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEED = "Send a photo of the registration certificate (V5C) of the vehicle"


@pytest.fixture
def case(parking_permit) -> Case:
    return submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)


def _ask_for_information(case: Case, caseworker, reason: str = NEED) -> Case:
    return make_transition(
        reference=case.reference,
        transition_id="request_information",
        reason=reason,
        staff=acting(caseworker),
        expected_version=case.version,
    )


def _may_see(client, case: Case) -> None:
    """What entering the emailed code grants: this session may see the application."""
    session = client.session
    session[GRANTED] = {case.reference: int(time.time()) + 600}
    session.save()


def test_asking_for_more_information_emails_the_applicant_what_is_needed(case, caseworker):
    moved = _ask_for_information(case, caseworker)

    assert moved.status == "more_information_requested"
    assert moved.status_kind == "waiting-for-citizen"
    [request] = CaseMessage.objects.filter(case=case)
    assert (request.kind, request.sender, request.author_id) == ("request", "staff", caseworker.pk)
    assert request.body == NEED
    email = Message.objects.get(template="information-request")
    assert email.recipient == "resident@example.com"
    assert case.reference in email.subject
    assert NEED in email.body_text
    assert "http://127.0.0.1:8000/applications/" in email.body_text
    assert "If we have not heard from you in 14 days, we will close your application." in (
        email.body_text
    )
    # Audited as a message sent, without what it says.
    audit = AuditEvent.objects.get(action="case.message_sent")
    assert (audit.actor_id, audit.details) == (str(caseworker.pk), {"kind": "request"})
    assert NEED not in str(AuditEvent.objects.filter(object_id=case.reference).values())


def test_the_request_is_written_in_the_language_the_applicant_applied_in(case, caseworker):
    Case.objects.filter(pk=case.pk).update(language="cy")
    case.refresh_from_db()
    _ask_for_information(case, caseworker)
    email = Message.objects.get(template="information-request")
    assert email.subject.startswith("Mae angen rhagor o wybodaeth")


def test_an_applicant_with_no_email_address_cannot_be_asked_and_nothing_changes(
    parking_permit, caseworker
):
    case = submit_application(
        service=parking_permit, answers={**ANSWERS, "email": None}, fee_pence=None
    )
    with pytest.raises(DecisionInvalid, match="gave no email address"):
        _ask_for_information(case, caseworker)
    case.refresh_from_db()
    assert (case.status, case.version) == ("submitted", 0)
    assert not CaseMessage.objects.exists()


def test_the_service_level_clock_stops_while_waiting_and_runs_on_with_what_was_left(
    case, caseworker
):
    # Submitted with a 7-day target; two days later, more information is asked for.
    assert case.due_at == case.submitted_at + datetime.timedelta(days=7)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + datetime.timedelta(days=5))
    case.refresh_from_db()
    waiting = _ask_for_information(case, caseworker)
    assert waiting.due_at is None
    assert 5 * 86400 - 60 < waiting.service_level_left_seconds <= 5 * 86400

    reply_as_applicant(reference=case.reference, text="Attached, sorry for the wait")

    back = Case.objects.get(pk=case.pk)
    assert back.status == "submitted"
    assert back.status_kind == "open"
    assert back.service_level_left_seconds is None
    left = back.due_at - timezone.now()
    assert datetime.timedelta(days=5) - datetime.timedelta(minutes=1) < left
    assert left <= datetime.timedelta(days=5)


def test_a_staff_message_is_emailed_kept_on_the_case_and_audited(case, caseworker):
    send_message(
        reference=case.reference, text="  We are checking your zone.  ", staff=acting(caseworker)
    )
    message = CaseMessage.objects.get()
    assert (message.kind, message.body) == ("message", "We are checking your zone.")
    email = Message.objects.get(template="case-message")
    assert "We are checking your zone." in email.body_text
    assert AuditEvent.objects.filter(action="case.message_sent", details={"kind": "message"})
    # Writing to the applicant does not move the case.
    assert Case.objects.get(pk=case.pk).status == "submitted"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Enter your message"),
        ("\u200b \n", "Enter your message"),
        ("x" * 5001, "5,000 characters or fewer"),
        ("Pay to \u202eevil", "control characters"),
        ("null\x00byte", "control characters"),
    ],
)
def test_a_message_that_cannot_be_sent_says_why_and_sends_nothing(case, caseworker, text, error):
    with pytest.raises(MessageInvalid, match=error):
        send_message(reference=case.reference, text=text, staff=acting(caseworker))
    assert not CaseMessage.objects.exists()
    assert not Message.objects.filter(template="case-message").exists()


def test_staff_of_another_organisation_cannot_write_to_the_applicant(case, client, signed_in):
    other = make_staff("worker@sample-district.gov.uk", "caseworker", "sample-district")
    signed_in(other)
    for method in (client.get, client.post):
        response = method(f"/staff/cases/{case.reference}/message", {"message": "Hello"})
        assert response.status_code == 404
    assert not CaseMessage.objects.exists()


def test_the_auditor_cannot_write_to_the_applicant(case, client, signed_in):
    signed_in(make_staff("auditor@example.gov.uk", "auditor"))
    response = client.post(f"/staff/cases/{case.reference}/message", {"message": "Hello"})
    assert response.status_code == 403
    assert not CaseMessage.objects.exists()


def test_a_caseworker_writes_from_the_case_page_and_sees_the_thread(
    case, caseworker, client, signed_in
):
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Send a message to the applicant" in page
    response = client.post(f"/staff/cases/{case.reference}/message", {"message": ""})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert 'href="#message"' in response.content.decode()

    response = client.post(
        f"/staff/cases/{case.reference}/message", {"message": "Is your car kept at home?"}
    )
    assert response.headers["Location"] == f"/staff/cases/{case.reference}/?sent=message#messages"
    page = client.get(response.headers["Location"]).content.decode()
    assert (
        '<h3 class="govuk-notification-banner__heading">Your message was sent to the applicant'
        in page
    )
    assert "Is your car kept at home?" in page


def test_the_applicant_replies_with_a_file_and_the_caseworker_downloads_it(
    case, caseworker, client, signed_in
):
    _ask_for_information(case, caseworker)
    _may_see(client, case)
    page = client.get(f"/applications/{case.reference}/").content.decode()
    assert NEED in page
    assert "Reply to our request" in page
    assert "We asked you for more information on" in page

    response = client.post(
        f"/applications/{case.reference}/",
        {"reply": "Here it is", "file": SimpleUploadedFile("v5c.pdf", PDF)},
    )
    assert response.headers["Location"] == f"/applications/{case.reference}/?sent=1"
    page = client.get(response.headers["Location"]).content.decode()
    assert '<h3 class="govuk-notification-banner__heading">Your reply was sent</h3>' in page
    assert "You replied on" in page
    assert "v5c.pdf" in page
    reply = CaseMessage.objects.get(kind="reply")
    assert (reply.sender, reply.author_id, reply.body) == ("citizen", None, "Here it is")
    case_file = CaseFile.objects.get(message=reply)
    assert case_file.content_type == "application/pdf"
    assert Case.objects.get(pk=case.pk).status == "submitted"
    audit = AuditEvent.objects.get(action="case.applicant_replied")
    assert (audit.actor_type, audit.details) == ("citizen", {"files": 1})

    client.logout()
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "From the applicant" in page
    download = f"/staff/cases/{case.reference}/files/{case_file.token}/"
    assert download in page
    response = client.get(download)
    assert response.status_code == 200
    assert response.content == PDF


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"reply": ""}, "reply", "Enter your message"),
        ({"reply": "x" * 5001}, "reply", "5,000 characters or fewer"),
        ({"reply": "", "file": ("v5c.pdf", b"")}, "file", "The selected file is empty"),
        ({"reply": "", "file": ("v5c.pdf", b"MZ\x90\x00 a program")}, "file", "PDF, JPG or PNG"),
        ({"reply": "", "file": ("v5c.png", PDF)}, "file", "PDF, JPG or PNG"),
    ],
)
def test_a_reply_that_cannot_be_kept_says_why_and_keeps_nothing(
    case, caseworker, client, fields, field, error
):
    _ask_for_information(case, caseworker)
    _may_see(client, case)
    if "file" in fields:
        name, content = fields["file"]
        fields = {**fields, "file": SimpleUploadedFile(name, content)}
    response = client.post(f"/applications/{case.reference}/", fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert f'href="#{field}"' in page
    assert error in page
    assert not CaseMessage.objects.filter(kind="reply").exists()
    assert not CaseFile.objects.exists()
    assert Case.objects.get(pk=case.pk).status == "more_information_requested"


def test_nobody_replies_without_the_emailed_code(case, caseworker, client):
    _ask_for_information(case, caseworker)
    response = client.post(f"/applications/{case.reference}/", {"reply": "Let me in"})
    assert response.headers["Location"] == "/applications/"
    assert not CaseMessage.objects.filter(kind="reply").exists()


def test_a_closed_application_takes_no_reply(case, caseworker, client):
    make_transition(
        reference=case.reference,
        transition_id="approve",
        reason="",
        staff=acting(caseworker),
    )
    _may_see(client, case)
    page = client.get(f"/applications/{case.reference}/").content.decode()
    assert "Send us a message" not in page
    with pytest.raises(MessageInvalid, match="closed"):
        reply_as_applicant(reference=case.reference, text="One more thing")


def test_a_reply_to_an_open_case_is_kept_and_leaves_the_case_where_it_is(case):
    reply_as_applicant(reference=case.reference, text="I have moved house")
    case.refresh_from_db()
    assert (case.status, case.version) == ("submitted", 0)
    assert CaseMessage.objects.get().body == "I have moved house"


def test_no_reply_in_14_days_closes_the_case_and_stops_its_clock(case, caseworker):
    _ask_for_information(case, caseworker)
    assert apply_due_timers(now=timezone.now() + datetime.timedelta(days=15)) == 1
    closed = Case.objects.get(pk=case.pk)
    assert (closed.status, closed.status_kind) == ("closed_no_reply", "closed-other")
    assert (closed.due_at, closed.service_level_left_seconds) == (None, None)


def test_the_request_email_is_delivered(case, caseworker, smtp_inbox):
    _ask_for_information(case, caseworker)
    run_queued_jobs()
    received = smtp_inbox.wait_for(2)[-1]
    assert received["To"] == "resident@example.com"
    assert "We need more information" in received["Subject"]


def test_a_reason_given_with_an_approval_is_sent_to_the_applicant(case, caseworker):
    make_transition(
        reference=case.reference,
        transition_id="approve",
        reason="Your permit will come by post within 3 days",
        staff=acting(caseworker),
    )
    email = Message.objects.get(template="approved")
    assert "Your permit will come by post within 3 days" in email.body_text


def test_an_approval_without_a_reason_leaves_no_gap_in_the_email(case, caseworker):
    make_transition(
        reference=case.reference, transition_id="approve", reason="", staff=acting(caseworker)
    )
    assert "\n\n\n" not in Message.objects.get(template="approved").body_text


def test_a_message_moved_to_another_case_is_not_shown_there(case, parking_permit, caseworker):
    from civitas.cases.conversation import thread_of

    send_message(reference=case.reference, text="For the first case", staff=acting(caseworker))
    other = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)
    CaseMessage.objects.update(case=other)
    assert thread_of(other) == []
