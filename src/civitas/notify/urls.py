from django.urls import path

from civitas.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("<str:message_id>/", views.message_detail, name="detail"),
]
