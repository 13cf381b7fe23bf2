"""How the catalogue's events reach the transparency log and the runtime's caches."""

from civitas.catalogue.events import ServicePublished
from civitas.catalogue.queries import forget_live_versions
from civitas.ledger.public import EntryReceipt, record_entry
from civitas.platform.events import HandlerResults


def log_publication(event: ServicePublished, results: HandlerResults) -> EntryReceipt:
    return record_entry(
        kind="service.published",
        organisation=event.organisation,
        role="service_owner",
        payload={"service": event.slug, "version": event.version, "yaml_sha256": event.sha256},
    )


def serve_the_new_version(event: ServicePublished, results: HandlerResults) -> None:
    """This process serves the new version at once; others within a second (queries.py)."""
    forget_live_versions()
