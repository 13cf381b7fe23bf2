"""The Notify-compatible API, at the host's root as GOV.UK Notify's is: the official
clients drop any path in their `base_url` for /v2 calls."""

from django.urls import path

from civitas.notify import api

app_name = "notify_api"

urlpatterns = [
    path("v2/notifications/email", api.send_email, name="email"),
    path("v2/notifications/sms", api.send_sms, name="sms"),
    path("v2/notifications/letter", api.send_letter, name="letter"),
    path("v2/notifications", api.list_notifications, name="notifications"),
    path("v2/notifications/<str:notification_id>", api.get_notification, name="notification"),
    path("v2/notifications/<str:notification_id>/pdf", api.get_pdf, name="pdf"),
    path("v2/received-text-messages", api.list_received_texts, name="received_texts"),
    path("v2/templates", api.list_templates, name="templates"),
    path("v2/template/<str:template_id>", api.get_template, name="template"),
    path(
        "v2/template/<str:template_id>/version/<int:version>",
        api.get_template,
        name="template_version",
    ),
    path("v2/template/<str:template_id>/preview", api.preview_template, name="preview"),
    path(
        "service/<str:service_id>/template/<str:template_id>/versions",
        api.list_template_versions,
        name="template_versions",
    ),
]
