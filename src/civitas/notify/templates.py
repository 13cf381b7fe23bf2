"""Templates and their versions: written by staff, or made from a service definition.

A template's words are never changed in place: saving new words makes a new version, and
a message records the version it was written from, so what was sent can always be shown.
Saving the same words again makes nothing new.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civitas.notify import phones
from civitas.notify.models import SendingService, Template, TemplateType, TemplateVersion
from civitas.platform.message_templates import TemplateSyntaxError, parse_template

POSTAGE = ("first", "second", "economy", "europe", "rest-of-world")
MAX_NAME_LENGTH = 200
MAX_BODY_LENGTH = 20_000
# A text message template, without its placeholders' values, must fit Notify's limit.
MAX_SMS_CHARACTERS = phones.PART_GSM * phones.MAX_FRAGMENTS


class TemplateInvalid(ValueError):
    """What is wrong with a template's words; `field` names the part ("body", "subject")."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Words:
    """What a template says, in English and, optionally, Welsh."""

    body: str
    subject: str = ""
    welsh_body: str = ""
    welsh_subject: str = ""
    postage: str = ""


def check_words(template_type: str, words: Words) -> None:
    """Raises TemplateInvalid for words a template of this type cannot have."""
    if template_type not in TemplateType.values:
        raise TemplateInvalid(f"{template_type!r} is not a template type", field="type")
    if not words.body.strip():
        raise TemplateInvalid("Enter the message", field="body")
    if len(words.body) > MAX_BODY_LENGTH or len(words.welsh_body) > MAX_BODY_LENGTH:
        raise TemplateInvalid(
            f"The message must be {MAX_BODY_LENGTH:,} characters or fewer", field="body"
        )
    if template_type in (TemplateType.EMAIL, TemplateType.LETTER):
        if not words.subject.strip():
            what = "subject" if template_type == TemplateType.EMAIL else "main heading"
            raise TemplateInvalid(f"Enter a {what}", field="subject")
    elif words.subject or words.welsh_subject:
        raise TemplateInvalid("A text message has no subject", field="subject")
    if template_type == TemplateType.SMS:
        for body in (words.body, words.welsh_body):
            if phones.encoded_length(body) > MAX_SMS_CHARACTERS:
                raise TemplateInvalid(
                    f"Text messages cannot be longer than {MAX_SMS_CHARACTERS} characters",
                    field="body",
                )
    if template_type == TemplateType.LETTER:
        if words.postage and words.postage not in POSTAGE:
            raise TemplateInvalid(f"postage must be one of {', '.join(POSTAGE)}", field="postage")
    elif words.postage:
        raise TemplateInvalid("Only letters have postage", field="postage")
    for field, text in (
        ("body", words.body),
        ("subject", words.subject),
        ("welsh_body", words.welsh_body),
        ("welsh_subject", words.welsh_subject),
    ):
        try:
            parse_template(text)
        except TemplateSyntaxError as error:
            raise TemplateInvalid(f"{field}: {error}", field=field) from error


def save_template(
    sending_service: SendingService,
    *,
    name: str,
    template_type: str,
    words: Words,
    created_by: str,
    template: Template | None = None,
    source: str = "",
) -> Template:
    """Makes a template, or a new version of `template` when its words changed (the
    same words again make nothing new). Raises TemplateInvalid."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise TemplateInvalid(f"Enter a name of at most {MAX_NAME_LENGTH} characters", field="name")
    check_words(template_type, words)
    now = timezone.now()
    with transaction.atomic():
        if template is None:
            template = Template.objects.create(
                sending_service=sending_service,
                name=name,
                type=template_type,
                source=source,
                version=1,
                created_at=now,
                updated_at=now,
            )
            _write_version(template, 1, words, created_by, now)
            return template
        template = Template.objects.select_for_update().get(pk=template.pk)
        if template.type != template_type:
            raise TemplateInvalid("A template's type cannot change", field="type")
        current = template.versions.get(version=template.version)
        if _words_of(current) == words and template.name == name:
            return template
        if _words_of(current) != words:
            template.version += 1
            _write_version(template, template.version, words, created_by, now)
        template.name = name
        template.updated_at = now
        template.save(update_fields=["name", "version", "updated_at"])
        return template


def save_definition_template(
    sending_service: SendingService, *, message_name: str, template_type: str, words: Words
) -> Template:
    """The template a service definition's message is: made on first publication, given a
    new version when a later definition changes its words."""
    source = f"definition:{message_name}"
    existing = Template.objects.filter(sending_service=sending_service, source=source).first()
    return save_template(
        sending_service,
        name=existing.name if existing else message_name.replace("-", " ").capitalize(),
        template_type=template_type,
        words=words,
        created_by="service definition",
        template=existing,
        source=source,
    )


def _words_of(version: TemplateVersion) -> Words:
    return Words(
        body=version.body,
        subject=version.subject,
        welsh_body=version.welsh_body,
        welsh_subject=version.welsh_subject,
        postage=version.postage,
    )


def _write_version(
    template: Template, number: int, words: Words, created_by: str, now: datetime.datetime
) -> None:
    TemplateVersion.objects.create(
        template=template,
        version=number,
        subject=words.subject,
        body=words.body,
        welsh_subject=words.welsh_subject,
        welsh_body=words.welsh_body,
        postage=words.postage,
        created_at=now,
        created_by=created_by[:200],
    )


@dataclass(frozen=True)
class DefinitionTemplates:
    """A catalogue service's sending service and the template each of its definition's
    messages is, with the words of its current version: what sending one needs."""

    sending_service: SendingService
    templates: dict[str, tuple[Template, TemplateVersion]]


# By (organisation, catalogue service, definition version): a published version's messages
# never change, so their templates are looked up once per process.
_definition_templates: dict[tuple[int, str, int], DefinitionTemplates] = {}


def templates_for_definition(
    *,
    organisation_id: int,
    catalogue_slug: str,
    definition_version: int,
    title: str,
    reply_to: str,
    messages: dict[str, tuple[str, Words]],
) -> DefinitionTemplates:
    """The templates of a definition's messages (`messages`: name to template type and
    words), made or given a new version where the words changed, once per process for
    each published version."""
    key = (organisation_id, catalogue_slug, definition_version)
    found = _definition_templates.get(key)
    if found is not None:
        return found
    from civitas.notify.sending_services import ensure_sending_service

    sending_service = ensure_sending_service(
        organisation_id=organisation_id,
        catalogue_slug=catalogue_slug,
        name=title,
        reply_to_email=reply_to,
    )
    templates = {}
    for name, (template_type, words) in messages.items():
        template = save_definition_template(
            sending_service, message_name=name, template_type=template_type, words=words
        )
        templates[name] = (template, template.versions.get(version=template.version))
    found = DefinitionTemplates(sending_service=sending_service, templates=templates)
    if not transaction.get_connection().in_atomic_block:
        _definition_templates[key] = found
    else:
        # Made in a transaction that may yet roll back: remembered once it commits.
        transaction.on_commit(lambda: _definition_templates.setdefault(key, found))
    return found


def forget_definition_templates() -> None:
    """Forgets the templates found (tests: each has its own database)."""
    _definition_templates.clear()
