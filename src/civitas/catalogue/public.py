"""What other domains may use from the catalogue."""

from civitas.catalogue.definition import (
    BUILT_IN_PAGES,
    DefinitionInvalid,
    normalise_postcode,
    parse_file,
)
from civitas.catalogue.events import DraftPublished, ServicePublished
from civitas.catalogue.model import (
    Branch,
    Check,
    ComputedValue,
    Condition,
    ExitPage,
    FeeTable,
    Option,
    Page,
    Question,
    QuestionPage,
    Repeat,
    RulesSpec,
    ServiceDefinition,
)
from civitas.catalogue.queries import (
    LiveService,
    ServiceNotFound,
    get_draft_service,
    get_live_service,
    get_published_service,
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
from civitas.catalogue.services import (
    PublishResult,
    VersionNotFound,
    promote_draft,
    publish_service_file,
    withdraw_version,
)
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
    "DraftPublished",
    "ExitPage",
    "FeeTable",
    "FieldError",
    "FormFields",
    "LiveService",
    "Option",
    "Page",
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
    "VersionNotFound",
    "Widget",
    "get_draft_service",
    "get_live_service",
    "get_published_service",
    "get_service_version",
    "list_live_services",
    "normalise_postcode",
    "parse_file",
    "posted_list",
    "promote_draft",
    "publish_service_file",
    "withdraw_version",
]
