import datetime
from typing import Any

import factory
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.pay.models import Payment, Refund
from civitas.platform.references import new_reference


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment of Example Borough's parking permit fee; traits name its states. A
    `created_at` given is kept (the model would otherwise stamp it now)."""

    class Meta:
        model = Payment

    organisation = factory.SubFactory(OrganisationFactory)
    case_reference = factory.LazyFunction(new_reference)
    service_slug = "resident-parking-permit"
    amount_pence = 4000
    description = "Resident parking permit"
    cost_centre = "PK100"
    ledger_code = "4410"
    provider = "govuk_pay"
    provider_payment_id = factory.Sequence(lambda n: f"pay{n:06d}hu20sqlact5ha4ek0")
    status = Payment.Status.CREATED

    class Params:
        succeeded = factory.Trait(
            status=Payment.Status.SUCCESS,
            finished=True,
            outcome=Payment.Outcome.COUNTED,
            succeeded_at=factory.LazyFunction(timezone.now),
            card_brand="Visa",
            last_digits="4242",
        )
        failed = factory.Trait(status=Payment.Status.FAILED, finished=True, failure_code="P0010")
        by_telephone = factory.Trait(moto=True)

    @classmethod
    def _create(cls, model_class: type[Payment], *args: Any, **kwargs: Any) -> Payment:
        created_at: datetime.datetime | None = kwargs.pop("created_at", None)
        payment = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=payment.pk).update(created_at=created_at)
            payment.created_at = created_at
        return payment


class RefundFactory(factory.django.DjangoModelFactory):
    """A refund finance staff asked for, already made at the provider."""

    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory, succeeded=True)
    organisation = factory.LazyAttribute(lambda refund: refund.payment.organisation)
    amount_pence = 1000
    kind = Refund.Kind.STAFF
    reason = "Paid twice"
    status = Refund.Status.SUCCESS
    provider_refund_id = factory.Sequence(lambda n: f"rf{n:06d}c3rt0nbdv1g0sem2nq")

    @classmethod
    def _create(cls, model_class: type[Refund], *args: Any, **kwargs: Any) -> Refund:
        created_at: datetime.datetime | None = kwargs.pop("created_at", None)
        refund = super()._create(model_class, *args, **kwargs)
        Payment.objects.filter(pk=refund.payment_id).update(
            refunded_pence=refund.payment.refunded_pence + refund.amount_pence
        )
        refund.payment.refunded_pence += refund.amount_pence
        if created_at is not None:
            model_class.objects.filter(pk=refund.pk).update(created_at=created_at)
            refund.created_at = created_at
        return refund
