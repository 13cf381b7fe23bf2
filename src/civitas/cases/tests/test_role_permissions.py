"""Every role against every staff page, through the one permission check.

The table of who may do what is the specification: ROLE_PERMISSIONS must say exactly it,
and each staff route is tried by a member of staff in each role. A route added under
/staff/ without a row here fails `test_every_staff_route_is_in_the_table`.
"""

import base64

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.identity.models import Membership
from civitas.identity.permissions import READ_ONLY_PERMISSIONS, ROLE_PERMISSIONS
from civitas.platform.references import new_reference
from conftest import CASEWORKER_TOTP, make_staff
from tests.architecture.test_every_view_is_guarded import PUBLIC_ROUTES, _routes

OPEN_STAFF_ROUTES = {route for route in PUBLIC_ROUTES if route.startswith("staff/")}

SPEC = {
    "caseworker": {
        "cases.view",
        "cases.sensitive",
        "cases.decide",
        "cases.work",
        "cases.assist",
        "notify.view",
    },
    "team_leader": {
        "cases.view",
        "cases.sensitive",
        "cases.decide",
        "cases.work",
        "cases.assign",
        "cases.assist",
        "notify.view",
    },
    "service_owner": {
        "cases.view",
        "services.publish",
        "services.preview",
        "notify.templates",
        "insights.view",
        "insights.feedback",
        "insights.channels",
    },
    "finance": {"cases.view", "pay.view", "pay.refund"},
    "administrator": {
        "notify.view",
        "notify.templates",
        "staff.manage",
        "teams.manage",
        "services.preview",
    },
    "auditor": {"cases.view", "audit.view", "pay.view"},
}

CASE = new_reference()  # a well-formed reference of no case: allowed means "not found"
PAYMENT = "00000000-0000-4000-8000-000000000000"  # likewise, a payment id of no payment
DRAFT = "staff/preview/no-such-service/1/"
# route pattern -> (method, URL, the permission it needs; None: any role)
ROUTES = {
    "staff/": ("get", "/staff/", None),
    "staff/organisation": ("get", "/staff/organisation", "signed-in"),
    "staff/audit/": ("get", "/staff/audit/", "audit.view"),
    "staff/audit/export.csv": ("get", "/staff/audit/export.csv", "audit.view"),
    "staff/cases/": ("get", "/staff/cases/", "cases.view"),
    "staff/cases/search/": ("get", "/staff/cases/search/", "cases.view"),
    "staff/cases/queues/<slug:name>/": ("get", "/staff/cases/queues/mine/", "cases.view"),
    "staff/cases/queues/opinions/": ("get", "/staff/cases/queues/opinions/", "cases.view"),
    "staff/cases/queues/assign": ("post", "/staff/cases/queues/assign", "cases.assign"),
    "staff/cases/queues/<slug:name>/export.csv": (
        "get",
        "/staff/cases/queues/team/export.csv",
        "cases.assign",
    ),
    "staff/cases/next": ("post", "/staff/cases/next", "cases.work"),
    "staff/assist/": ("get", "/staff/assist/", "cases.assist"),
    "staff/assist/<slug:slug>/": ("post", "/staff/assist/no-such-service/", "cases.assist"),
    "staff/people/": ("get", "/staff/people/", "staff.manage"),
    "staff/people/<int:user_id>/deactivate": (
        "post",
        "/staff/people/999999/deactivate",
        "staff.manage",
    ),
    "staff/sign-out-everywhere": ("post", "/staff/sign-out-everywhere", "signed-in"),
    # Someone with an authenticator is sent on from here: it sets up a first one only.
    "staff/two-factor/set-up": ("get", "/staff/two-factor/set-up", "signed-in"),
    "staff/messages/": ("get", "/staff/messages/", "notify.view"),
    "staff/messages/<str:message_id>/": ("get", "/staff/messages/nothing/", "notify.view"),
    "staff/messages/services/": ("get", "/staff/messages/services/", "notify.templates"),
    "staff/messages/services/<str:service_id>/": (
        "get",
        "/staff/messages/services/nothing/",
        "notify.templates",
    ),
    "staff/messages/templates/<str:template_id>/": (
        "get",
        "/staff/messages/templates/nothing/",
        "notify.templates",
    ),
    "staff/payments/": ("get", "/staff/payments/", "pay.view"),
    "staff/performance/": ("get", "/staff/performance/", "insights.view"),
    # A service of no organisation: allowed means "not found".
    "staff/performance/<slug:slug>/": (
        "get",
        "/staff/performance/no-such-service/",
        "insights.view",
    ),
    "staff/performance/<slug:slug>/figures.csv": (
        "get",
        "/staff/performance/no-such-service/figures.csv",
        "insights.view",
    ),
    "staff/insights/feedback/": ("get", "/staff/insights/feedback/", "insights.feedback"),
    "staff/insights/channels/": ("get", "/staff/insights/channels/", "insights.channels"),
    # A service that is not the organisation's: allowed means "not found".
    "staff/insights/channels/<slug:slug>/": (
        "get",
        "/staff/insights/channels/no-such-service/",
        "insights.channels",
    ),
    "staff/insights/channels/<slug:slug>/volumes": (
        "post",
        "/staff/insights/channels/no-such-service/volumes",
        "insights.channels",
    ),
    "staff/insights/channels/<slug:slug>/costs": (
        "post",
        "/staff/insights/channels/no-such-service/costs",
        "insights.channels",
    ),
    "staff/payments/<uuid:payment_id>/": ("get", f"/staff/payments/{PAYMENT}/", "pay.view"),
    "staff/payments/<uuid:payment_id>/refund": (
        "post",
        f"/staff/payments/{PAYMENT}/refund",
        "pay.refund",
    ),
    # A day that is not one: the check, without asking the payment provider.
    "staff/payments/reconciliation/": (
        "get",
        "/staff/payments/reconciliation/?day=x",
        "pay.view",
    ),
    "staff/payments/reconciliation.csv": (
        "get",
        "/staff/payments/reconciliation.csv?day=x",
        "pay.view",
    ),
}
CASE_ROUTES = {  # the pattern after the case's reference -> (method, URL after it, permission)
    "assign": ("post", "assign", "cases.work"),
    "": ("get", "", "cases.view"),
    "sensitive": ("post", "sensitive", "cases.sensitive"),
    "message": ("get", "message", "cases.work"),
    "files/<str:token>/": ("get", "files/nothing/", "cases.view"),
    "notes/": ("post", "notes/", "cases.work"),
    "labels/": ("post", "labels/", "cases.work"),
    "opinions/": ("get", "opinions/", "cases.work"),
    "opinions/<int:request_id>/": ("get", "opinions/1/", "cases.work"),
    "telephone-payment/": ("post", "telephone-payment/", "cases.assist"),
    "telephone-payment/<str:payment_id>/": (
        "get",
        "telephone-payment/no-such-payment/",
        "cases.assist",
    ),
}
for tail, (method, url_tail, permission) in CASE_ROUTES.items():
    ROUTES[f"staff/cases/<reference:reference>/{tail}"] = (
        method,
        f"/staff/cases/{CASE}/{url_tail}",
        permission,
    )
