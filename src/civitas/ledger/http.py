"""HEAD wherever GET: every page and document of the log answers both (RFC 9110 §9.3.2).

A HEAD answer carries the status and headers GET would, Content-Length included, and no
body: monitors and caches ask with HEAD whether the log answers, and a 405 told them no.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


def get_or_head(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Allows GET and HEAD (405 otherwise); a HEAD answer is GET's without its body."""

    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method == "HEAD" and not response.streaming:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response

    return wrapped
