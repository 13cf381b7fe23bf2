"""What other domains may use from the catalogue."""

from civitas.catalogue.definition import (
    BUILT_IN_PAGES,
    DefinitionInvalid,
    normalise_postcode,
    parse_file,
)
from civitas.catalogue.events import ServicePublished
from civitas.catalogue.model import (
    Branch,
    Condition,
    ExitPage,
    FeeTable,
    Option,
    Page,
    Privacy,
    Question,
    QuestionPage,
    RulesSpec,
    ServiceDefinition,
)
from civitas.catalogue.queries import (
    LiveService,
    ServiceNotFound,
    get_live_service,
    get_service_version,
    list_live_services,
)
from civitas.catalogue.questions import Cleaned, FieldError, Refusal, Widget
from civitas.catalogue.service import Service
from civitas.catalogue.services import PublishResult, publish_service_file
from civitas.platform.yamlsource import Problem

__all__ = [
    "BUILT_IN_PAGES",
    "Branch",
    "Cleaned",
    "Condition",
    "DefinitionInvalid",
    "ExitPage",
    "FeeTable",
    "FieldError",
    "LiveService",
    "Option",
    "Page",
    "Privacy",
    "Problem",
    "PublishResult",
    "Question",
    "QuestionPage",
    "Refusal",
    "RulesSpec",
    "Service",
    "ServiceDefinition",
    "ServiceNotFound",
    "ServicePublished",
    "Widget",
    "get_live_service",
    "get_service_version",
    "list_live_services",
    "normalise_postcode",
    "parse_file",
    "publish_service_file",
]
