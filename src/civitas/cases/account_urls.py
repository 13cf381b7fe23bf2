from django.urls import path

from civitas.cases import account_views

app_name = "your-account"

urlpatterns = [
    path("", account_views.account_home, name="home"),
    path("your-data", account_views.your_data_page, name="your-data"),
    path("your-data.json", account_views.your_data_download, name="your-data-download"),
]
