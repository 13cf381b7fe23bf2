from django.urls import path

from civitas.insights import feedback_views

app_name = "feedback-staff"

urlpatterns = [
    path("", feedback_views.comments, name="comments"),
]
