from django.urls import path

from civitas.identity import oidc_views

app_name = "identity-oidc"

urlpatterns = [
    path("", oidc_views.start, name="start"),
    path("return/", oidc_views.finish, name="return"),
]
