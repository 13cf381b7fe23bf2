from django.urls import path

from civitas.cases import account_views

app_name = "your-account"

urlpatterns = [path("", account_views.account_home, name="home")]
