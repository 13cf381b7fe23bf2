"""Publishing service definitions into the catalogue."""

import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from civitas.catalogue.definition import (
    DefinitionInvalid,
    ParsedDefinition,
    parse_file,
    welsh_required,
)
from civitas.catalogue.events import DraftPublished, ServicePublished
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.queries import forget_live_versions, get_service_version
from civitas.catalogue.texts import english
from civitas.identity.public import (
    find_organisation,
    list_team_slugs,
    organisation_requires_welsh,
)
from civitas.platform.events import publish
from civitas.platform.yamlsource import Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    organisation: str
    slug: str
    version: int
    is_new: bool


class VersionNotFound(LookupError):
    """No version of that number, in that state, for that service."""


class PromotionRefused(ValueError):
    """The draft cannot go live as things are now (a team its routing names is gone)."""


def publish_service_file(path: Path, *, published_by: str, draft: bool = False) -> PublishResult:
    """Validates a definition and stores it as the new live version of its service.

    Publishing the same content as the live version again changes nothing, so loading
    the example services twice is safe. Raises DefinitionInvalid, storing nothing, or
    LedgerUnavailable when the transparency log cannot record the publication.

    With `draft`, the version is stored as a draft its organisation's staff can preview,
    and the live version stays live until the draft is promoted (promote_draft). The same
    content as the live version or an existing draft changes nothing.

    A text with no Welsh is refused when the organisation requires Welsh.
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
    if parsed.welsh_gaps and organisation_requires_welsh(organisation.slug):
        raise DefinitionInvalid(welsh_required(parsed.welsh_gaps, organisation.name))
    if unknown_teams := _unknown_teams(parsed, str(path), organisation.slug):
        raise DefinitionInvalid(unknown_teams)
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
        if draft:
            return _store_draft(
                versions, parsed, organisation.id, organisation.slug, latest, published_by
            )
        if live:
            live.status = ServiceVersion.Status.RETIRED
            live.save(update_fields=["status"])
        version = ServiceVersion.objects.create(
            organisation_id=organisation.id,
            slug=slug,
            version=latest + 1,
            title=english(definition["title"]),
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


def _unknown_teams(parsed: ParsedDefinition, filename: str, organisation: str) -> list[Problem]:
    """Each team the routing names that the organisation does not have, at its line: a
    case routed to no team would sit in nobody's queue."""
    routing = parsed.definition.get("routing")
    if not routing:
        return []
    teams = list_team_slugs(organisation)
    named: list[tuple[str, tuple[str | int, ...]]] = [
        (route["team"], ("routing", "routes", index, "team"))
        for index, route in enumerate(routing.get("routes", []))
    ]
    named.append((routing["default_team"], ("routing", "default_team")))
    return [
        Problem(
            file=filename,
            line=parsed.line_of(*where),
            message=f"{organisation} has no team '{team}': create it with "
            f"`civitas teams add {organisation} {team} --name ...` first",
        )
        for team, where in named
        if team not in teams
    ]


def _store_draft(
    versions: QuerySet[ServiceVersion],
    parsed: ParsedDefinition,
    organisation_id: int,
    organisation_slug: str,
    latest: int,
    published_by: str,
) -> PublishResult:
    definition = parsed.definition
    slug = definition["slug"]
    same = versions.filter(status=ServiceVersion.Status.DRAFT, sha256=parsed.sha256).first()
    if same is not None:
        return PublishResult(
            organisation=organisation_slug, slug=slug, version=same.version, is_new=False
        )
    version = ServiceVersion.objects.create(
        organisation_id=organisation_id,
        slug=slug,
        version=latest + 1,
        title=english(definition["title"]),
        status=ServiceVersion.Status.DRAFT,
        source=parsed.source,
        sha256=parsed.sha256,
        definition=definition,
        published_at=timezone.now(),
        published_by=published_by,
    )
    publish(
        DraftPublished(
            organisation=organisation_slug,
            slug=slug,
            version=version.version,
            sha256=parsed.sha256,
            published_by=published_by,
        )
    )
    logger.info("stored draft %s/%s version %s", organisation_slug, slug, version.version)
    return PublishResult(
        organisation=organisation_slug, slug=slug, version=version.version, is_new=True
    )


def promote_draft(*, organisation: str, slug: str, version: int, published_by: str) -> None:
    """Makes a draft version the live one; the version it replaces is retired, and journeys
    begun on it finish on it. Logged as any publication is. Raises VersionNotFound when
    that version is not a draft, or is older than the live one (publish it again instead:
    numbers only go up as citizens see them)."""
    with transaction.atomic():
        versions = ServiceVersion.objects.select_for_update().filter(
            organisation__slug=organisation, slug=slug
        )
        found = versions.filter(version=version, status=ServiceVersion.Status.DRAFT).first()
        if found is None:
            raise VersionNotFound(f"{organisation}/{slug} has no draft version {version}")
        live = versions.filter(status=ServiceVersion.Status.LIVE).first()
        if live is not None:
            if live.version > version:
                raise VersionNotFound(
                    f"{organisation}/{slug} version {version} is older than the live "
                    f"version {live.version}: publish it again as a new draft"
                )
            live.status = ServiceVersion.Status.RETIRED
            live.save(update_fields=["status"])
        # The teams were checked when the draft was published; one may have gone since,
        # and a case routed to no team would sit in nobody's queue.
        routing = get_service_version(found.organisation_id, slug, version).model.routing
        if routing is not None and (
            missing := sorted(set(routing.team_slugs) - list_team_slugs(organisation))
        ):
            raise PromotionRefused(
                f"{organisation}/{slug} version {version} routes cases to "
                f"{', '.join(repr(team) for team in missing)}, which {organisation} does not "
                f"have: create it with `civitas teams add {organisation} {missing[0]} --name ...`"
            )
        found.status = ServiceVersion.Status.LIVE
        found.save(update_fields=["status"])
        publish(
            ServicePublished(
                organisation=organisation,
                slug=slug,
                version=version,
                sha256=found.sha256,
                published_by=published_by,
            )
        )
    logger.info("promoted service %s/%s version %s", organisation, slug, version)


def withdraw_version(*, organisation: str, slug: str, version: int) -> None:
    """Takes back a retired or draft version: journeys begun on it start again on the live
    version. The live version cannot be withdrawn (publish or promote another first)."""
    with transaction.atomic():
        changed = ServiceVersion.objects.filter(
            organisation__slug=organisation,
            slug=slug,
            version=version,
            status__in=[ServiceVersion.Status.RETIRED, ServiceVersion.Status.DRAFT],
        ).update(status=ServiceVersion.Status.WITHDRAWN)
    if not changed:
        raise VersionNotFound(
            f"{organisation}/{slug} has no retired or draft version {version} to withdraw"
        )
    forget_live_versions()
