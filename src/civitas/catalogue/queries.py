"""Reading the catalogue. Parsed definitions are cached per process by content hash.

Which version is live is looked up at most once a second per process: every citizen page
needs it, and a newly published version reaching all workers within a second is soon
enough (the process that publishes sees it at once).
"""

import functools
import time

from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.service import Service


class ServiceNotFound(LookupError):
    pass


@functools.lru_cache(maxsize=256)
def _service(slug: str, version: int, sha256: str, version_id: int) -> Service:
    definition = ServiceVersion.objects.values_list("definition", flat=True).get(id=version_id)
    return Service(slug=slug, version=version, sha256=sha256, definition=definition)


def _from_row(row: tuple) -> Service:
    version_id, slug, version, sha256 = row
    return _service(slug, version, sha256, version_id)


LIVE_LOOKUP_SECONDS = 1.0
_live_rows: dict[str, tuple[float, tuple | None]] = {}


def forget_live_versions() -> None:
    _live_rows.clear()


def get_live_service(slug: str) -> Service:
    """The live version of a service; at most one indexed query a second, parse cached."""
    now = time.monotonic()
    cached = _live_rows.get(slug)
    if cached and now - cached[0] < LIVE_LOOKUP_SECONDS and cached[1] is not None:
        return _from_row(cached[1])
    row = (
        ServiceVersion.objects.filter(slug=slug, status=ServiceVersion.Status.LIVE)
        .values_list("id", "slug", "version", "sha256")
        .first()
    )
    _live_rows[slug] = (now, row)
    if row is None:
        raise ServiceNotFound(slug)
    return _from_row(row)


def get_service_version(slug: str, version: int) -> Service:
    row = (
        ServiceVersion.objects.filter(slug=slug, version=version)
        .values_list("id", "slug", "version", "sha256")
        .first()
    )
    if row is None:
        raise ServiceNotFound(f"{slug}@{version}")
    return _from_row(row)


def list_live_services() -> list[ServiceVersion]:
    return list(
        ServiceVersion.objects.filter(status=ServiceVersion.Status.LIVE)
        .only("slug", "title", "organisation", "version", "definition")
        .order_by("title")
    )
