"""Email over SMTP to the relay at EMAIL_HOST and EMAIL_PORT.

Each email is plain text with an HTML alternative, written here as MIME bytes: Django's
EmailMessage folds and re-encodes every header through the standard library's generic
policy, which cost more than the SMTP conversation itself (decision 0042). The headers
are few and known (From, To, Reply-To, Subject, Date, Message-ID); a value with a line
break is refused, so no header can be injected, and a subject that is not ASCII is
encoded as RFC 2047 says. The bodies are UTF-8 in quoted-printable.

With an EMAIL_BACKEND other than Django's SMTP backend (the console or in-memory backends
of development and tests) the message goes through that backend instead.
"""

import binascii
import contextlib
import smtplib
import ssl
import threading
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from civitas.notify.providers.base import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# What says a connection kept open has gone (the relay timed it out, or restarted): open
# a new one and send again, once.
_CONNECTION_LOST = (smtplib.SMTPServerDisconnected, ConnectionError, BrokenPipeError)


def _header(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise PermanentFailure("HeaderInjection")
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _address(value: str) -> str:
    """An address header: a name that is not ASCII is encoded, the address never is."""
    if "\r" in value or "\n" in value:
        raise PermanentFailure("HeaderInjection")
    if value.isascii():
        return value
    return formataddr(parseaddr(value), charset="utf-8")


def _part(content_type: str, text: str) -> bytes:
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + body.replace(b"\n", b"\r\n")


def email_bytes(message: OutgoingMessage, *, from_address: str, message_id: str) -> bytes:
    """The email as it goes over SMTP: headers, then text and HTML as alternatives."""
    boundary = f"=={message.reference}=="
    headers = [
        f"From: {_address(from_address)}",
        f"To: {_address(message.recipient)}",
        f"Subject: {_header(message.subject)}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: {_header(message_id)}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    if message.reply_to:
        headers.insert(3, f"Reply-To: {_address(message.reply_to)}")
    return b"".join(
        [
            "\r\n".join(headers).encode(),
            f"\r\n\r\n--{boundary}\r\n".encode(),
            _part("text/plain", message.body_text),
            f"\r\n--{boundary}\r\n".encode(),
            _part("text/html", message.body_html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )


class SmtpEmailProvider:
    """Sends each message over a connection that each thread keeps open between messages
    (opening one costs more than sending a short email), giving up after EMAIL_TIMEOUT
    seconds.

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
        if settings.EMAIL_BACKEND != SMTP_BACKEND:
            self._send_through_django(message, message_id)
        else:
            raw = email_bytes(
                message, from_address=settings.DEFAULT_FROM_EMAIL, message_id=message_id
            )
            self._send_raw(message.recipient, raw)
        # No reference to keep: the Message-ID is the message's id, `<id@civitas.notify>`.
        return DeliveryReceipt(status="delivered", provider="smtp")

    def _send_raw(self, recipient: str, raw: bytes) -> None:
        sender = _envelope_sender(settings.DEFAULT_FROM_EMAIL)
        try:
            try:
                self._connection().sendmail(sender, [recipient], raw)
            except _CONNECTION_LOST:
                self.close()
                self._connection().sendmail(sender, [recipient], raw)
        except smtplib.SMTPRecipientsRefused as error:
            # The error class only, here and below: SMTP errors can quote the address.
            if all(500 <= code < 600 for code, _ in error.recipients.values()):
                raise PermanentFailure(type(error).__name__) from error
            raise TemporaryFailure(type(error).__name__) from error
        except Exception as error:
            self.close()  # in an unknown state: the next message starts afresh
            raise TemporaryFailure(type(error).__name__) from error

    def _connection(self) -> smtplib.SMTP:
        relay = (settings.EMAIL_HOST, settings.EMAIL_PORT)
        connection: smtplib.SMTP | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "relay", None) != relay:
            self.close()  # the settings moved to another relay
            connection = None
        if connection is None:
            connection = _open(*relay)
            self._local.connection, self._local.relay = connection, relay
        return connection

    def close(self) -> None:
        """Closes this thread's connection, if it has one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            # Closing a connection already broken can fail: it is gone either way.
            with contextlib.suppress(Exception):
                connection.quit()

    def _send_through_django(self, message: OutgoingMessage, message_id: str) -> None:
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
            with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
                connection.send_messages([email])
        except Exception as error:
            raise TemporaryFailure(type(error).__name__) from error


def _open(host: str, port: int) -> smtplib.SMTP:
    """A connection to the relay as EMAIL_USE_SSL, EMAIL_USE_TLS and the login settings say."""
    timeout = settings.EMAIL_TIMEOUT
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if getattr(settings, "EMAIL_USE_SSL", False):
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if settings.EMAIL_USE_TLS:
            connection.starttls(context=context)
    if settings.EMAIL_HOST_USER:
        connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return connection


def _envelope_sender(from_address: str) -> str:
    """The bare address of a From header such as `Council <noreply@council.gov.uk>`."""
    start, end = from_address.rfind("<"), from_address.rfind(">")
    return from_address[start + 1 : end] if 0 <= start < end else from_address
