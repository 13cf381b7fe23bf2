from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "civitas.ledger"
    label = "ledger"
    verbose_name = "Transparency log"

    def ready(self) -> None:
        from civitas.ledger.services import integrate_pending, ledger_health
        from civitas.platform.health import register_health_check
        from civitas.platform.periodic import register_periodic_job

        # Every worker integrates; the tree state row lock keeps batches from overlapping.
        register_periodic_job("ledger.integrate_pending", integrate_pending, every_seconds=1)
        register_health_check("ledger", ledger_health)
