import factory

from civitas.identity.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Example Borough Council unless told otherwise; the same record each time."""

    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    slug = "example-borough"
    name = "Example Borough Council"

    class Params:
        other_council = factory.Trait(slug="sample-district", name="Sample District Council")
