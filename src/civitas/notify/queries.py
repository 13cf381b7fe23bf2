from civitas.notify.models import Message

PAGE_SIZE = 50


def list_recent_messages(*, before: tuple | None = None) -> list[Message]:
    """Newest first, paginated by key (created_at, id) so it stays fast on a big table."""
    messages = Message.objects.order_by("-created_at", "-id")
    if before:
        created_at, message_id = before
        messages = messages.filter(created_at__lt=created_at) | messages.filter(
            created_at=created_at, id__lt=message_id
        )
    return list(messages[:PAGE_SIZE])


def list_messages_about(about: str) -> list[Message]:
    return list(Message.objects.filter(about=about).order_by("created_at"))
