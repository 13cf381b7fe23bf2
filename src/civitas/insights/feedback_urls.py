from django.urls import path

from civitas.insights import feedback_views

app_name = "feedback"

urlpatterns = [
    path("problem", feedback_views.problem, name="problem"),
    path("thank-you", feedback_views.thanks, name="thanks"),
    path("<slug:organisation>/<slug:slug>/", feedback_views.satisfaction, name="satisfaction"),
]
