"""Emails other domains announce by an event, because they sit below notify."""

from civitas.identity.public import AccountEmailDue
from civitas.notify.services import EmailContent, queue_email
from civitas.platform.events import HandlerResults


def email_account_holder(event: AccountEmailDue, results: HandlerResults) -> None:
    """Queues a citizen account's email, in the transaction that made its link. The
    platform's own email, not an organisation's: no organisation's staff see it."""
    queue_email(
        organisation_id=None,
        idempotency_key=event.idempotency_key,
        about=f"account:{event.account_id}",
        template=event.template,
        to=event.to,
        content=EmailContent(subject=event.subject, text=event.text, html=event.html),
        erase_body_when_sent=event.holds_secret,
    )
