from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "civitas.journeys"
    label = "journeys"
    verbose_name = "Citizen journeys"
