"""A service's privacy notice, generated from its definition.

What the service collects is read from its pages, so the notice cannot drift from the
questions it asks; why, on what lawful basis, who else sees it and for how long come from
the definition's `privacy` section; the controller is the organisation that publishes it.
"""

from dataclasses import dataclass

from civitas.catalogue.public import (
    ICO_COMPLAINTS_URL,
    KeptFor,
    Privacy,
    QuestionPage,
    Service,
    kept_for,
)


@dataclass(frozen=True)
class CollectedPage:
    """What one page of the service asks for, by the names check answers gives them."""

    page_id: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class PrivacyNotice:
    controller: str
    service_title: str
    collected: tuple[CollectedPage, ...]
    privacy: Privacy | None
    """None for a version published before services had to say (the notice then lists
    what is collected and the rights, and names the controller)."""
    complaints_url: str = ICO_COMPLAINTS_URL
    kept: tuple[KeptFor, ...] = ()
    """How long each kind of record is kept (the definition's `retention`)."""


def notice_for(service: Service) -> PrivacyNotice:
    """The privacy notice of a published version: every page that asks questions, with
    each question's summary label, in page order."""
    collected = []
    for page in service.pages:
        if not isinstance(page, QuestionPage):
            continue
        # A page may ask several closely related questions; most ask one.
        collected.append(
            CollectedPage(
                page_id=page.id,
                items=tuple(question.summary_key for question in page.questions),
            )
        )
    return PrivacyNotice(
        controller=service.organisation_name,
        service_title=service.title,
        collected=tuple(collected),
        privacy=service.model.privacy,
        kept=kept_for(service.model),
    )
