"""Notify API keys of a sending service, as notify's callers (the CLI, the bench, staff
pages) make them: identity keeps every key (docs/decisions/0043); this names the service."""

from civitas.identity.public import create_notify_api_key
from civitas.notify.models import SendingService


def create_notify_key(
    *, sending_service: SendingService, name: str, key_type: str, created_by: str
) -> str:
    """Makes a key of the sending service (`key_type` live, normal, team or test) and
    answers the whole key, `{name}-{service id}-{secret}`: the only time it is shown.
    ValueError for a bad name or key type."""
    _, key = create_notify_api_key(
        organisation_id=sending_service.organisation_id,
        service_id=str(sending_service.pk),
        name=name,
        key_type=key_type,
        created_by=created_by,
    )
    return key
