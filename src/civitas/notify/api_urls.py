"""The Notify-compatible API, at the host's root as GOV.UK Notify's is: the official
clients drop any path in their `base_url` for /v2 calls."""

from django.urls import include, path

from civitas.notify import api

app_name = "notify_api"

# Under one "v2/" include, so that a request for any other page passes these routes with
# one failed prefix match rather than trying each (civitas/urls.py puts them early).
v2_patterns = [
    path("notifications/email", api.send_email, name="email"),
    path("notifications/sms", api.send_sms, name="sms"),
    path("notifications/letter", api.send_letter, name="letter"),
    path("notifications", api.list_notifications, name="notifications"),
    path("notifications/<str:notification_id>", api.get_notification, name="notification"),
    path("notifications/<str:notification_id>/pdf", api.get_pdf, name="pdf"),
    path("received-text-messages", api.list_received_texts, name="received_texts"),
    path("templates", api.list_templates, name="templates"),
    path("template/<str:template_id>", api.get_template, name="template"),
    path(
        "template/<str:template_id>/version/<int:version>",
        api.get_template,
        name="template_version",
    ),
    path("template/<str:template_id>/preview", api.preview_template, name="preview"),
]

urlpatterns = [
    path("v2/", include(v2_patterns)),
    path(
        "service/<str:service_id>/template/<str:template_id>/versions",
        api.list_template_versions,
        name="template_versions",
    ),
]
