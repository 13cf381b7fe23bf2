from django.urls import path

from civitas.journeys import preview

app_name = "preview"

DRAFT = "<slug:slug>/<int:version>/"

urlpatterns = [
    path(DRAFT, preview.start, name="start"),
    path(DRAFT + "check-answers/", preview.check_answers, name="check-answers"),
    path(DRAFT + "declaration/", preview.declaration, name="declaration"),
    path(DRAFT + "confirmation/<str:reference>/", preview.confirmation, name="confirmation"),
    path(DRAFT + "<slug:page_id>/", preview.question_page, name="page"),
]
