from django.urls import path

from civitas.insights import channels_views

app_name = "channels"

urlpatterns = [
    path("", channels_views.service_list, name="list"),
    path("<slug:slug>/", channels_views.service_channels, name="service"),
    path("<slug:slug>/volumes", channels_views.enter_volumes, name="volumes"),
    path("<slug:slug>/costs", channels_views.set_costs, name="costs"),
]
