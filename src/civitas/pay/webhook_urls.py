from django.urls import path

from civitas.pay import webhook_views

app_name = "pay-webhooks"

urlpatterns = [
    path("govuk-pay/", webhook_views.govuk_pay_webhook, name="govuk-pay"),
]
