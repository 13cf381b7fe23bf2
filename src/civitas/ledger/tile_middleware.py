"""Serves the log's tiles as WhiteNoise serves static files: before sessions, CSRF,
authentication and URL resolution, none of which a public, immutable file needs.

Mirrors and tlog clients fetch tiles by the thousand, and a tile should cost about what
a static file of the same size does. The route in api_urls.py names the same view, so
the URL map still lists it; this only takes the short way to it.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from civitas.ledger import tile_api


class TileMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.prefix is None:
            # The route's own prefix, so the two can never disagree.
            self.prefix = reverse("ledger-api:tile", kwargs={"path": "0"}).removesuffix("0")
        if request.path.startswith(self.prefix):
            return tile_api.tile(request, path=request.path.removeprefix(self.prefix))
        return self.get_response(request)
