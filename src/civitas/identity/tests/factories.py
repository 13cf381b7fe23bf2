import factory
import pyotp
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civitas.identity.accounts import email_index
from civitas.identity.models import CitizenAccount, Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Example Borough Council unless told otherwise; the same record each time."""

    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    slug = "example-borough"
    name = "Example Borough Council"

    class Params:
        other_council = factory.Trait(slug="sample-district", name="Sample District Council")


PASSWORD = "correct horse battery staple"


class CitizenAccountFactory(factory.django.DjangoModelFactory):
    """A confirmed citizen's account with the password PASSWORD; traits name its states."""

    class Meta:
        model = CitizenAccount

    email = factory.Sequence(lambda n: f"citizen{n}@example.com")
    email_index = factory.LazyAttribute(lambda account: email_index(account.email))
    password = factory.LazyFunction(lambda: make_password(PASSWORD))
    email_verified_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)

    class Params:
        unconfirmed = factory.Trait(email_verified_at=None)
        with_two_factors = factory.Trait(
            totp_secret=factory.LazyFunction(pyotp.random_base32),
            totp_confirmed_at=factory.LazyFunction(timezone.now),
        )
