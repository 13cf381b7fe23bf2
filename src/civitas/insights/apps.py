from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "civitas.insights"
    label = "insights"
    verbose_name = "Performance insights"
