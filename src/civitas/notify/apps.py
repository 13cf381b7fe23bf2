from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "civitas.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from civitas.notify.services import requeue_due_messages
        from civitas.platform.periodic import register_periodic_job

        register_periodic_job("notify.requeue_due_messages", requeue_due_messages, every_seconds=1)
