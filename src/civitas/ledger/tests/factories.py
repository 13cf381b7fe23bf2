import factory
from django.db import transaction

from civitas.ledger.services import EntryReceipt, person_reference, record_entry


class LedgerEntryFactory(factory.Factory):
    """Entries written the one way the platform writes them: record_entry, in a transaction."""

    class Meta:
        model = EntryReceipt

    kind = "test.recorded"
    organisation = "Example Borough Council"
    role = "caseworker"
    subject = None
    payload = factory.Sequence(lambda n: {"number": n})

    class Params:
        about_a_resident = factory.Trait(
            subject=factory.LazyFunction(lambda: person_reference("resident@example.com"))
        )

    @classmethod
    def _create(cls, model_class: type, **fields: object) -> EntryReceipt:
        with transaction.atomic():
            return record_entry(**fields)
