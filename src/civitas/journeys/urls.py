from django.urls import path

from civitas.journeys import payment_views, repeat_views, returning, views

app_name = "journeys"

# A service is named by its organisation and its own slug (docs/decisions/0007).
SERVICE = "<slug:organisation>/<slug:slug>/"

urlpatterns = [
    path("<slug:slug>/", views.find_service, name="find"),
    path(SERVICE, views.start, name="start"),
    path(SERVICE + "check-answers/", views.check_answers, name="check-answers"),
    path(SERVICE + "declaration/", views.declaration, name="declaration"),
    path(SERVICE + "privacy/", views.privacy_notice, name="privacy"),
    path(SERVICE + "confirmation/<str:reference>/", views.confirmation, name="confirmation"),
    path(SERVICE + "pay/<str:reference>/<str:token>/", payment_views.pay, name="pay"),
    path(
        SERVICE + "pay/<str:reference>/<str:token>/return/<str:payment_id>/",
        payment_views.payment_return,
        name="payment-return",
    ),
    path(SERVICE + "save/", returning.save_for_later, name="save"),
    path(SERVICE + "return/<str:token>/", returning.return_to_saved, name="return"),
    path(SERVICE + "timed-out/", returning.timed_out, name="timed-out"),
    path(SERVICE + "keep-alive/", returning.keep_alive, name="keep-alive"),
    path(SERVICE + "<slug:page_id>/", views.question_page, name="page"),
    path(SERVICE + "<slug:page_id>/<int:item>/", repeat_views.repeat_item, name="item"),
    path(
        SERVICE + "<slug:page_id>/<int:item>/remove/", repeat_views.remove_item, name="remove-item"
    ),
]
