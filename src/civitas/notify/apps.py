from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "civitas.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from civitas.notify import checks  # noqa: F401  (registers the system check)
        from civitas.notify.health import check_messages, check_smtp
        from civitas.notify.services import requeue_due_messages
        from civitas.platform.health import register_health_check
        from civitas.platform.periodic import register_periodic_job

        register_periodic_job("notify.requeue_due_messages", requeue_due_messages, every_seconds=1)
        register_health_check("messages", check_messages)
        # An unreachable relay is retried with back-off; it becomes critical as "messages".
        register_health_check("smtp", check_smtp, critical=False)
