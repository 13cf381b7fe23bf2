"""Save and come back later: answers kept server-side behind a single-use emailed link.

The token in the link is 32 random bytes, stored only as its SHA-256, so the table alone
opens no journey; following the link (a POST from the page it opens, so that a mail
scanner fetching the link does not use it up) restores the answers on the version they
were given on and spends the link. Neither the address nor the token is ever logged.
"""

import datetime
import hashlib
import html
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from civitas.catalogue.public import (
    Service,
    active_language,
    get_service_version,
    in_language,
    list_live_services,
)
from civitas.journeys.events import AbandonedJourneysDeleted
from civitas.journeys.models import SavedJourney
from civitas.journeys.uploads import discard_held_uploads, hold_uploads, release_uploads
from civitas.notify.public import EmailContent, queue_email
from civitas.platform import ratelimit
from civitas.platform.events import publish
from civitas.platform.formats import written_datetime

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32


@dataclass(frozen=True)
class Saved:
    expires_at: datetime.datetime


@dataclass(frozen=True)
class TooManySaves:
    """Refused: too many links emailed to this address, or from this client, lately."""

    retry_after_seconds: int


@dataclass(frozen=True)
class Restored:
    version: int
    answers: dict[str, Any]
    drafts: dict[str, Any]
    """Items of repeating groups still being added, as the journey keeps them."""


