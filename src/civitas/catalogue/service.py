"""A read-only view of a published service definition, as the runtime uses it."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Service:
    slug: str
    version: int
    sha256: str
    organisation_id: int
    organisation: str
    """The owning organisation's slug: with `slug`, what names the service."""
    organisation_name: str
    definition: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        return self.definition["title"]

    @property
    def path(self) -> str:
        """`organisation/slug`: how citizens' URLs and the API name the service."""
        return f"{self.organisation}/{self.slug}"

    @property
    def url(self) -> str:
        return f"/services/{self.organisation}/{self.slug}/"

    @property
    def pages(self) -> list[dict[str, Any]]:
        return self.definition["pages"]

    def page(self, page_id: str) -> dict[str, Any] | None:
        return self._pages_by_id.get(page_id)

    def page_index(self, page_id: str) -> int:
        return self._page_positions[page_id]

    def question(self, answer_id: str) -> dict[str, Any] | None:
        page = self._pages_by_answer.get(answer_id)
        return page["question"] if page else None

    def page_for_answer(self, answer_id: str) -> dict[str, Any] | None:
        return self._pages_by_answer.get(answer_id)

    def lookup(self, table: str, key: str) -> str | None:
        return self.definition["_data"][table].get(key)

    @property
    def contact_email_answer(self) -> str:
        return self.definition["contact"]["email"]

    def __post_init__(self) -> None:
        pages = self.definition["pages"]
        object.__setattr__(self, "_pages_by_id", {page["id"]: page for page in pages})
        object.__setattr__(
            self, "_page_positions", {page["id"]: index for index, page in enumerate(pages)}
        )
        object.__setattr__(
            self,
            "_pages_by_answer",
            {page["question"]["id"]: page for page in pages if page.get("question")},
        )