PREVIEW = {
    "staff/preview/<slug:slug>/<int:version>/": "",
    "staff/preview/<slug:slug>/<int:version>/check-answers/": "check-answers/",
    "staff/preview/<slug:slug>/<int:version>/declaration/": "declaration/",
    "staff/preview/<slug:slug>/<int:version>/confirmation/<str:reference>/": "confirmation/X/",
    "staff/preview/<slug:slug>/<int:version>/privacy/": "privacy/",
    "staff/preview/<slug:slug>/<int:version>/timed-out/": "timed-out/",
    "staff/preview/<slug:slug>/<int:version>/keep-alive/": "keep-alive/",
    "staff/preview/<slug:slug>/<int:version>/<slug:page_id>/": "page/",
    "staff/preview/<slug:slug>/<int:version>/<slug:page_id>/<int:item>/": "page/1/",
    "staff/preview/<slug:slug>/<int:version>/<slug:page_id>/<int:item>/remove/": "page/1/remove/",
}
for pattern, tail in PREVIEW.items():
    ROUTES[pattern] = ("get", f"/{DRAFT}{tail}", "services.preview")


def test_the_roles_grant_exactly_the_specified_permissions():
    assert {role: set(granted) for role, granted in ROLE_PERMISSIONS.items()} == SPEC
    assert set(SPEC) == set(Membership.Role.values)


def test_the_auditor_holds_only_permissions_that_change_nothing():
    assert ROLE_PERMISSIONS[Membership.Role.AUDITOR] <= READ_ONLY_PERMISSIONS


def test_every_staff_route_is_in_the_table():
    staff_routes = {
        route
        for route, _ in _routes(__import__("django.urls").urls.get_resolver().url_patterns)
        if route.startswith("staff/") and route not in OPEN_STAFF_ROUTES
    }
    assert staff_routes == set(ROUTES)


@pytest.mark.parametrize("role", sorted(SPEC))
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_role_reaches_exactly_the_pages_its_permissions_allow(
    db, client, signed_in, role, route
):
    signed_in(make_staff(f"{role}@example.gov.uk", role))
    method, url, permission = ROUTES[route]
    response = getattr(client, method)(url)
    allowed = permission in (None, "signed-in") or permission in SPEC[role]
    if allowed:
        # Let through the check: the page, "not found" for the made-up case or draft, or
        # refused for the form it did not fill in.
        assert response.status_code in (200, 302, 400, 404, 409), response.status_code
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_someone_with_no_role_is_refused_everywhere(db, client, signed_in, route):
    outsider = make_staff("outsider@example.gov.uk", None)
    TOTPDevice.objects.create(
        user=outsider, name="a", confirmed=True, key=base64.b32decode(CASEWORKER_TOTP).hex()
    )
    signed_in(outsider)
    method, url, permission = ROUTES[route]
    response = getattr(client, method)(url)
    if permission == "signed-in":
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403
