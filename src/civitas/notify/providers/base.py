"""The seam between the outbox and whoever carries a message to a person.

A provider carries one channel's messages: email through an SMTP relay today; text
messages through an SMS gateway and letters through a printing service fill the same seam
later. The outbox hands it one `OutgoingMessage` at a time, and `send` either returns a
`DeliveryReceipt` (the other side has accepted it) or raises:

- `TemporaryFailure`: it may go through later (the relay is down, a timeout, a 4xx
  answer). The outbox tries again with back-off, up to NOTIFY_MAX_ATTEMPTS.
- `PermanentFailure`: it never will (the recipient refused with a 5xx answer, a number
  that is not a mobile, an address the printer cannot post to). The message fails at once.

Any other exception counts as temporary.

What a provider can rely on, and what it owes in return:

- Delivery is at least once: the same message can be handed over again, when a worker died
  after the other side accepted it but before the outbox recorded it. `reference` is the
  same on every attempt: pass it on as the other side's idempotency key (email: the
  Message-ID header; a gateway's or printer's API: its client reference) so that it can
  drop the duplicate.
- No database transaction is open during `send`; it may block up to its own timeout.
- A failure's `reason` is logged and stored on the message: an error class name or the
  other side's error code, never the recipient, the text or the other side's own words,
  which can quote personal data.

Adding text messages or letters:

1. A provider class with `channel = Channel.SMS` (or `Channel.LETTER`) whose `send`
   maps an `OutgoingMessage` onto the gateway's API: `recipient` is then a phone number in
   E.164 form (a postal address, its lines separated by newlines); `body_text` is the text
   (the letter); `subject` is the letter's heading and unused by a text message;
   `body_html` is for email only. It reads its own settings (keys, endpoints) when sending.
2. Its dotted path in NOTIFY_PROVIDERS, under the channel's name.
3. A `channel` column on `notify.Message` and a queueing function beside `queue_email`;
   `delivery.deliver_message` then asks the registry for the message's channel rather
   than for email.
"""

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send, in no channel's format: the provider makes it an email, a text
    message or a letter."""

    channel: Channel
    reference: str
    """The same on every attempt to send this message: the other side's idempotency key."""
    recipient: str
    """Where it goes, in the channel's terms: an email address (a phone number, a postal
    address)."""
    subject: str
    body_text: str
    body_html: str = ""
    """Email only; other channels ignore it."""
    reply_to: str = ""
    """Email only: where a reply goes (the service team's mailbox); "" for none."""


@dataclass(frozen=True)
class DeliveryReceipt:
    """What the other side said when it accepted the message."""

    reference: str = ""
    """The other side's name for it (email: the Message-ID), for matching later reports."""
    status: str = "delivered"
    """The message's status now, in GOV.UK Notify's words: "delivered" when accepting it
    is as far as anyone can see (an SMTP relay), "sending" while a delivery receipt is
    still to come (a text message), "accepted" for a letter waiting to be printed."""
    provider: str = ""
    """Which provider took it ("smtp", "firetext"...), for matching its receipts later."""


class DeliveryFailed(Exception):
    """A message was not accepted. `reason` is safe to log: never personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryFailed):
    """It may go through later: try again with back-off."""


class PermanentFailure(DeliveryFailed):
    """It never will: fail the message now."""


@runtime_checkable
class DeliveryProvider(Protocol):
    """Carries one channel's messages. Made once per process, with no arguments, and used
    by every worker thread: keep no state about one message between calls."""

    channel: Channel

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        """Hands the message on, or raises TemporaryFailure or PermanentFailure."""
        ...
