"""docs/openapi.yaml lists every path of the Notify-compatible API."""


def test_the_api_document_lists_every_path_of_the_notify_compatible_api():
    import re
    from pathlib import Path

    import yaml
    from django.urls import URLResolver

    from civitas.notify.api_urls import urlpatterns

    def routes(patterns: list, prefix: str = "") -> list[str]:
        found = []
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            found += (
                routes(pattern.url_patterns, route) if isinstance(pattern, URLResolver) else [route]
            )
        return found

    document = yaml.safe_load(
        (Path(__file__).resolve().parents[4] / "docs" / "openapi.yaml").read_text()
    )
    every = routes(urlpatterns)
    assert len(every) == 12
    for route in every:
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        assert path in document["paths"], path
