from django.urls import path

from civitas.notify import provider_views

app_name = "notify-providers"

urlpatterns = [
    path("firetext/receipts", provider_views.firetext_receipt, name="firetext-receipts"),
    path("firetext/inbound", provider_views.firetext_inbound, name="firetext-inbound"),
    path("mmg/receipts", provider_views.mmg_receipt, name="mmg-receipts"),
    path("mmg/inbound", provider_views.mmg_inbound, name="mmg-inbound"),
]
