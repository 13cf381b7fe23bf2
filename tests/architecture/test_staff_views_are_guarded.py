"""Every staff page goes through the one organisation-aware permission check.

A staff view that forgets `staff_member_required` would show every organisation's data
to anyone signed in, so a new URL under /staff/ fails this test until it is wrapped.
"""

import types

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path

from civitas.identity.permissions import STAFF_PERMISSION_ATTRIBUTE

# Pages that must work before anyone is signed in, or that end a session.
OPEN_STAFF_ROUTES = {
    "staff/sign-in",
    "staff/sign-in/code",
    "staff/sign-out",
    # Single sign-on through the organisation's provider, in place of the password.
    "staff/sign-in/organisation/<slug:organisation>/",
    "staff/sign-in/organisation-return/",
}


def _routes(patterns: list, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def unguarded_staff_views(urlconf: object = None) -> list[str]:
    return [
        route
        for route, view in _routes(get_resolver(urlconf).url_patterns)
        if route.startswith("staff/")
        and route not in OPEN_STAFF_ROUTES
        and not hasattr(view, STAFF_PERMISSION_ATTRIBUTE)
    ]


def test_every_staff_view_goes_through_the_permission_check():
    assert unguarded_staff_views() == []


def test_the_guard_catches_a_staff_view_that_skips_the_check():
    def planted(request):
        return HttpResponse("every organisation's cases")

    urlconf = types.ModuleType("planted_urls")
    urlconf.urlpatterns = [
        *get_resolver().url_patterns,
        path("staff/planted/", planted),
    ]
    assert unguarded_staff_views(urlconf) == ["staff/planted/"]
