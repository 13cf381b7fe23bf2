from django.urls import path

from . import api, pages

urlpatterns = [
    path("v1/payments", api.payments),
    path("v1/payments/<str:payment_id>", api.payment),
    path("v1/payments/<str:payment_id>/cancel", api.cancel),
    path("v1/payments/<str:payment_id>/events", api.events),
    path("v1/payments/<str:payment_id>/refunds", api.refunds),
    path("v1/payments/<str:payment_id>/refunds/<str:refund_id>", api.refund),
    path("v1/refunds", api.search_refunds),
    path("_sandbox/faults", api.set_faults),
    path("_sandbox/expire/<str:payment_id>", api.expire),
    path("secure", pages.secure_post),
    path("secure/<str:token>", pages.secure),
    path("card_details/<str:payment_id>", pages.card_details),
    path("card_details/<str:payment_id>/3ds", pages.three_ds),
    path("card_details/<str:payment_id>/confirm", pages.confirm),
    path("card_details/<str:payment_id>/cancel", pages.cancel),
]
