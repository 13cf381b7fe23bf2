from django.urls import path

from civitas.pay import views

app_name = "pay"

urlpatterns = [
    path("", views.payment_list, name="list"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation.csv", views.reconciliation_csv, name="reconciliation-csv"),
    path("<uuid:payment_id>/", views.payment_detail, name="detail"),
    path("<uuid:payment_id>/refund", views.refund_payment, name="refund"),
]
