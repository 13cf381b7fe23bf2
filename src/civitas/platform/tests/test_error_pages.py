"""Error pages never show a stack trace, a setting or the failing code, whatever failed.

The site's own URLs with one view that fails on purpose, served with DEBUG off as in
production: the answer is the GOV.UK error page (or a bare problem document for the API).
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path

SECRET_IN_THE_ERROR = "database password is hunter2 at /srv/civitas/settings.py"


def failing_view(request):
    local_secret = SECRET_IN_THE_ERROR  # a local variable, as Django's debug page shows them
    raise RuntimeError(local_secret)


urlpatterns = [
    path("broken/", failing_view),
    path("api/v1/broken", failing_view),
    path("", include("civitas.urls")),
]
handler400 = "civitas.platform.views.bad_request"
handler403 = "civitas.platform.views.permission_denied"
handler404 = "civitas.platform.views.page_not_found"
handler500 = "civitas.platform.views.server_error"

LEAKS = (
    SECRET_IN_THE_ERROR,
    "hunter2",
    "Traceback",
    "RuntimeError",
    "failing_view",
    "local_secret",
    "SECRET_KEY",
    "DATABASES",
    "INSTALLED_APPS",
    "Using the URLconf",
    "site-packages",
    "/src/civitas",
)


@pytest.fixture
def production_like(settings, db):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def _assert_nothing_leaks(body: str) -> None:
    for leak in (*LEAKS, settings.SECRET_KEY):
        assert leak not in body


def test_a_server_error_shows_the_govuk_page_and_nothing_of_the_error(production_like):
    response = production_like.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    _assert_nothing_leaks(body)


def test_an_api_server_error_is_a_bare_problem_document(production_like):
    response = production_like.get("/api/v1/broken", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "Internal server error"
    _assert_nothing_leaks(response.content.decode())


def test_a_missing_page_shows_the_govuk_page_and_not_the_url_list(production_like):
    response = production_like.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    _assert_nothing_leaks(body)
    assert "staff/cases" not in body


def test_a_planted_leak_would_be_caught(production_like, settings):
    # The same check against Django's own debug page shows it looks at the right things.
    settings.DEBUG = True
    body = production_like.get("/broken/").content.decode()
    with pytest.raises(AssertionError):
        _assert_nothing_leaks(body)
