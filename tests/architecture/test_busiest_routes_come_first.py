"""The busiest routes are tried first (civitas/urls.py), which is only safe while no other
route starts with their prefixes: otherwise moving them would have shadowed it."""

from django.urls import URLPattern, URLResolver, get_resolver

# The citizen's journeys, the platform's API, and GOV.UK Notify's (which has one route under
# "service/", its template versions, beside "v2/").
BUSIEST_PREFIXES = ("services/", "api/", "v2/", "service/")


def _routes(patterns: list, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def _is_busiest(pattern: URLPattern | URLResolver) -> bool:
    return all(route.startswith(BUSIEST_PREFIXES) for route in _routes([pattern]))


def test_the_busiest_routes_are_tried_before_every_other_route():
    patterns = get_resolver().url_patterns
    busiest = [index for index, pattern in enumerate(patterns) if _is_busiest(pattern)]

    assert busiest == list(range(len(busiest)))
    assert len(busiest) >= 5


def test_no_other_route_starts_with_a_busiest_prefix():
    others = [pattern for pattern in get_resolver().url_patterns if not _is_busiest(pattern)]

    assert not [route for route in _routes(others) if route.startswith(BUSIEST_PREFIXES)]
