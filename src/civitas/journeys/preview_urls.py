from django.urls import path

from civitas.journeys import preview

app_name = "preview"

DRAFT = "<slug:slug>/<int:version>/"

urlpatterns = [
    path(DRAFT, preview.start, name="start"),
    path(DRAFT + "check-answers/", preview.check_answers, name="check-answers"),
    path(DRAFT + "declaration/", preview.declaration, name="declaration"),
    path(DRAFT + "confirmation/<str:reference>/", preview.confirmation, name="confirmation"),
    path(DRAFT + "privacy/", preview.privacy_notice, name="privacy"),
    path(DRAFT + "timed-out/", preview.timed_out, name="timed-out"),
    path(DRAFT + "keep-alive/", preview.keep_alive, name="keep-alive"),
    path(DRAFT + "<slug:page_id>/", preview.question_page, name="page"),
    path(DRAFT + "<slug:page_id>/<int:item>/", preview.repeat_item, name="item"),
    path(DRAFT + "<slug:page_id>/<int:item>/remove/", preview.remove_item, name="remove-item"),
]
