import factory
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message, SendingService, Template
from civitas.notify.templates import Words, save_template


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    organisation = factory.SubFactory(OrganisationFactory)
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    about = "ABC-DEF-GHJ"
    template = "submitted"
    recipient = "resident@example.com"
    subject = "Your application"
    body_text = "We have received your application.\n"
    body_html = "<p>We have received your application.</p>"
    created_at = factory.LazyFunction(timezone.now)
    retry_at = factory.LazyFunction(timezone.now)

    class Params:
        sent = factory.Trait(
            status=Message.Status.DELIVERED, sent_at=factory.LazyFunction(timezone.now), attempts=1
        )


class SendingServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SendingService

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Resident parking permits"
    catalogue_slug = ""
    reply_to_email = "parking@example.gov.uk"
    created_at = factory.LazyFunction(timezone.now)


def make_template(
    sending_service: SendingService,
    template_type: str = "email",
    *,
    body: str = "Dear ((name)),\n\nYour reference is ((reference)).",
    subject: str = "",
    welsh_body: str = "",
    welsh_subject: str = "",
    name: str = "Application received",
) -> Template:
    """A template of the service, saved as staff save one."""
    if not subject and template_type != "sms":
        subject = "About ((reference))"
    return save_template(
        sending_service,
        name=name,
        template_type=template_type,
        words=Words(body=body, subject=subject, welsh_body=welsh_body, welsh_subject=welsh_subject),
        created_by="test",
    )
