from django.urls import include, path

urlpatterns = [
    # The busiest routes first: Django tries the patterns in order, and each include that
    # does not match costs a raised exception. Nothing below starts with their prefixes
    # (services/, api/, v2/, service/), so the order changes no route
    # (tests/architecture/test_busiest_routes_come_first.py).
    path("services/", include("civitas.journeys.urls")),
    path("api/v1/", include("civitas.journeys.api_urls")),
    path("api/v1/ledger/", include("civitas.ledger.api_urls")),
    path("api/v1/", include("civitas.insights.api_urls")),
    # GOV.UK Notify's v2 API, at the root where its clients call it.
    path("", include("civitas.notify.api_urls")),
    path("", include("civitas.platform.urls")),
    path("", include("civitas.catalogue.urls")),
    path("applications/", include("civitas.cases.tracking_urls")),
    path("account/", include("civitas.cases.account_urls")),
    path("account/", include("civitas.journeys.account_urls")),
    path("account/", include("civitas.identity.account_urls")),
    path("staff/preview/", include("civitas.journeys.preview_urls")),
    path("staff/assist/", include("civitas.journeys.assist_urls")),
    path("staff/", include("civitas.identity.urls")),
    path("account/sign-in/identity-provider/", include("civitas.identity.oidc_urls")),
    path("staff/cases/", include("civitas.cases.urls")),
    path("staff/messages/", include("civitas.notify.urls")),
    path("staff/payments/", include("civitas.pay.urls")),
    path("staff/performance/", include("civitas.insights.staff_urls")),
    path("performance/", include("civitas.insights.urls")),
    path("feedback/", include("civitas.insights.feedback_urls")),
    path("staff/insights/feedback/", include("civitas.insights.feedback_staff_urls")),
    path("staff/insights/channels/", include("civitas.insights.channels_urls")),
    path("notify/providers/", include("civitas.notify.provider_urls")),
    path("pay/webhooks/", include("civitas.pay.webhook_urls")),
    path("ledger/", include("civitas.ledger.urls")),
]

handler400 = "civitas.platform.views.bad_request"
handler403 = "civitas.platform.views.permission_denied"
handler404 = "civitas.platform.views.page_not_found"
handler500 = "civitas.platform.views.server_error"
