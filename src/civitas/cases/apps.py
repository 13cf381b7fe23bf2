from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civitas.cases"
    label = "cases"
    verbose_name = "Cases"
