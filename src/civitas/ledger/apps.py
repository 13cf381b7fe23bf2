from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "civitas.ledger"
    label = "ledger"
    verbose_name = "Transparency log"

    def ready(self) -> None:
        from civitas.ledger import checks  # noqa: F401  (registers the system check)
