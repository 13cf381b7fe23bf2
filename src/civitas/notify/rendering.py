"""Filling a template's words in for one message, and what a sender got wrong.

Used when a message is written (`sending`) and when its late words arrive just before it
is sent (`late_fields`), so that the dispatcher never imports the outbox's way in.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from civitas.notify import phones
from civitas.notify.formatting import render_template_email
from civitas.notify.models import Template, TemplateType, TemplateVersion
from civitas.platform.message_templates import MissingValues, TemplateSyntaxError, parse_template


class SendingRefused(ValueError):
    """What the sender got wrong; `field` names the request's field, when there is one."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Rendered:
    """A template's words filled in for one message, and the language they are in."""

    subject: str
    text: str
    html: str
    language: str = "en"
    # A text message's fragments, as the networks bill them; 0 for other channels.
    fragments: int = 0


def template_version(template: Template, version: int | None = None) -> TemplateVersion:
    """The template's words at `version` (its current one by default)."""
    return template.versions.get(version=version or template.version)


def render(
    template: Template,
    words: TemplateVersion,
    personalisation: Mapping[str, object],
    *,
    language: str = "en",
) -> Rendered:
    """Fills the template's placeholders, in Welsh where asked for and written. Raises
    SendingRefused naming every placeholder without a value."""
    welsh = language == "cy" and bool(words.welsh_body)
    written_in = "cy" if welsh else "en"
    body_source = words.welsh_body if welsh else words.body
    subject_source = (words.welsh_subject if welsh else words.subject) or ""
    try:
        body = parse_template(body_source).render(personalisation).strip()
        subject = " ".join(parse_template(subject_source).render(personalisation).split())
    except MissingValues as missing:
        raise SendingRefused(
            "Missing personalisation: " + ", ".join(missing.names), field="personalisation"
        ) from missing
    except TemplateSyntaxError as error:  # a template checked when saved cannot get here
        raise SendingRefused(f"The template cannot be used: {error}") from error
    if template.type == TemplateType.EMAIL:
        text, html = render_template_email(
            body_source, body, personalisation, subject=subject, language=written_in
        )
        return Rendered(subject=subject, text=text, html=html, language=written_in)
    fragments = phones.fragment_count(body) if template.type == TemplateType.SMS else 0
    return Rendered(subject=subject, text=body, html="", language=written_in, fragments=fragments)