class LinkUnusable(Exception):
    """The link cannot open a journey. `why` is "unknown", "used" or "expired"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def return_url(service: Service, token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{service.url}return/{token}/"


def save_for_later(
    *,
    service: Service,
    answers: Mapping[str, Any],
    email: str,
    client: str,
    drafts: Mapping[str, Any] | None = None,
    account_id: str | None = None,
) -> Saved | TooManySaves:
    """Stores the answers for `service` (the version they were given on) and emails `email`
    a link back to them, valid for SAVED_JOURNEY_DAYS. Counts the sending against both the
    address and `client`, before anything is stored: call it outside a transaction."""
    refusals = [
        verdict
        for verdict in (
            ratelimit.hit("save.email", email.lower(), settings.SAVE_AND_RETURN_RATE_PER_EMAIL),
            ratelimit.hit("save.address", client, settings.SAVE_AND_RETURN_RATE_PER_ADDRESS),
        )
        if not verdict.allowed
    ]
    if refusals:
        return TooManySaves(max(verdict.retry_after_seconds for verdict in refusals))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=settings.SAVED_JOURNEY_DAYS)
    with transaction.atomic():
        saved = SavedJourney.objects.create(
            organisation_id=service.organisation_id,
            service_slug=service.slug,
            service_version=service.version,
            token_sha256=token_digest(token),
            answers={"answers": dict(answers), "drafts": dict(drafts or {})},
            created_at=now,
            expires_at=expires_at,
            account_id=account_id,
        )
        # The files the answers name are kept as long as the answers are.
        hold_uploads(saved=saved, service_path=service.path, answers=answers)
        queue_email(
            organisation_id=service.organisation_id,
            idempotency_key=f"saved-journey:{saved.id}",
            about=f"saved-journey:{saved.id}",
            template="saved-journey",
            to=email,
            content=_email(service, return_url(service, token), expires_at),
            # The link opens the answers: once sent, not even staff can read it back.
            erase_body_when_sent=True,
        )
    logger.info("saved a journey on %s version %s", service.path, service.version)
    return Saved(expires_at=expires_at)


def _email(service: Service, link: str, expires_at: datetime.datetime) -> EmailContent:
    """The email with the link, in the language of the page the citizen saved from."""
    title = in_language(service.title, active_language())
    until = written_datetime(timezone.localtime(expires_at))
    paragraphs = [
        gettext("You saved your application: %(title)s.") % {"title": title},
        gettext("To carry on where you left off, use this link:"),
        gettext("The link works once, until %(until)s. After that we delete your answers.")
        % {"until": until},
        gettext("If you did not ask for this email, you can ignore it."),
    ]
    text = (
        f"{paragraphs[0]}\n\n{paragraphs[1]}\n{link}\n\n{paragraphs[2]}\n\n{paragraphs[3]}\n\n"
        f"{service.organisation_name}\n"
    )
    body = (
        f"<p>{html.escape(paragraphs[0])}</p>"
        f'<p>{html.escape(paragraphs[1])}<br><a href="{html.escape(link)}">'
        f"{html.escape(link)}</a></p>"
        f"<p>{html.escape(paragraphs[2])}</p><p>{html.escape(paragraphs[3])}</p>"
        f"<p>{html.escape(service.organisation_name)}</p>"
    )
    subject = gettext("Your saved application: %(title)s") % {"title": title}
    return EmailContent(subject=subject, text=text, html=body)


def find_saved_link(*, service: Service, token: str) -> SavedJourney:
    """The saved journey a link opens, without using it; raises LinkUnusable. A token for
    another service (or another organisation's) is as unknown as one never issued."""
    saved = SavedJourney.objects.filter(
        token_sha256=token_digest(token),
        organisation_id=service.organisation_id,
        service_slug=service.slug,
    ).first()
    _check_usable(saved)
    assert saved is not None
    return saved


def _check_usable(saved: SavedJourney | None) -> None:
    if saved is None:
        raise LinkUnusable("unknown")
    if saved.used_at is not None:
        raise LinkUnusable("used")
    if saved.expires_at <= timezone.now():
        raise LinkUnusable("expired")


def use_saved_link(*, service: Service, token: str) -> Restored:
    """Spends a link and gives back the answers and their version; raises LinkUnusable.
    The row is locked, so two tabs following one link cannot both restore it."""
    return _restore(
        token_sha256=token_digest(token),
        organisation_id=service.organisation_id,
        service_slug=service.slug,
    )


@dataclass(frozen=True)
class SavedForAccount:
    """Answers a signed-in citizen saved, as their account lists them."""

    id: str
    organisation_id: int
    service_slug: str
    service_version: int
    created_at: datetime.datetime
    expires_at: datetime.datetime


def list_saved_for_account(account_id: str) -> list[SavedForAccount]:
    """The account's saved answers not yet carried on with nor expired, newest first."""
    rows = SavedJourney.objects.filter(
        account_id=uuid.UUID(account_id), used_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")[:50]
    return [
        SavedForAccount(
            id=str(row.id),
            organisation_id=row.organisation_id,
            service_slug=row.service_slug,
            service_version=row.service_version,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )
        for row in rows
    ]


def use_saved_for_account(*, saved_id: str, account_id: str, service: Service) -> Restored:
    """Spends the account's saved answers for `service`, as its emailed link would; raises
    LinkUnusable, as "unknown" for anyone else's."""
    return _restore(
        id=uuid.UUID(saved_id),
        account_id=uuid.UUID(account_id),
        organisation_id=service.organisation_id,
        service_slug=service.slug,
    )


def _restore(**identified: Any) -> Restored:
    with transaction.atomic():
        saved = SavedJourney.objects.select_for_update().filter(**identified).first()
        _check_usable(saved)
        assert saved is not None
        kept = saved.answers or {}
        restored = Restored(
            version=saved.service_version,
            answers=dict(kept.get("answers", {})),
            drafts=dict(kept.get("drafts", {})),
        )
        saved.used_at = timezone.now()
        # Nothing is kept once restored: the answers live in the session again.
        saved.answers = None
        saved.save(update_fields=["used_at", "answers"])
        # The files go back to the journey, swept as its own uploads are.
        release_uploads(saved, now=saved.used_at)
    return restored


def delete_expired_saved_journeys(*, limit: int = 1000) -> int:
    """Deletes saved journeys whose link has expired, used or not; returns how many."""
    ids = list(
        SavedJourney.objects.filter(expires_at__lte=timezone.now()).values_list("id", flat=True)[
            :limit
        ]
    )
    if not ids:
        return 0
    # The files of a saved journey go with it (the row first, then the file).
    discard_held_uploads(ids)
    deleted, _ = SavedJourney.objects.filter(id__in=ids).delete()
    return deleted


def delete_abandoned_journeys(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Retention: deletes the answers saved to come back to and never sent, once the
    service's `retention.abandoned_journeys` has passed since they were saved, whatever
    the link's own expiry; records each service's deletions in the audit trail and the
    transparency log (how many, nothing they held). Returns how many."""
    now = now or timezone.now()
    deleted = 0
    for live in list_live_services():
        service = get_service_version(live.organisation.id, live.slug, live.version)
        days = service.model.retention.abandoned_journeys_days
        with transaction.atomic():
            ids = list(
                SavedJourney.objects.select_for_update(skip_locked=True)
                .filter(
                    organisation_id=live.organisation.id,
                    service_slug=live.slug,
                    created_at__lt=now - datetime.timedelta(days=days),
                )
                .values_list("id", flat=True)[:limit]
            )
            if not ids:
                continue
            discard_held_uploads(ids)
            count, _ = SavedJourney.objects.filter(id__in=ids).delete()
            publish(
                AbandonedJourneysDeleted(
                    organisation=live.organisation.slug,
                    service=live.slug,
                    count=count,
                    kept_days=days,
                )
            )
        deleted += count
    return deleted
