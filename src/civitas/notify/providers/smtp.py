"""Email through Django's mail backend: the SMTP relay at EMAIL_HOST and EMAIL_PORT."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from civitas.notify.providers.base import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)


class SmtpEmailProvider:
    """Sends each message as plain text with an HTML alternative, over a connection of its
    own that gives up after EMAIL_TIMEOUT seconds.

    Only a recipient the relay refuses with a 5xx answer is a permanent failure. Everything
    else is temporary, including 5xx answers about the sender, the login or the message as a
    whole: those are most often the relay's or our configuration, and every message queued
    meanwhile should go once it is put right.
    """

    channel = Channel.EMAIL

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        # The same Message-ID on every attempt lets a receiving system drop a duplicate.
        message_id = f"<{message.reference}@civitas.notify>"
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        email.attach_alternative(message.body_html, "text/html")
        try:
            with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
                connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            # The error class only, here and below: SMTP errors can quote the address.
            if all(500 <= code < 600 for code, _ in error.recipients.values()):
                raise PermanentFailure(type(error).__name__) from error
            raise TemporaryFailure(type(error).__name__) from error
        except Exception as error:
            raise TemporaryFailure(type(error).__name__) from error
        return DeliveryReceipt(reference=message_id, status="delivered", provider="smtp")
