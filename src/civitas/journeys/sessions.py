"""A citizen's answers in progress, kept in their (encrypted, server-side) session."""

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass
class Journey:
    service_path: str
    """The service's `organisation/slug`."""
    version: int
    answers: dict[str, Any] = field(default_factory=dict)
    submitted_reference: str | None = None
    active_at: float | None = None
    """When the citizen last did something (seconds since the epoch): a journey left
    alone for JOURNEY_TIMEOUT_MINUTES is deleted."""
    drafts: dict[str, Any] = field(default_factory=dict)
    """The items of a repeating group the citizen is still adding, by the group's page
    id: they become its answer when the citizen says they have no more to add."""
    key: str = field(default_factory=lambda: secrets.token_hex(16))
    """A random name for this journey alone, in its events (journeys/activity.py): not
    linked to the citizen, their account or their session, and gone with the journey."""

    @property
    def is_new(self) -> bool:
        """Not yet kept in the session: the citizen has only just arrived."""
        return self.active_at is None


def _key(service_path: str) -> str:
    return f"journey:{service_path}"


def load_journey(request: HttpRequest, service_path: str) -> Journey | None:
    data = request.session.get(_key(service_path))
    if not data:
        return None
    return Journey(
        service_path=service_path,
        version=data["version"],
        answers=data.get("answers", {}),
        submitted_reference=data.get("submitted_reference"),
        active_at=data.get("active_at"),
        drafts=data.get("drafts", {}),
        # A journey begun before journeys had keys is given one now.
        **({"key": data["key"]} if data.get("key") else {}),
    )


def save_journey(request: HttpRequest, journey: Journey) -> None:
    journey.active_at = time.time()
    request.session[_key(journey.service_path)] = {
        "active_at": journey.active_at,
        "version": journey.version,
        "answers": journey.answers,
        "submitted_reference": journey.submitted_reference,
        "drafts": journey.drafts,
        "key": journey.key,
    }


def forget_journey(request: HttpRequest, service_path: str) -> None:
    request.session[_key(service_path)] = None
