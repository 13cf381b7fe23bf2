from django.urls import path

from civitas.insights import api

app_name = "performance-api"

urlpatterns = [
    path("performance/<slug:slug>", api.performance, name="service"),
    path("performance/<slug:slug>.csv", api.performance_csv, name="service-csv"),
]
