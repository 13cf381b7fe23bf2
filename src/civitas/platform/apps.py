from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "civitas.platform"
    label = "platform"
    verbose_name = "Platform kernel"
