from django.urls import path

from civitas.ledger import views

app_name = "ledger"

urlpatterns = [
    path("entries/<int:index>/", views.entry_page, name="entry"),
]
