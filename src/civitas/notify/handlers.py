"""Emails that other domains announce by an event, because they sit below notifications.

Wired to the events in `civitas.wiring`; each runs inside the transaction that made the
change, so the change and its email exist together or not at all.
"""

from html import escape

from civitas.identity.public import AccountEmailDue, StaffInvited
from civitas.notify.services import EmailContent, queue_email
from civitas.platform.events import HandlerResults


def email_staff_invite(event: StaffInvited, results: HandlerResults) -> None:
    # The body holds a link that opens an account: it is erased from the outbox once sent.
    text = (
        f"Dear {event.display_name},\n\n"
        f"You have been invited to join the staff of {event.organisation_name}.\n\n"
        f"Set your password and your authenticator app here:\n{event.link}\n\n"
        "The link works once, until "
        f"{event.expires_at_text}. If you were not expecting this email, ignore it: "
        "nothing happens unless the link is used.\n"
    )
    html = (
        f"<p>Dear {escape(event.display_name)},</p>"
        f"<p>You have been invited to join the staff of {escape(event.organisation_name)}.</p>"
        f'<p><a href="{escape(event.link)}">Set your password and your authenticator app</a></p>'
        f"<p>The link works once, until {escape(event.expires_at_text)}. If you were not "
        "expecting this email, ignore it: nothing happens unless the link is used.</p>"
    )
    queue_email(
        organisation_id=event.organisation_id,
        idempotency_key=f"staff-invite:{event.invite_id}",
        new_key=True,
        about=f"staff-invite:{event.invite_id}",
        template="staff-invite",
        to=event.email,
        content=EmailContent(
            subject=f"Join the staff of {event.organisation_name}", text=text, html=html
        ),
        erase_body_when_sent=True,
    )


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
