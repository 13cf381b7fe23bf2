"""The emails a case sends, written from the service definition's message texts."""

from django.conf import settings
from django.utils.html import escape

from civitas.catalogue.public import Service
from civitas.notify.public import EmailContent
from civitas.platform.message_templates import parse_template
from civitas.platform.templating import format_pence

NO_FEE = "no fee"


def message_values(service: Service, fields: dict[str, str]) -> dict[str, str]:
    """A value for every placeholder a definition's messages may use (the catalogue's
    MESSAGE_FIELDS), so a published message always renders: a field this message does
    not fill is empty, and the yes/no fields follow the others."""
    values = {
        "reference": "",
        "service_title": service.title,
        "organisation": service.organisation_name,
        "fee": "",
        "reason": "",
        "reason_key": "",
        "status_url": settings.PUBLIC_BASE_URL,
        "ledger_index": "",
        "ledger_url": "",
        **fields,
    }
    fee = values["fee"].strip()
    values["has_fee"] = "yes" if fee and fee not in (NO_FEE, format_pence(0)) else "no"
    values["has_reason"] = "yes" if values["reason"].strip() else "no"
    return values


def compose_message(service: Service, name: str, *, fields: dict[str, str]) -> EmailContent:
    """Fills a message's placeholders; the definition's check ensures they all exist."""
    message = service.model.messages[name]
    values = message_values(service, fields)
    body = parse_template(message.body)
    # An email's subject is one line: a line break in it would stop the email being sent.
    subject = " ".join(parse_template(message.subject).render(values).split())
    text = body.render(values).strip() + "\n"
    html_body = body.render_html(values)
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family: arial, sans-serif; font-size: 19px; line-height: 1.3;">'
        f"{html_body}</body></html>"
    )
    return EmailContent(subject=subject, text=text, html=html)


def fee_text(fee_pence: int | None) -> str:
    return format_pence(fee_pence) if fee_pence is not None else NO_FEE
