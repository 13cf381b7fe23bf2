from civitas.notify.models import Message

PAGE_SIZE = 50


def list_recent_messages() -> list[Message]:
    """The newest page of messages, read by the (created_at, id) index."""
    return list(Message.objects.order_by("-created_at", "-id")[:PAGE_SIZE])


def list_messages_about(about: str) -> list[Message]:
    return list(Message.objects.filter(about=about).order_by("created_at"))
