"""Email through Django's mail backend: the SMTP relay at EMAIL_HOST and EMAIL_PORT."""

import contextlib
import smtplib
import threading

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from civitas.notify.providers.base import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)

# What says a connection kept open has gone (the relay timed it out, or restarted): open
# a new one and send again, once.
_CONNECTION_LOST = (smtplib.SMTPServerDisconnected, ConnectionError, BrokenPipeError)


class SmtpEmailProvider:
    """Sends each message as plain text with an HTML alternative, over a connection that
    each thread keeps open between messages (opening one costs more than sending a short
    email) and that gives up after EMAIL_TIMEOUT seconds.

    Only a recipient the relay refuses with a 5xx answer is a permanent failure. Everything
    else is temporary, including 5xx answers about the sender, the login or the message as a
    whole: those are most often the relay's or our configuration, and every message queued
    meanwhile should go once it is put right.
    """

    channel = Channel.EMAIL

    def __init__(self) -> None:
        self._local = threading.local()

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        # The same Message-ID on every attempt lets a receiving system drop a duplicate.
        message_id = f"<{message.reference}@civitas.notify>"
        headers = {"Message-ID": message_id}
        if message.reply_to:
            headers["Reply-To"] = message.reply_to
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers=headers,
        )
        email.attach_alternative(message.body_html, "text/html")
        try:
            try:
                self._connection().send_messages([email])
            except _CONNECTION_LOST:
                self.close()
                self._connection().send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            # The error class only, here and below: SMTP errors can quote the address.
            if all(500 <= code < 600 for code, _ in error.recipients.values()):
                raise PermanentFailure(type(error).__name__) from error
            raise TemporaryFailure(type(error).__name__) from error
        except Exception as error:
            self.close()  # in an unknown state: the next message starts afresh
            raise TemporaryFailure(type(error).__name__) from error
        return DeliveryReceipt(reference=message_id, status="delivered", provider="smtp")

    def _connection(self) -> BaseEmailBackend:
        relay = (settings.EMAIL_HOST, settings.EMAIL_PORT)
        connection: BaseEmailBackend | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "relay", None) != relay:
            self.close()  # the settings moved to another relay
            connection = None
        if connection is None:
            connection = get_connection(timeout=settings.EMAIL_TIMEOUT, fail_silently=False)
            connection.open()
            self._local.connection, self._local.relay = connection, relay
        return connection

    def close(self) -> None:
        """Closes this thread's connection, if it has one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            # Closing a connection already broken can fail: it is gone either way.
            with contextlib.suppress(Exception):
                connection.close()
