from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "civitas.ledger"
    label = "ledger"
    verbose_name = "Transparency log"
