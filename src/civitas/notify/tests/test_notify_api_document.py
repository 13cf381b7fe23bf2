"""docs/openapi.yaml lists every path of the Notify-compatible API."""


def test_the_api_document_lists_every_path_of_the_notify_compatible_api():
    import re
    from pathlib import Path

    import yaml

    from civitas.notify.api_urls import urlpatterns

    document = yaml.safe_load(
        (Path(__file__).resolve().parents[4] / "docs" / "openapi.yaml").read_text()
    )
    for pattern in urlpatterns:
        route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        assert route in document["paths"], route
