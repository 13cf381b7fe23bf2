"""What other domains may use from the catalogue."""

from civitas.catalogue.definition import (
    BUILT_IN_PAGES,
    DefinitionInvalid,
    normalise_postcode,
    parse_file,
)
from civitas.catalogue.events import ServicePublished
from civitas.catalogue.files import (
    accepted_kinds,
    file_error,
    is_file_question,
    max_size_bytes,
)
from civitas.catalogue.model import (
    Branch,
    Check,
    ComputedValue,
    Condition,
    ExitPage,
    FeeTable,
    Option,
    Page,
    Privacy,
    Question,
    QuestionPage,
    Repeat,
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
from civitas.catalogue.questions import (
    DEFAULT_ERRORS,
    Cleaned,
    FieldError,
    FormFields,
    Refusal,
    Widget,
    posted_list,
)
from civitas.catalogue.service import Service
from civitas.catalogue.services import PublishResult, publish_service_file
from civitas.platform.yamlsource import Problem

__all__ = [
    "BUILT_IN_PAGES",
    "DEFAULT_ERRORS",
    "Branch",
    "Check",
    "Cleaned",
    "ComputedValue",
    "Condition",
    "DefinitionInvalid",
    "ExitPage",
    "FeeTable",
    "FieldError",
    "FormFields",
    "LiveService",
    "Option",
    "Page",
    "Privacy",
    "Problem",
    "PublishResult",
    "Question",
    "QuestionPage",
    "Refusal",
    "Repeat",
    "RulesSpec",
    "Service",
    "ServiceDefinition",
    "ServiceNotFound",
    "ServicePublished",
    "Widget",
    "accepted_kinds",
    "file_error",
    "get_live_service",
    "get_service_version",
    "is_file_question",
    "list_live_services",
    "max_size_bytes",
    "normalise_postcode",
    "parse_file",
    "posted_list",
    "publish_service_file",
]
