"""The policy written out once per process is the one django-csp builds, nonce and all;
responses that change the policy, and settings it does not handle, go through django-csp."""

import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from civitas.platform.middleware import ContentSecurityPolicyMiddleware


def _respond(view=None, *, read_nonce: bool = True):
    """Runs a request through the middleware to `view`; returns the request, the response
    and the nonce the page read (as its template would), if it read one."""
    view = view or (lambda request: HttpResponse())
    nonce = {}

    def page(request):
        if read_nonce:
            nonce["value"] = str(request.csp_nonce)
        return view(request)

    request = RequestFactory().get("/")
    response = ContentSecurityPolicyMiddleware(page)(request)
    return request, response, nonce.get("value")


def _directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";")}


def test_the_header_is_the_policy_django_csp_builds_with_the_pages_nonce():
    _, response, nonce = _respond()

    assert nonce
    assert _directives(response["Content-Security-Policy"]) == _directives(
        build_policy(nonce=nonce)
    )
    assert f"script-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_a_page_that_never_read_the_nonce_gets_the_policy_without_one():
    request, response, _ = _respond(read_nonce=False)

    assert "nonce-" not in response["Content-Security-Policy"]
    assert _directives(response["Content-Security-Policy"]) == _directives(build_policy())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_each_response_has_its_own_nonce():
    _, first, first_nonce = _respond()
    _, second, second_nonce = _respond()

    assert first_nonce != second_nonce
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]


def test_a_view_that_widens_the_policy_is_written_by_django_csp():
    @csp_update({"img-src": ["https://tiles.example.org"]})
    def map_page(request):
        return HttpResponse()

    _, response, _ = _respond(map_page)

    assert "https://tiles.example.org" in response["Content-Security-Policy"]


def test_an_exempt_view_gets_no_policy():
    @csp_exempt()
    def exempt(request):
        return HttpResponse()

    _, response, _ = _respond(exempt)

    assert "Content-Security-Policy" not in response


def test_a_changed_setting_is_written_at_once():
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [SELF], "script-src": [NONCE]}}
    ):
        _, response, nonce = _respond()

    assert _directives(response["Content-Security-Policy"]) == {
        "default-src 'self'",
        f"script-src 'nonce-{nonce}'",
    }
    _, response, _ = _respond()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_report_only_policy_is_written_too():
    report_only = {"DIRECTIVES": {"default-src": [SELF], "report-uri": "/csp-reports/"}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only):
        _, response, _ = _respond()

    assert "report-uri /csp-reports/" in response["Content-Security-Policy-Report-Only"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
