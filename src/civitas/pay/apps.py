from django.apps import AppConfig


class PayConfig(AppConfig):
    name = "civitas.pay"
    label = "pay"
    verbose_name = "Payments"
