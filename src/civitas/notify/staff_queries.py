"""What the staff pages of the messaging component read: always within one organisation."""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from civitas.notify.models import Message, SendingService, Template

PAGE_SIZE = 50


@dataclass(frozen=True)
class Usage:
    """A sending service's messages today against its limits."""

    channel: str
    sent_today: int
    daily_limit: int

    @property
    def share(self) -> int:
        """Per cent of the day's limit used, rounded down."""
        return self.sent_today * 100 // self.daily_limit if self.daily_limit else 0


def list_sending_services(organisation_id: int) -> list[SendingService]:
    return list(SendingService.objects.filter(organisation_id=organisation_id).order_by("name"))


def usage_today(service: SendingService) -> list[Usage]:
    """Messages made today for each channel, by the (sending service, created_at) index;
    test keys' messages do not count, as in Notify."""
    midnight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min)
    )
    counts = dict(
        Message.objects.filter(sending_service=service, created_at__gte=midnight)
        .exclude(key_type=Message.KeyType.TEST)
        .values_list("channel")
        .annotate(count=Count("id"))
        .values_list("channel", "count")
    )
    limits = {
        Message.Channel.EMAIL: service.email_daily_limit,
        Message.Channel.SMS: service.sms_daily_limit,
        Message.Channel.LETTER: service.letter_daily_limit,
    }
    return [Usage(channel, counts.get(channel, 0), limit) for channel, limit in limits.items()]


def list_templates(service: SendingService) -> list[Template]:
    return list(service.templates.order_by("archived", "type", "name"))


def find_template(organisation_id: int, template_id: str) -> Template | None:
    """The organisation's template; None for another's or a malformed id."""
    try:
        parsed = uuid.UUID(template_id)
    except ValueError:
        return None
    return (
        Template.objects.select_related("sending_service")
        .filter(sending_service__organisation_id=organisation_id, pk=parsed)
        .first()
    )


def list_service_messages(
    service: SendingService, *, status: str = "", before: str = ""
) -> tuple[list[Message], str]:
    """A page of the service's messages, newest first, optionally of one status; `before`
    is the last page's cursor. Returns the page and the next page's cursor ("" at the
    end). Keyset paging on (created_at, id): as fast on the millionth page as the first."""
    messages = Message.objects.filter(sending_service=service).defer(
        "body_text", "body_html", "personalisation"
    )
    if status in Message.Status.values:
        messages = messages.filter(status=status)
    if before:
        try:
            at, _, last_id = before.partition("_")
            created_at = datetime.datetime.fromisoformat(at)
            messages = messages.filter(created_at__lte=created_at).exclude(
                created_at=created_at, id__gte=uuid.UUID(last_id)
            )
        except ValueError:
            pass  # a cursor that is not one: the first page
    page = list(messages.order_by("-created_at", "-id")[: PAGE_SIZE + 1])
    if len(page) <= PAGE_SIZE:
        return page, ""
    last = page[PAGE_SIZE - 1]
    return page[:PAGE_SIZE], f"{last.created_at.isoformat()}_{last.id}"
