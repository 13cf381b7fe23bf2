"""A citizen's answers in progress, kept in their (encrypted, server-side) session."""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass
class Journey:
    slug: str
    version: int
    answers: dict[str, Any] = field(default_factory=dict)
    submitted_reference: str | None = None


def _key(slug: str) -> str:
    return f"journey:{slug}"


def load_journey(request: HttpRequest, slug: str) -> Journey | None:
    data = request.session.get(_key(slug))
    if not data:
        return None
    return Journey(
        slug=slug,
        version=data["version"],
        answers=data.get("answers", {}),
        submitted_reference=data.get("submitted_reference"),
    )


def save_journey(request: HttpRequest, journey: Journey) -> None:
    request.session[_key(journey.slug)] = {
        "version": journey.version,
        "answers": journey.answers,
        "submitted_reference": journey.submitted_reference,
    }
