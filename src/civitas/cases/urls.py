from django.urls import path

from civitas.cases import (
    case_work_views,
    queue_views,
    team_views,
    telephone_payment_views,
    views,
)

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("queues/opinions/", team_views.opinions_queue, name="opinions-queue"),
    path("queues/assign", team_views.bulk_assign, name="bulk-assign"),
    path("queues/<slug:name>/", queue_views.queue, name="queue"),
    path("queues/<slug:name>/export.csv", team_views.export_csv, name="queue-export"),
    path("next", queue_views.take_next, name="take-next"),
    path("<reference:reference>/assign", queue_views.assign, name="assign"),
    path("search/", views.case_search, name="search"),
    path("<reference:reference>/", views.case_detail, name="detail"),
    path("<reference:reference>/message", views.case_message, name="message"),
    path("<reference:reference>/sensitive", views.case_sensitive_answers, name="sensitive-answers"),
    path("<reference:reference>/files/<str:token>/", views.case_file, name="file"),
    path(
        "<reference:reference>/telephone-payment/",
        telephone_payment_views.take_telephone_payment,
        name="telephone-payment",
    ),
    path(
        "<reference:reference>/telephone-payment/<str:payment_id>/",
        telephone_payment_views.telephone_payment_return,
        name="telephone-payment-return",
    ),
    path("<reference:reference>/notes/", case_work_views.notes, name="notes"),
    path("<reference:reference>/labels/", case_work_views.labels, name="labels"),
    path("<reference:reference>/opinions/", case_work_views.request_opinion, name="opinions"),
    path(
        "<reference:reference>/opinions/<int:request_id>/",
        case_work_views.answer_opinion,
        name="opinion",
    ),
]
