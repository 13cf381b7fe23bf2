"""A published version of a service, as the runtime uses it: its typed model (model.py),
and who publishes it."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from civitas.catalogue.model import Page, Question, QuestionPage, ServiceDefinition


@dataclass(frozen=True)
class Service:
    slug: str
    version: int
    sha256: str
    organisation_id: int
    organisation: str
    """The owning organisation's slug: with `slug`, what names the service."""
    organisation_name: str
    definition: Mapping[str, Any] = field(repr=False)
    """The definition as stored (JSON): only for what must be given out as published (the
    API's copy). Everything else reads `model`."""
    model: ServiceDefinition = field(init=False, repr=False, compare=False)
    """The definition as typed values, built once per version."""
    is_preview: bool = False
    """A draft version walked through by its organisation's staff: its pages live under
    /staff/preview/, and sending it stores nothing."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", ServiceDefinition.from_document(self.definition))

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def path(self) -> str:
        """`organisation/slug`: how citizens' URLs and the API name the service."""
        return f"{self.organisation}/{self.slug}"

    @property
    def url(self) -> str:
        if self.is_preview:
            return f"/staff/preview/{self.slug}/{self.version}/"
        return f"/services/{self.organisation}/{self.slug}/"

    @property
    def journey_key(self) -> str:
        """What names a journey on this service in a citizen's session: a preview's
        answers are kept apart from a real application's."""
        if self.is_preview:
            return f"preview:{self.path}@{self.version}"
        return self.path

    @property
    def pages(self) -> tuple[Page, ...]:
        return self.model.pages

    def page(self, page_id: str) -> Page | None:
        return self.model.page(page_id)

    def page_index(self, page_id: str) -> int:
        return self.model.page_index(page_id)

    def question(self, answer_id: str) -> Question | None:
        return self.model.question(answer_id)

    def page_for_answer(self, answer_id: str) -> QuestionPage | None:
        return self.model.page_for_answer(answer_id)

    def lookup(self, table: str, key: str) -> str | None:
        return self.model.lookup(table, key)

    @property
    def contact_email_answer(self) -> str:
        return self.model.contact_email
