"""Email delivery over real SMTP: at least once, and never twice."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.delivery import deliver_message
from civitas.notify.models import Message
from civitas.notify.public import EmailContent, queue_email
from civitas.notify.tests.factories import MessageFactory
from conftest import run_queued_jobs

CONTENT = EmailContent(subject="Hello", text="Plain text\n", html="<p>HTML</p>")


def test_a_queued_email_is_sent_over_smtp_in_plain_text_and_html(db, smtp_inbox):
    queue_email(
        organisation_id=OrganisationFactory().pk,
        idempotency_key="k1",
        about="REF",
        template="t",
        to="a@example.com",
        content=CONTENT,
    )
    run_queued_jobs()
    [received] = smtp_inbox.wait_for(1)
    assert received["To"] == "a@example.com"
    assert received["Message-ID"] == f"<{Message.objects.get().id}@civitas.notify>"
    assert received.is_multipart()
    assert {part.get_content_type() for part in received.walk()} >= {"text/plain", "text/html"}
    assert Message.objects.get().status == Message.Status.DELIVERED


def test_queueing_twice_with_one_key_makes_one_message(db, smtp_inbox):
    organisation = OrganisationFactory()
    for _ in range(2):
        queue_email(
            organisation_id=organisation.pk,
            idempotency_key="same",
            about="REF",
            template="t",
            to="a@example.com",
            content=CONTENT,
        )
    run_queued_jobs()
    assert len(smtp_inbox.wait_for(1)) == 1
    assert Message.objects.count() == 1


def test_a_message_said_to_be_new_is_never_a_second_one_under_its_key(db):
    # Queued as new (a case just made in this transaction), a key already used fails the
    # caller's transaction rather than making a second message.
    organisation = OrganisationFactory()
    first = {
        "organisation_id": organisation.pk,
        "idempotency_key": "case:ABC:submitted",
        "about": "ABC",
        "template": "submitted",
        "to": "a@example.com",
        "content": CONTENT,
    }
    queue_email(**first, new_key=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        queue_email(**first, new_key=True)
    assert Message.objects.count() == 1


def test_a_retried_job_does_not_send_a_sent_message_again(db, smtp_inbox):
    message = MessageFactory()
    assert deliver_message(str(message.id)) == "sent"
    assert deliver_message(str(message.id)) == "skipped"
    assert len(smtp_inbox.wait_for(1)) == 1


def test_a_message_leased_by_another_worker_is_left_alone(db, smtp_inbox):
    message = MessageFactory(
        status=Message.Status.SENDING, retry_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert deliver_message(str(message.id)) == "skipped"
    assert smtp_inbox.messages == []


def test_a_failed_send_is_retried_later_with_back_off(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    message = MessageFactory()
    before = timezone.now()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert message.status == Message.Status.CREATED
    assert message.last_error == "ConnectionRefusedError"
    assert message.retry_at >= before + datetime.timedelta(seconds=15)


def test_a_message_that_keeps_failing_is_marked_failed(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.NOTIFY_MAX_ATTEMPTS = 2
    message = MessageFactory(attempts=1)
    assert deliver_message(str(message.id)) == "failed"
    assert Message.objects.get().status == Message.Status.TECHNICAL_FAILURE


def test_a_recipient_the_relay_refuses_for_good_fails_at_once(db, smtp_inbox):
    smtp_inbox.refuse_recipients_with = "550 5.1.1 No such user"
    message = MessageFactory()
    assert deliver_message(str(message.id)) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        Message.Status.PERMANENT_FAILURE,
        1,
        "SMTPRecipientsRefused",
    )
    assert smtp_inbox.messages == []


def test_a_recipient_the_relay_refuses_for_now_is_tried_again(db, smtp_inbox):
    smtp_inbox.refuse_recipients_with = "450 4.2.1 Mailbox busy, try later"
    message = MessageFactory()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.CREATED, "SMTPRecipientsRefused")
    smtp_inbox.refuse_recipients_with = None
    Message.objects.filter(id=message.id).update(retry_at=timezone.now())
    assert deliver_message(str(message.id)) == "sent"
    [received] = smtp_inbox.wait_for(1)
    assert received["Message-ID"] == f"<{message.id}@civitas.notify>"  # the same on every try


def test_a_message_whose_worker_died_mid_send_is_sent_once_its_lease_ends(db, smtp_inbox):
    past, later = (
        timezone.now() - datetime.timedelta(seconds=1),
        timezone.now() + datetime.timedelta(minutes=5),
    )
    lost = MessageFactory(status=Message.Status.SENDING, attempts=1, retry_at=past)
    MessageFactory(status=Message.Status.SENDING, attempts=1, retry_at=later)  # still leased
    MessageFactory(sent=True, retry_at=past)
    # Handed over, waiting for a delivery receipt: never sent again.
    MessageFactory(status=Message.Status.SENDING, sent_at=timezone.now(), retry_at=past)
    run_queued_jobs()
    [received] = smtp_inbox.wait_for(1)
    assert received["Message-ID"] == f"<{lost.id}@civitas.notify>"
    run_queued_jobs()
    assert len(smtp_inbox.messages) == 1


def test_a_batch_goes_over_one_connection_with_each_reply_route(db, smtp_inbox):
    MessageFactory.create_batch(5, reply_to="team@example.gov.uk")
    run_queued_jobs()
    received = smtp_inbox.wait_for(5)
    assert {message["Reply-To"] for message in received} == {"team@example.gov.uk"}
    assert smtp_inbox.connections == 1
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.DELIVERED}


def test_personal_data_in_a_message_is_encrypted_at_rest(db):
    MessageFactory(recipient="secret.person@example.com", body_text="Dear Secret Person")
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, body_text FROM notify_message")
        raw = " ".join(cursor.fetchone())
    assert "secret.person" not in raw
    assert "Secret Person" not in raw
    assert Message.objects.get().recipient == "secret.person@example.com"


@pytest.mark.django_db
def test_the_message_list_reads_its_page_in_one_query(django_assert_num_queries):
    from civitas.notify.queries import list_recent_messages

    ours = MessageFactory.create_batch(3)
    MessageFactory(organisation=OrganisationFactory(other_council=True))
    with django_assert_num_queries(1):
        listed = list_recent_messages(organisation_id=ours[0].organisation_id)
    assert {message.id for message in listed} == {message.id for message in ours}


def test_a_body_holding_a_secret_is_sent_and_then_erased(db, smtp_inbox):
    from civitas.notify.models import ERASED_BODY

    queue_email(
        organisation_id=OrganisationFactory().pk,
        idempotency_key="secret",
        about="saved",
        template="t",
        to="a@example.com",
        content=EmailContent(subject="Link", text="https://x/return/SECRET/\n", html="<p>S</p>"),
        erase_body_when_sent=True,
    )
    assert Message.objects.get().body_text == "https://x/return/SECRET/\n"
    run_queued_jobs()
    [received] = smtp_inbox.wait_for(1)
    assert "SECRET" in received.as_string()
    message = Message.objects.get()
    assert (message.body_text, message.body_html) == (ERASED_BODY, ERASED_BODY)
