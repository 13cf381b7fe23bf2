"""The emails a case sends, written from the service definition's message texts."""

import datetime
import re
from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, gettext_noop

from civitas.cases.computed import case_computed_display
from civitas.catalogue.public import Service, in_language
from civitas.notify.public import EmailContent
from civitas.platform.message_templates import parse_template, placeholder_key
from civitas.platform.templating import format_pence

NO_FEE = gettext_noop("no fee")


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


def answer_values(
    service: Service,
    answers: Mapping[str, object],
    *,
    submitted_at: datetime.datetime | None = None,
    decision: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """A value for every answer a message may name: each question's answer as check
    answers shows it ("3 March 2027", "£12.50", "CU57 ABC"), a derived value as text, a
    computed value as the case page shows it, and nothing for a question not answered (a
    route not taken)."""
    values = {question.id: "" for question in service.model.questions}
    for name, value in answers.items():
        question = service.question(name)
        if value is None:
            values[name] = ""
        elif question is not None:
            values[name] = question.display(value)  # type: ignore[arg-type]
        elif isinstance(value, (list, dict)):
            # A repeating group's items: not something one placeholder can show.
            continue
        elif isinstance(value, bool):
            values[name] = "yes" if value else "no"
        else:
            values[name] = str(value)
    values.update(computed_values(service, answers, submitted_at=submitted_at, decision=decision))
    return values


def computed_values(
    service: Service,
    answers: Mapping[str, object],
    *,
    submitted_at: datetime.datetime | None = None,
    decision: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """Each computed value of the definition for the answers, shown as the case page shows
    it: as of the day the case was submitted (today, for one not stored yet), with the
    rules' values from the decision recorded with it. One over an answer not given, or a
    rule not decided, is blank: every computed value has one, so a message naming it
    always renders."""
    model = service.model
    shown = case_computed_display(service, answers, submitted_at=submitted_at, decision=decision)
    return {computed.name: text for computed, (_, text) in zip(model.computed, shown, strict=True)}


def compose_message(
    service: Service,
    name: str,
    *,
    fields: dict[str, str],
    answers: Mapping[str, object] | None = None,
    submitted_at: datetime.datetime | None = None,
    decision: Mapping[str, object] | None = None,
    language: str = "en",
) -> EmailContent:
    """Fills a message's placeholders with the platform's fields and the case's answers
    and computed values (the platform's fields win a clash); the definition's check
    ensures they all exist. `submitted_at` and `decision` are the case's, for its computed
    values (see `computed_values`). The message is written in `language`, the one the
    citizen applied in, with its dates, money and answers' labels; in English where the
    definition has no translation."""
    with translation.override(language):
        return _composed(service, name, fields, answers, submitted_at, decision, language=language)


def _composed(
    service: Service,
    name: str,
    fields: dict[str, str],
    answers: Mapping[str, object] | None,
    submitted_at: datetime.datetime | None,
    decision: Mapping[str, object] | None,
    *,
    language: str,
) -> EmailContent:
    message = service.model.messages[name]
    platform = message_values(service, fields)
    taken = {placeholder_key(field) for field in platform}
    # Placeholder names ignore case, "_" and "-": an answer named like a platform field
    # (`servicetitle`) would be a second value for one placeholder. The field wins.
    values = {
        **{
            answer: value
            for answer, value in answer_values(
                service, answers or {}, submitted_at=submitted_at, decision=decision
            ).items()
            if placeholder_key(answer) not in taken
        },
        **platform,
    }
    # The service's own texts (its title, an option's label) in the citizen's language;
    # dates and computed values are already written in it (the active language).
    values = {
        name: gettext(NO_FEE) if value == NO_FEE else in_language(value, language)
        for name, value in values.items()
    }
    body = parse_template(in_language(message.body, language))
    # An email's subject is one line: a line break in it would stop the email being sent.
    subject = " ".join(
        parse_template(in_language(message.subject, language)).render(values).split()
    )
    # A placeholder left empty (no reason given) leaves no gap of blank lines behind.
    text = re.sub(r"\n{3,}", "\n\n", body.render(values).strip()) + "\n"
    html_body = body.render_html(values)
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family: arial, sans-serif; font-size: 19px; line-height: 1.3;">'
        f"{html_body}</body></html>"
    )
    return EmailContent(subject=subject, text=text, html=html)


def fee_text(fee_pence: int | None) -> str:
    return format_pence(fee_pence) if fee_pence is not None else NO_FEE
