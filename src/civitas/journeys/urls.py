from django.urls import path

from civitas.journeys import views

app_name = "journeys"

urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/check-answers/", views.check_answers, name="check-answers"),
    path("<slug:slug>/declaration/", views.declaration, name="declaration"),
    path("<slug:slug>/confirmation/<str:reference>/", views.confirmation, name="confirmation"),
    path("<slug:slug>/<slug:page_id>/", views.question_page, name="page"),
]
