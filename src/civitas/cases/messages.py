"""The emails a case sends, written from the service definition's message texts."""

from django.conf import settings
from django.utils.html import escape, linebreaks

from civitas.catalogue.public import Service
from civitas.notify.public import EmailContent
from civitas.platform.templating import format_pence


def compose_message(service: Service, name: str, *, fields: dict[str, str]) -> EmailContent:
    """Fills a message's placeholders; the definition's check ensures they all exist."""
    message = service.definition["messages"][name]
    values = {
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
    subject = message["subject"].format_map(values)
    text = message["body"].format_map(values).strip() + "\n"
    safe_values = {key: escape(value) for key, value in values.items()}
    html_body = linebreaks(escape(message["body"]).format_map(safe_values).strip())
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family: arial, sans-serif; font-size: 19px; line-height: 1.3;">'
        f"{html_body}</body></html>"
    )
    return EmailContent(subject=subject, text=text, html=html)


def fee_text(fee_pence: int | None) -> str:
    return format_pence(fee_pence) if fee_pence is not None else "no fee"
