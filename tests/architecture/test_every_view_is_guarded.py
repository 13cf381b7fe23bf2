"""Every view goes through the one permission check, or is named here as public.

A staff view that forgets `staff_member_required` would show every organisation's data
to anyone signed in; an API endpoint that forgets `api_key_required` would answer anyone
on the internet. So every URL pattern is walked: its view must carry the mark one of the
two checks sets, or its route must be in PUBLIC_ROUTES below, written out one by one, so
that making a page public is a line someone reads in review.
"""

import types

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path

from civitas.identity.permissions import STAFF_PERMISSION_ATTRIBUTE
from civitas.identity.public import API_KEY_ATTRIBUTE

PUBLIC_ROUTES = {
    # The platform's own pages.
    "healthz",
    "language/<str:language>/",
    "",
    "accessibility",
    "privacy",
    "cookies",
    "feedback",
    # Feedback from citizens (insights): anonymous, rate limited, scrubbed before stored.
    "feedback/problem",
    "feedback/thank-you",
    "feedback/<slug:organisation>/<slug:slug>/",
    # Citizens' journeys: anyone may apply; a journey's answers live in its own session.
    "services/<slug:slug>/",
    "services/<slug:organisation>/<slug:slug>/",
    "services/<slug:organisation>/<slug:slug>/check-answers/",
    "services/<slug:organisation>/<slug:slug>/declaration/",
    "services/<slug:organisation>/<slug:slug>/privacy/",
    "services/<slug:organisation>/<slug:slug>/confirmation/<str:reference>/",
    # A case's payment page and the provider's return: the link's keyed token is the
    # capability (whoever holds it may pay the fee, nothing more).
    "services/<slug:organisation>/<slug:slug>/pay/<str:reference>/<str:token>/",
    "services/<slug:organisation>/<slug:slug>/pay/<str:reference>/<str:token>/return/<str:payment_id>/",
    "services/<slug:organisation>/<slug:slug>/save/",
    "services/<slug:organisation>/<slug:slug>/return/<str:token>/",
    "services/<slug:organisation>/<slug:slug>/timed-out/",
    "services/<slug:organisation>/<slug:slug>/keep-alive/",
    "services/<slug:organisation>/<slug:slug>/<slug:page_id>/",
    "services/<slug:organisation>/<slug:slug>/<slug:page_id>/<int:item>/",
    "services/<slug:organisation>/<slug:slug>/<slug:page_id>/<int:item>/remove/",
    # "Track your application": opened by a code emailed to the applicant.
    "applications/",
    "applications/code/",
    "applications/<reference:reference>/",
    # Citizens' accounts (decision 38): signing up and in, and links opened by their
    # single-use tokens. The pages of a signed-in citizen find their account in the session
    # themselves and show that account's data only; they carry no mark of their own yet.
    "account/",
    "account/your-data",
    "account/your-data.json",
    "account/create",
    "account/check-your-email",
    "account/confirm/<str:token>/",
    "account/sign-in",
    "account/sign-in/code",
    "account/sign-in/email-link",
    "account/sign-in/link/<str:token>/",
    "account/sign-out",
    "account/sign-out-everywhere",
    "account/keep-alive",
    "account/timed-out",
    "account/saved",
    "account/saved/<uuid:saved_id>/",
    "account/reset-password",
    "account/reset-password/<str:token>/",
    "account/two-factor",
    "account/password",
    "account/email",
    "account/contact",
    "account/email/confirm/<str:token>/",
    # Staff pages that work before signing in, or end a session.
    "staff/sign-in",
    "staff/sign-in/code",
    "staff/sign-out",
    "staff/keep-alive",
    "staff/timed-out",
    # Single sign-on through the organisation's provider, in place of the password.
    "staff/sign-in/organisation/<slug:organisation>/",
    "staff/sign-in/organisation-return/",
    # Citizens signing in through the national identity provider.
    "account/sign-in/identity-provider/",
    "account/sign-in/identity-provider/return/",
    # Opened by the single-use secret in an invitation's link.
    "staff/invite/<str:secret>",
    # The catalogue of live services, which their start pages show anyway.
    "api/v1/services",
    "api/v1/services/<slug:organisation>/<slug:slug>",
    # The transparency log is public by design: anyone may verify it.
    "api/v1/ledger/checkpoint",
    "api/v1/ledger/checkpoint/witnessed",
    "api/v1/ledger/key",
    "api/v1/ledger/status",
    "api/v1/ledger/entries",
    "api/v1/ledger/entries/<str:index>",
    "api/v1/ledger/proofs/inclusion",
    "api/v1/ledger/proofs/consistency",
    "api/v1/ledger/promises/check",
    "api/v1/ledger/tile/<path:path>",
    "ledger/entries/<int:index>/",
    # The SMS gateways' receipts and received texts: each checks the gateway's own
    # credentials (HTTP basic auth), as no staff member or API key posts them.
    "notify/providers/firetext/receipts",
    "notify/providers/firetext/inbound",
    "notify/providers/mmg/receipts",
    "notify/providers/mmg/inbound",
    # Services' performance and its open data: public by design, small numbers suppressed
    # (decision 0059).
    "performance/services/<slug:slug>/",
    "performance/organisations/<slug:organisation>/",
    "api/v1/performance/<slug:slug>",
    "api/v1/performance/<slug:slug>.csv",
    # The payment provider's webhook: checked by its signature (Pay-Signature).
    "pay/webhooks/govuk-pay/",
}
GUARD_MARKS = (STAFF_PERMISSION_ATTRIBUTE, API_KEY_ATTRIBUTE)


def _routes(patterns: list, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def unguarded_views(urlconf: object = None) -> list[str]:
    return [
        route
        for route, view in _routes(get_resolver(urlconf).url_patterns)
        if route not in PUBLIC_ROUTES and not any(hasattr(view, mark) for mark in GUARD_MARKS)
    ]


def test_every_view_goes_through_the_permission_check_or_is_listed_as_public():
    assert unguarded_views() == []


def test_every_public_route_still_exists():
    # A route removed or renamed leaves its line here, which could let a new view of the
    # same route in unguarded: the list names routes that exist, and nothing else.
    routes = {route for route, _ in _routes(get_resolver().url_patterns)}
    assert PUBLIC_ROUTES - routes == set()


def test_no_staff_page_other_than_signing_in_is_public():
    assert {route for route in PUBLIC_ROUTES if route.startswith("staff/")} == {
        "staff/sign-in",
        "staff/sign-in/code",
        "staff/sign-out",
        "staff/keep-alive",
        "staff/timed-out",
        "staff/invite/<str:secret>",
        "staff/sign-in/organisation/<slug:organisation>/",
        "staff/sign-in/organisation-return/",
    }


def _planted(request):
    return HttpResponse("every organisation's cases")


def _with(route: str) -> types.ModuleType:
    urlconf = types.ModuleType("planted_urls")
    urlconf.urlpatterns = [*get_resolver().url_patterns, path(route, _planted)]
    return urlconf


def test_the_guard_catches_a_staff_view_that_skips_the_check():
    assert unguarded_views(_with("staff/planted/")) == ["staff/planted/"]


def test_the_guard_catches_an_api_endpoint_that_skips_the_key_check():
    assert unguarded_views(_with("api/v1/planted")) == ["api/v1/planted"]


def test_the_guard_catches_a_new_public_page_nobody_listed():
    assert unguarded_views(_with("planted")) == ["planted"]
