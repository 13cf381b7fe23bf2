from django.urls import path

from civitas.journeys import assisted

app_name = "assist"

urlpatterns = [
    path("", assisted.assist_list, name="list"),
    path("<slug:slug>/", assisted.assist_start, name="start"),
]
