"""Letters to the print outbox (`notify.printing`): the printer collects each day's batch."""

from civitas.notify.letters import printed_letter_pdf
from civitas.notify.models import Message
from civitas.notify.printing import put_in_outbox
from civitas.notify.providers.base import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
)


class PrintOutboxProvider:
    """Puts the letter's PDF in the open print batch, once however often it is handed
    over, and says it is `accepted`: waiting to be printed. Closing the batch makes it
    `received`.

    The PDF is rendered from the message (or is the sender's own, for a precompiled
    letter) and kept sealed in the file store, so the PDF the API returns later is the one
    printed.
    """

    channel = Channel.LETTER

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        row = Message.objects.filter(id=message.reference, channel=Message.Channel.LETTER).first()
        if row is None:
            raise PermanentFailure("LetterNotFound")
        pdf = printed_letter_pdf(row)
        batch = put_in_outbox(str(row.id), pdf)
        return DeliveryReceipt(reference=f"{batch}/{row.id}", status="accepted", provider="print")
