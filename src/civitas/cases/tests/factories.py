import datetime

import factory
from django.utils import timezone

from civitas.cases.models import Case
from civitas.identity.tests.factories import OrganisationFactory
from civitas.platform.references import new_reference

ANSWERS = {
    "address": "12 Station Road\nEastbury\nEB1 1AA",
    "zone": "A",
    "registration": "CU57ABC",
    "co2_band": "B",
    "permit_months": "12",
    "start_date": "2026-12-01",
    "permits_in_household": "0",
    "has_blue_badge": "no",
    "email": "resident@example.com",
    "phone": None,
}


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.LazyFunction(new_reference)
    organisation = factory.SubFactory(OrganisationFactory)
    service_slug = "resident-parking-permit"
    service_version = 1
    answers = factory.LazyFunction(lambda: dict(ANSWERS))
    fee_pence = 10500
    submitted_at = factory.Sequence(lambda n: timezone.now() - datetime.timedelta(minutes=n))

    class Params:
        approved = factory.Trait(status="approved", decided_at=factory.LazyFunction(timezone.now))
        refused = factory.Trait(
            status="refused",
            decided_at=factory.LazyFunction(timezone.now),
            decision_reason="Not in a zone",
        )
