"""Sending services: who sends messages, as GOV.UK Notify names it a service.

Every catalogue service has one, made the first time it is published and named after it;
an organisation can also make one that is no catalogue service (a department that only
sends messages). Both are found by the organisation first, so one organisation never
reaches another's.
"""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from civitas.notify.models import SendingService


def ensure_sending_service(
    *, organisation_id: int, catalogue_slug: str, name: str, reply_to_email: str = ""
) -> SendingService:
    """The catalogue service's sending service, made on first call; its name and reply-to
    follow the latest definition."""
    found = SendingService.objects.filter(
        organisation_id=organisation_id, catalogue_slug=catalogue_slug
    ).first()
    if found is None:
        try:
            with transaction.atomic():
                return SendingService.objects.create(
                    organisation_id=organisation_id,
                    catalogue_slug=catalogue_slug,
                    name=name[:200],
                    reply_to_email=reply_to_email,
                    created_at=timezone.now(),
                )
        except IntegrityError:  # made meanwhile by another publication
            found = SendingService.objects.get(
                organisation_id=organisation_id, catalogue_slug=catalogue_slug
            )
    changed = {"name": name[:200], "reply_to_email": reply_to_email}
    if any(getattr(found, field) != value for field, value in changed.items()):
        for field, value in changed.items():
            setattr(found, field, value)
        found.save(update_fields=list(changed))
    return found


def create_sending_service(*, organisation_id: int, name: str) -> SendingService:
    """A sending service that is no catalogue service: it only sends messages."""
    return SendingService.objects.create(
        organisation_id=organisation_id, name=name[:200], created_at=timezone.now()
    )


def sending_service_of(organisation_id: int, slug_or_id: str) -> SendingService | None:
    """The organisation's sending service named by a catalogue slug or by its id."""
    services = SendingService.objects.filter(organisation_id=organisation_id)
    try:
        return services.filter(pk=uuid.UUID(slug_or_id)).first()
    except ValueError:
        return services.filter(catalogue_slug=slug_or_id).first()


def find_sending_service(service_id: str) -> SendingService | None:
    """The sending service with this id, of any organisation (for checking an API key's
    JWT, whose `iss` is the id); None for a malformed or unknown id."""
    try:
        return SendingService.objects.filter(pk=uuid.UUID(service_id)).first()
    except (ValueError, TypeError, AttributeError):
        return None
