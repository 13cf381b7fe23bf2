import factory
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message


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
