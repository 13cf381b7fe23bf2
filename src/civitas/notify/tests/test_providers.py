"""Delivery providers: NOTIFY_PROVIDERS picks who carries each channel, and the outbox
hands messages to whichever provider it names."""

import logging

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.checks import check_providers
from civitas.notify.delivery import deliver_message
from civitas.notify.models import Message
from civitas.notify.providers import (
    Channel,
    DeliveryProvider,
    OutgoingMessage,
    load_providers,
    provider_for,
)
from civitas.notify.providers.smtp import SmtpEmailProvider
from civitas.notify.public import EmailContent, queue_email
from civitas.notify.tests.factories import MessageFactory
from conftest import run_queued_jobs

TESTS = "civitas.notify.tests.providers"
SMTP = "civitas.notify.providers.smtp.SmtpEmailProvider"


def _use(settings, **providers: str) -> None:
    settings.NOTIFY_PROVIDERS = {channel: f"{TESTS}.{name}" for channel, name in providers.items()}


# --- The registry ----------------------------------------------------------------------


def test_email_goes_through_smtp_by_default():
    provider = provider_for("email")
    assert isinstance(provider, SmtpEmailProvider)
    assert isinstance(provider, DeliveryProvider)


def test_providers_are_made_once_and_again_when_the_setting_changes(settings):
    from civitas.notify.tests.providers import RecordingEmailProvider

    _use(settings, email="RecordingEmailProvider")
    made_before = RecordingEmailProvider.made
    assert provider_for("email") is provider_for("email")
    assert RecordingEmailProvider.made == made_before + 1
    settings.NOTIFY_PROVIDERS = {"email": SMTP}
    assert isinstance(provider_for("email"), SmtpEmailProvider)


def test_a_text_message_provider_fills_the_same_seam(settings):
    _use(settings, email="RecordingEmailProvider", sms="RecordingTextMessageProvider")
    provider = provider_for(Channel.SMS)
    assert provider.channel == "sms"
    message = OutgoingMessage(
        channel=Channel.SMS,
        reference="ref-1",
        recipient="+447700900123",
        subject="",
        body_text="Your permit is approved.",
    )
    assert provider.send(message).reference == "recorded-1"
    assert provider_for("email") is not provider


@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ({"email": "civitas.notify.providers.nowhere.Provider"}, r"\['email'\]: cannot import"),
        ({"sms": SMTP}, r"\['sms'\]: .* carries 'email' messages, not"),
        ({"fax": SMTP}, r"\['fax'\]: not a channel \(one of email, sms, letter\)"),
        ({"email": f"{TESTS}.NotAProvider"}, r"is not a delivery provider"),
        ({"email": 42}, r"must be a dotted path"),
        (["email", SMTP], r"must map each channel"),
    ],
)
def test_a_bad_setting_is_reported_by_name(settings, setting, error):
    settings.NOTIFY_PROVIDERS = setting
    with pytest.raises(ImproperlyConfigured, match=error):
        load_providers()
    [problem] = check_providers()
    assert problem.id == "notify.E001"


def test_a_channel_without_a_provider_is_reported(settings):
    settings.NOTIFY_PROVIDERS = {"email": SMTP}
    assert check_providers() == []
    with pytest.raises(ImproperlyConfigured, match="no provider for the 'letter' channel"):
        provider_for(Channel.LETTER)


# --- The outbox and its provider -------------------------------------------------------


def test_the_outbox_hands_each_message_to_the_provider_the_setting_names(db, settings):
    _use(settings, email="RecordingEmailProvider")
    queued = queue_email(
        organisation_id=OrganisationFactory().pk,
        idempotency_key="seam",
        about="REF",
        template="t",
        to="a@example.com",
        content=EmailContent(subject="Hello", text="Plain\n", html="<p>HTML</p>"),
    )
    run_queued_jobs()
    assert provider_for("email").sent == [
        OutgoingMessage(
            channel=Channel.EMAIL,
            reference=str(queued.id),
            recipient="a@example.com",
            subject="Hello",
            body_text="Plain\n",
            body_html="<p>HTML</p>",
        )
    ]
    assert mail.outbox == []  # Django's mail was never used
    assert Message.objects.get().status == Message.Status.DELIVERED


def test_a_permanent_failure_fails_the_message_at_once(db, settings):
    _use(settings, email="RefusingEmailProvider")
    message = MessageFactory()
    assert deliver_message(str(message.id)) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        Message.Status.PERMANENT_FAILURE,
        1,
        "AddressRefused",
    )


def test_a_temporary_failure_is_tried_again(db, settings):
    _use(settings, email="UnreachableEmailProvider")
    message = MessageFactory()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.CREATED, "GatewayTimeout")


def test_any_other_error_is_temporary_and_recorded_by_its_class_only(db, settings, caplog):
    _use(settings, email="CrashingEmailProvider")
    message = MessageFactory(recipient="secret.person@example.com")
    with caplog.at_level(logging.INFO):
        assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert message.last_error == "RuntimeError"
    assert "secret.person" not in caplog.text


def test_a_message_is_left_untouched_while_no_provider_is_configured(db, settings):
    settings.NOTIFY_PROVIDERS = {}
    message = MessageFactory()
    with pytest.raises(ImproperlyConfigured):
        deliver_message(str(message.id))
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.CREATED, 0)
