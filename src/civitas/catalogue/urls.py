from django.urls import path

from civitas.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility", views.content_page, {"page": "accessibility"}, name="accessibility"),
    path("privacy", views.privacy_notice, name="privacy"),
    path("cookies", views.content_page, {"page": "cookies"}, name="cookies"),
    path("feedback", views.content_page, {"page": "feedback"}, name="feedback"),
]
