"""What a template looks like, before any message is sent from it: each placeholder shown
as itself, `((name))`, where its value will go."""

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from civitas.notify import phones
from civitas.notify.formatting import body_html
from civitas.notify.models import Template, TemplateType, TemplateVersion
from civitas.platform.message_templates import parse_template


@dataclass(frozen=True)
class Preview:
    language: str
    subject: str
    html: SafeString
    text: str
    fragments: int = 0
    """Text messages: how many parts the networks bill, before placeholders are filled."""


def _shown(text: str) -> str:
    template = parse_template(text)
    return template.render({p.name: f"(({p.name}))" for p in template.placeholders})


def template_previews(template: Template, words: TemplateVersion) -> list[Preview]:
    """A preview of the template's words in English, and in Welsh when it has them."""
    previews = []
    for language, subject, body in (
        ("en", words.subject, words.body),
        ("cy", words.welsh_subject, words.welsh_body),
    ):
        if not body:
            continue
        text = _shown(body)
        html = body_html(text) if template.type != TemplateType.SMS else ""
        previews.append(
            Preview(
                language=language,
                subject=" ".join(_shown(subject).split()),
                # body_html escapes the text and allows no markup of its own.
                html=mark_safe(html),  # noqa: S308
                text=text,
                fragments=phones.fragment_count(text) if template.type == TemplateType.SMS else 0,
            )
        )
    return previews
