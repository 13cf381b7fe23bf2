from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "civitas.rules"
    label = "rules"
    verbose_name = "Rules as code"
