"""Problem details for HTTP APIs (RFC 9457): every API error has the same JSON shape."""

from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://civitas.example/problems/"


def problem_response(
    *,
    status: int,
    title: str,
    detail: str = "",
    problem_type: str = "about:blank",
    **extensions: Any,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": problem_type
        if problem_type.startswith(("about:", "http"))
        else PROBLEM_TYPE_BASE + problem_type,
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def wants_json(request: Any) -> bool:
    """API clients ask for JSON; browsers get pages."""
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept
