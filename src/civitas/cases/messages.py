"""The emails a case sends, written from the service definition's message texts."""

import datetime
from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from civitas.cases.computed import case_computed_display, case_value
from civitas.catalogue.public import Service, in_language, text_versions
from civitas.identity.public import prefers_text_messages
from civitas.notify.public import (
    DefinitionTemplates,
    EmailContent,
    LateFields,
    Words,
    render_template_email,
    send_from_template,
    templates_for_definition,
)
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
        "ledger_promise": "",
        "amount": "",
        "payment_reference": "",
        "pay_url": "",
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
    values = _personalisation(service, fields, answers, submitted_at, decision, language)
    body_source = in_language(message.body, language)
    body = parse_template(body_source)
    # An email's subject is one line: a line break in it would stop the email being sent.
    subject = " ".join(
        parse_template(in_language(message.subject, language)).render(values).split()
    )
    text, html = render_template_email(
        body_source, body.render(values), values, subject=subject, language=language
    )
    return EmailContent(subject=subject, text=text, html=html)


def _personalisation(
    service: Service,
    fields: dict[str, str],
    answers: Mapping[str, object] | None,
    submitted_at: datetime.datetime | None,
    decision: Mapping[str, object] | None,
    language: str,
) -> dict[str, str]:
    """The value of every placeholder a definition's message may use, in `language`."""
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
    return {
        name: gettext(NO_FEE) if value == NO_FEE else in_language(value, language)
        for name, value in values.items()
    }


def fee_text(fee_pence: int | None) -> str:
    return format_pence(fee_pence) if fee_pence is not None else NO_FEE


def text_message_name(name: str) -> str:
    """The name of a message's text-message template."""
    return f"{name}-text"


def definition_templates(service: Service) -> DefinitionTemplates:
    """The templates the service's messages are, for its published version: an email
    template for each, and a text-message one for each that has a `text_message`."""
    messages: dict[str, tuple[str, Words]] = {}
    for name, message in service.model.messages.items():
        subjects, bodies = dict(text_versions(message.subject)), dict(text_versions(message.body))
        messages[name] = (
            "email",
            Words(
                subject=subjects["en"],
                body=bodies["en"],
                welsh_subject=subjects.get("cy", ""),
                welsh_body=bodies.get("cy", ""),
            ),
        )
        if message.text_message is not None:
            texts = dict(text_versions(message.text_message))
            messages[text_message_name(name)] = (
                "sms",
                Words(body=texts["en"], welsh_body=texts.get("cy", "")),
            )
    return templates_for_definition(
        organisation_id=service.organisation_id,
        catalogue_slug=service.slug,
        definition_version=service.version,
        title=service.title,
        reply_to=service.model.reply_to,
        messages=messages,
    )


def send_case_message(
    service: Service,
    name: str,
    *,
    reference: str,
    fields: dict[str, str],
    answers: Mapping[str, object],
    submitted_at: datetime.datetime | None,
    decision: Mapping[str, object] | None,
    language: str,
    idempotency_key: str,
    new_key: bool = False,
    send_at: datetime.datetime | None = None,
    account_id: str = "",
    late_fields: LateFields | None = None,
) -> bool:
    """Sends the applicant the definition's message `name` through the messaging
    component, in the transaction that made the change it reports, in the language they
    applied in; returns whether there was anyone to send it to.

    It goes by email to the contact email; as a text message instead when the message has
    a `text_message`, the applicant gave a mobile number, and either gave no email address
    or their account asks for texts. `late_fields`: words the dispatcher fills in just
    before it is sent (the log entry's number, decision 0065)."""
    email = str(answers.get(service.contact_email_answer) or "")
    phone_answer = service.model.contact_phone
    phone = str(answers.get(phone_answer) or "") if phone_answer else ""
    templates = definition_templates(service)
    text_name = text_message_name(name)
    can_text = bool(phone) and text_name in templates.templates
    if can_text and (not email or prefers_text_messages(account_id)):
        recipient, chosen = phone, text_name
    elif email:
        recipient, chosen = email, name
    else:
        return False  # an applicant who gave no address (an anonymous report)
    template, words = templates.templates[chosen]
    with translation.override(language):
        values = _personalisation(service, fields, answers, submitted_at, decision, language)
    send_from_template(
        sending_service=templates.sending_service,
        template=template,
        words=words,
        recipient=recipient,
        personalisation=values,
        idempotency_key=idempotency_key,
        new_key=new_key,
        about=reference,
        kind=name,
        language=language,
        send_at=send_at,
        late_fields=late_fields,
    )
    return True


# Reminders go out at this hour, local time, on their day.
REMINDER_HOUR = 9


def schedule_reminders(
    service: Service,
    *,
    reference: str,
    answers: Mapping[str, object],
    submitted_at: datetime.datetime | None,
    decision: Mapping[str, object] | None,
    language: str,
    account_id: str = "",
) -> int:
    """Schedules each of the definition's reminders for an approved case (its `schedule`:
    so many days before a date of the case, at REMINDER_HOUR); returns how many. A day
    already past is skipped; the messages wait in the outbox until their day."""
    now = timezone.now()
    scheduled = 0
    for name, message in service.model.messages.items():
        if not message.schedule_before:
            continue
        value = case_value(
            service, message.schedule_before, answers, submitted_at=submitted_at, decision=decision
        )
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, datetime.date):
            continue  # the date was not given: nothing to remind of
        for days in message.schedule_days:
            send_at = timezone.make_aware(
                datetime.datetime.combine(
                    value - datetime.timedelta(days=days), datetime.time(REMINDER_HOUR)
                )
            )
            if send_at <= now:
                continue
            scheduled += send_case_message(
                service,
                name,
                reference=reference,
                idempotency_key=f"case:{reference}:{name}:{days}",
                fields={"reference": reference},
                answers=answers,
                submitted_at=submitted_at,
                decision=decision,
                language=language,
                send_at=send_at,
                account_id=account_id,
            )
    return scheduled
