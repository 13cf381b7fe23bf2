from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "civitas.catalogue"
    label = "catalogue"
    verbose_name = "Service catalogue"
