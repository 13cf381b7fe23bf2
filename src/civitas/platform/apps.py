from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "civitas.platform"
    label = "platform"
    verbose_name = "Platform kernel"

    def ready(self) -> None:
        from django.urls import register_converter

        from civitas.platform import checks  # noqa: F401  (registers the system check)
        from civitas.platform.references import ReferenceConverter

        register_converter(ReferenceConverter, "reference")
