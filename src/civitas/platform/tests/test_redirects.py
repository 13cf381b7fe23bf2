"""`next` sends someone only to a path on this site."""

import pytest
from django.test import RequestFactory

from civitas.platform.redirects import next_url


@pytest.mark.parametrize(
    "given",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "http:/x",
    ],
)
def test_anywhere_else_is_the_default(given):
    request = RequestFactory().get("/", {"next": given})
    assert next_url(request, default="/home/") == "/home/"


def test_a_path_on_this_site_is_kept_from_the_query_or_the_form():
    assert next_url(RequestFactory().get("/", {"next": "/account/"}), default="/") == "/account/"
    assert next_url(RequestFactory().post("/", {"next": "/staff/"}), default="/") == "/staff/"


def test_no_next_is_the_default():
    assert next_url(RequestFactory().get("/"), default="/home/") == "/home/"
