from django.urls import path

from civitas.insights import views

app_name = "performance"

urlpatterns = [
    path("services/<slug:slug>/", views.service_performance, name="service"),
    path(
        "organisations/<slug:organisation>/",
        views.organisation_performance,
        name="organisation",
    ),
]
