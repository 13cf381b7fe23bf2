"""Reading the catalogue. Parsed definitions are cached per process by content hash.

Which version is live is looked up at most once a second per process: every citizen page
needs it, and a newly published version reaching all workers within a second is soon
enough (the process that publishes sees it at once).

A service is named by its organisation's slug and its own slug: slugs are unique within
an organisation only.
"""

import functools
import time
from dataclasses import dataclass

from django.db.models.fields.json import KT

from civitas.catalogue.model import CaseLabelSpec
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.service import Service
from civitas.catalogue.texts import as_texts
from civitas.identity.public import OrganisationRef


class ServiceNotFound(LookupError):
    pass


# id, slug, version, sha256, organisation id, organisation slug, organisation name.
ServiceRow = tuple[int, str, int, str, int, str, str]
_ROW = (
    "id",
    "slug",
    "version",
    "sha256",
    "organisation_id",
    "organisation__slug",
    "organisation__name",
)


@functools.lru_cache(maxsize=256)
def _service(row: ServiceRow, *, is_preview: bool = False) -> Service:
    version_id, slug, version, sha256, organisation_id, organisation, organisation_name = row
    definition = ServiceVersion.objects.values_list("definition", flat=True).get(id=version_id)
    return Service(
        slug=slug,
        version=version,
        sha256=sha256,
        organisation_id=organisation_id,
        organisation=organisation,
        organisation_name=organisation_name,
        definition=definition,
        is_preview=is_preview,
    )


LIVE_LOOKUP_SECONDS = 1.0
_live_rows: dict[tuple[str, str], tuple[float, ServiceRow | None]] = {}


def forget_live_versions() -> None:
    _live_rows.clear()
    _published_rows.clear()


def get_live_service(organisation: str, slug: str) -> Service:
    """The live version of an organisation's service; at most one indexed query a second."""
    now = time.monotonic()
    key = (organisation, slug)
    cached = _live_rows.get(key)
    if cached and now - cached[0] < LIVE_LOOKUP_SECONDS and cached[1] is not None:
        return _service(cached[1])
    row = (
        ServiceVersion.objects.filter(
            organisation__slug=organisation, slug=slug, status=ServiceVersion.Status.LIVE
        )
        .values_list(*_ROW)
        .first()
    )
    _live_rows[key] = (now, row)
    if row is None:
        raise ServiceNotFound(f"{organisation}/{slug}")
    return _service(row)


def get_service_version(organisation_id: int, slug: str, version: int) -> Service:
    row = (
        ServiceVersion.objects.filter(organisation_id=organisation_id, slug=slug, version=version)
        .values_list(*_ROW)
        .first()
    )
    if row is None:
        raise ServiceNotFound(f"{organisation_id}/{slug}@{version}")
    return _service(row)


# Versions a journey may still finish on: the live one and those it replaced. A draft was
# never served to citizens; a withdrawn version must not be finished.
_FINISHABLE = (ServiceVersion.Status.LIVE, ServiceVersion.Status.RETIRED)
_published_rows: dict[tuple[str, str, int], tuple[float, ServiceRow | None]] = {}


def get_published_service(organisation: str, slug: str, version: int) -> Service:
    """A version of an organisation's service that citizens were served (live or retired),
    for journeys begun on it to finish on it; ServiceNotFound for a draft, a withdrawn
    version or none. Looked up at most once a second per process, as the live one is,
    so that a withdrawal reaches every worker within a second."""
    now = time.monotonic()
    key = (organisation, slug, version)
    cached = _published_rows.get(key)
    if cached and now - cached[0] < LIVE_LOOKUP_SECONDS:
        row = cached[1]
    else:
        row = (
            ServiceVersion.objects.filter(
                organisation__slug=organisation,
                slug=slug,
                version=version,
                status__in=_FINISHABLE,
            )
            .values_list(*_ROW)
            .first()
        )
        _published_rows[key] = (now, row)
    if row is None:
        raise ServiceNotFound(f"{organisation}/{slug}@{version}")
    return _service(row)


def get_draft_service(organisation_id: int, slug: str, version: int) -> Service:
    """A draft version of one organisation's service, as its staff preview it; raises
    ServiceNotFound for another organisation's, or a version that is not a draft."""
    row = (
        ServiceVersion.objects.filter(
            organisation_id=organisation_id,
            slug=slug,
            version=version,
            status=ServiceVersion.Status.DRAFT,
        )
        .values_list(*_ROW)
        .first()
    )
    if row is None:
        raise ServiceNotFound(f"{organisation_id}/{slug}@{version}")
    return _service(row, is_preview=True)


@dataclass(frozen=True)
class LiveService:
    """A live service as the catalogue lists it: no definition, no database row."""

    organisation: OrganisationRef
    slug: str
    version: int
    title: str
    description: str

    @property
    def url(self) -> str:
        return f"/services/{self.organisation.slug}/{self.slug}/"


def list_live_labels(organisation_id: int) -> list[CaseLabelSpec]:
    """The labels the organisation's live services declare for their cases, each id once
    (the first service's words, by slug), in one query: what a queue filters by."""
    rows = (
        ServiceVersion.objects.filter(
            organisation_id=organisation_id, status=ServiceVersion.Status.LIVE
        )
        .order_by("slug")
        .values_list("definition__labels", flat=True)
    )
    labels: dict[str, CaseLabelSpec] = {}
    for declared in rows:
        for spec in declared or ():
            labels.setdefault(
                spec["id"], CaseLabelSpec(id=spec["id"], label=as_texts(spec["label"]))
            )
    return list(labels.values())


def list_live_services(*, slug: str | None = None) -> list[LiveService]:
    """Every live service (or those with one slug), by organisation name, then title."""
    versions = ServiceVersion.objects.filter(status=ServiceVersion.Status.LIVE)
    if slug is not None:
        versions = versions.filter(slug=slug)
    rows = versions.order_by("organisation__name", "title").values_list(
        "organisation_id",
        "organisation__slug",
        "organisation__name",
        "slug",
        "version",
        "title",
        KT("definition__description"),
    )
    return [
        LiveService(
            organisation=OrganisationRef(id=org_id, slug=org_slug, name=org_name),
            slug=service_slug,
            version=version,
            title=title,
            description=description or "",
        )
        for org_id, org_slug, org_name, service_slug, version, title, description in rows
    ]
