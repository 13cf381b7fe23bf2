"""What other domains may use from the catalogue."""

from civitas.catalogue.definition import DefinitionInvalid, normalise_postcode, parse_file
from civitas.catalogue.events import ServicePublished
from civitas.catalogue.queries import (
    LiveService,
    ServiceNotFound,
    get_live_service,
    get_service_version,
    list_live_services,
)
from civitas.catalogue.service import Service
from civitas.catalogue.services import PublishResult, publish_service_file
from civitas.platform.yamlsource import Problem

__all__ = [
    "DefinitionInvalid",
    "LiveService",
    "Problem",
    "PublishResult",
    "Service",
    "ServiceNotFound",
    "ServicePublished",
    "get_live_service",
    "get_service_version",
    "list_live_services",
    "normalise_postcode",
    "parse_file",
    "publish_service_file",
]
