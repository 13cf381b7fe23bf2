from django.urls import path

from civitas.cases import tracking_views

app_name = "tracking"

urlpatterns = [
    path("", tracking_views.track_start, name="start"),
    path("code/", tracking_views.track_code, name="code"),
    path("<reference:reference>/", tracking_views.track_application, name="application"),
]
