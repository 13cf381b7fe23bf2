from django.urls import path

from civitas.journeys import api

app_name = "api"

urlpatterns = [
    path("services", api.list_services, name="services"),
    path("services/<slug:organisation>/<slug:slug>", api.service_detail, name="service"),
    path("services/<slug:organisation>/<slug:slug>/applications", api.submit, name="submit"),
    path("applications/<str:reference>", api.application_status, name="application"),
]
