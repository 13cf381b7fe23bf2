"""The floor: a bare Django view with no middleware, served exactly like the app.

Every web figure is divided by this one, measured in the same round, because absolute
numbers on a shared machine drift by half between runs while the ratios hold.
"""

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "floor-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor"
DATABASES: dict = {}
USE_TZ = True


def hello(request: object) -> HttpResponse:
    return HttpResponse(b"Hello, floor. " * 6, content_type="text/plain")


urlpatterns = [path("", hello)]
