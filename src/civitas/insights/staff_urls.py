from django.urls import path

from civitas.insights import views

app_name = "staff-performance"

urlpatterns = [
    path("", views.performance_index, name="index"),
    path("<slug:slug>/", views.performance_dashboard, name="dashboard"),
    path("<slug:slug>/figures.csv", views.performance_csv, name="csv"),
]
