from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "civitas.platform"
    label = "platform"
    verbose_name = "Platform kernel"

    def ready(self) -> None:
        from civitas.platform.periodic import register_periodic_job
        from civitas.platform.ratelimit import delete_ended_windows

        register_periodic_job(
            "platform.delete_ended_rate_limit_windows", delete_ended_windows, every_seconds=300
        )

        from civitas.platform.health import register_health_check
        from civitas.platform.heartbeat import check_workers

        # No live worker: no emails, no sweeps, no ledger integration.
        register_health_check("worker", check_workers)

        from django.urls import register_converter

        from civitas.platform.references import ReferenceConverter

        register_converter(ReferenceConverter, "reference")
