from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "civitas.identity"
    label = "identity"
    verbose_name = "Identity and sign-in"
