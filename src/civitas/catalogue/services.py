"""Publishing service definitions into the catalogue."""

import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from civitas.catalogue.definition import DefinitionInvalid, parse_file
from civitas.catalogue.events import ServicePublished
from civitas.catalogue.models import ServiceVersion
from civitas.identity.public import find_organisation
from civitas.platform.events import publish
from civitas.platform.yamlsource import Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    organisation: str
    slug: str
    version: int
    is_new: bool


def publish_service_file(path: Path, *, published_by: str) -> PublishResult:
    """Validates a definition and stores it as the new live version of its service.

    Publishing the same content as the live version again changes nothing, so loading
    the example services twice is safe. Raises DefinitionInvalid, storing nothing, or
    LedgerUnavailable when the transparency log cannot record the publication.
    """
    parsed = parse_file(path)
    if parsed.problems:
        raise DefinitionInvalid(parsed.problems)
    definition = parsed.definition
    slug = definition["slug"]
    organisation = find_organisation(definition["organisation"])
    if organisation is None:
        raise DefinitionInvalid(
            [
                Problem(
                    file=str(path),
                    line=parsed.line_of("organisation"),
                    message=f"organisation '{definition['organisation']}' is not registered "
                    "on this platform: register it with `civitas organisations add` first",
                )
            ]
        )
    with transaction.atomic():
        versions = ServiceVersion.objects.select_for_update().filter(
            organisation_id=organisation.id, slug=slug
        )
        live = versions.filter(status=ServiceVersion.Status.LIVE).first()
        if live and live.sha256 == parsed.sha256:
            return PublishResult(
                organisation=organisation.slug, slug=slug, version=live.version, is_new=False
            )
        latest = versions.order_by("-version").values_list("version", flat=True).first() or 0
        if live:
            live.status = ServiceVersion.Status.RETIRED
            live.save(update_fields=["status"])
        version = ServiceVersion.objects.create(
            organisation_id=organisation.id,
            slug=slug,
            version=latest + 1,
            title=definition["title"],
            source=parsed.source,
            sha256=parsed.sha256,
            definition=definition,
            published_at=timezone.now(),
            published_by=published_by,
        )
        publish(
            ServicePublished(
                organisation=organisation.slug,
                slug=slug,
                version=version.version,
                sha256=parsed.sha256,
                published_by=published_by,
            )
        )
    logger.info("published service %s/%s version %s", organisation.slug, slug, version.version)
    return PublishResult(
        organisation=organisation.slug, slug=slug, version=version.version, is_new=True
    )
