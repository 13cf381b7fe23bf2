from django.urls import path

from civitas.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("services/", views.sending_service_list, name="services"),
    path("services/<str:service_id>/", views.sending_service_detail, name="service"),
    path("templates/<str:template_id>/", views.template_detail, name="template"),
    path("<str:message_id>/", views.message_detail, name="detail"),
]
