from django.urls import path

from civitas.cases import queue_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("queues/<slug:name>/", queue_views.queue, name="queue"),
    path("next", queue_views.take_next, name="take-next"),
    path("<reference:reference>/assign", queue_views.assign, name="assign"),
    path("search/", views.case_search, name="search"),
    path("<reference:reference>/", views.case_detail, name="detail"),
    path("<reference:reference>/message", views.case_message, name="message"),
    path("<reference:reference>/files/<str:token>/", views.case_file, name="file"),
]
