"""The APIs' routes are tried first (civitas/urls.py), which is only safe while no other
route starts with their prefixes: otherwise moving them would have shadowed it."""

from django.urls import URLPattern, URLResolver, get_resolver

# GOV.UK Notify's API also has one route under "service/" (its template versions).
API_PREFIXES = ("api/", "v2/", "service/")


def _routes(patterns: list, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def test_the_api_routes_are_tried_before_every_other_route():
    top = [str(pattern.pattern) for pattern in get_resolver().url_patterns]
    api_includes = [
        index
        for index, pattern in enumerate(get_resolver().url_patterns)
        if any(route.startswith(API_PREFIXES) for route in _routes([pattern]))
    ]

    assert api_includes == list(range(len(api_includes))), top


def test_no_route_outside_the_apis_starts_with_an_api_prefix():
    patterns = get_resolver().url_patterns
    api_includes = [
        pattern
        for pattern in patterns
        if all(route.startswith(API_PREFIXES) for route in _routes([pattern]))
    ]
    others = [pattern for pattern in patterns if pattern not in api_includes]

    assert not [route for route in _routes(others) if route.startswith(API_PREFIXES)]
