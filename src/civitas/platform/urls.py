from django.urls import path

from civitas.platform import views

app_name = "platform"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("language/<str:language>/", views.switch_language, name="language"),
]
