from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "civitas.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from civitas.notify import checks  # noqa: F401  (registers the system check)
