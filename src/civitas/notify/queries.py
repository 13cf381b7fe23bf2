"""Reading messages: always within one organisation."""

import uuid

from civitas.notify.models import Message

PAGE_SIZE = 50


def list_recent_messages(*, organisation_id: int) -> list[Message]:
    """The organisation's newest page of messages, by the (organisation, created_at, id)
    index; the bodies are not loaded."""
    return list(
        Message.objects.filter(organisation_id=organisation_id)
        .defer("body_text", "body_html")
        .order_by("-created_at", "-id")[:PAGE_SIZE]
    )


def list_messages_about(about: str, *, organisation_id: int) -> list[Message]:
    return list(
        Message.objects.filter(about=about, organisation_id=organisation_id)
        .defer("body_text", "body_html")
        .order_by("created_at")
    )


def find_message(message_id: str, *, organisation_id: int) -> Message | None:
    """The organisation's message with this id; None for any other, or a malformed id."""
    try:
        parsed = uuid.UUID(message_id)
    except ValueError:
        return None
    return Message.objects.filter(id=parsed, organisation_id=organisation_id).first()
