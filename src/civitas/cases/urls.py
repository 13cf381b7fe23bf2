from django.urls import path

from civitas.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("search/", views.case_search, name="search"),
    path("<reference:reference>/", views.case_detail, name="detail"),
    path("<reference:reference>/files/<str:token>/", views.case_file, name="file"),
]
